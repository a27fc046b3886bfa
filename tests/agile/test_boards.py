"""Boards: saved filters, column mapping, WIP limits, quick filters, swimlanes, Kanban aging, the backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.agile.conftest import DONE, IN_PROGRESS, IN_REVIEW, TODO, column_keys, events, restrict_project, set_status
from tests.conftest import unique


async def test_new_board_gets_columns_by_status_category_and_a_shared_filter(admin, make_board, project, db):
    board = await make_board(name="Team board")
    assert [c["name"] for c in board["columns"]] == ["To Do", "In Progress", "Done"]
    assert [[s["id"] for s in c["statuses"]] for c in board["columns"]] == [[TODO], [IN_PROGRESS, IN_REVIEW], [DONE]]
    assert board["filter"]["jql"] == f"project = {project['key']} ORDER BY Rank ASC"
    saved = (await admin.get(f"/api/v1/filters/{board['filter']['id']}")).json()
    assert saved["shared"] is True and saved["owner"]["username"] == "admin"
    assert board["estimation"] == "story_points" and board["swimlanes"] == "none"
    created = await events(db, project=project["key"], type="board.created")
    assert [e["payload"]["data"]["board"]["id"] for e in created] == [board["id"]]
    assert created[0]["payload"]["data"]["board"]["columns"][-1]["statuses"][0]["id"] == DONE
    listed = (await admin.get("/api/v1/boards", params={"project": project["key"]})).json()["boards"]
    assert [b["id"] for b in listed] == [board["id"]]


async def test_board_view_maps_statuses_to_columns_in_rank_order(admin, make_board, make_issue, db):
    board = await make_board(type="kanban")
    a, b, c, d = [await make_issue(summary=s) for s in "abcd"]
    await set_status(db, b["key"], IN_REVIEW)
    await set_status(db, c["key"], DONE)
    await set_status(db, d["key"], IN_PROGRESS)
    r = await admin.put("/api/v1/rank", json={"issues": [d["key"]], "rank_before_issue": b["key"]})
    assert r.status_code == 200, r.text
    view = (await admin.get(f"/api/v1/boards/{board['id']}/view")).json()
    assert column_keys(view) == [[a["key"]], [d["key"], b["key"]], [c["key"]]]
    assert view["total"] == 4 and view["sprints"] == []
    first = view["columns"][1]["issues"][0]
    assert first["status"]["name"] == "In Progress" and first["type"]["name"] == "Task"


async def test_column_configuration_unmapped_statuses_and_bad_input(admin, make_board, make_issue, db):
    board = await make_board(type="kanban")
    a, b = await make_issue(), await make_issue()
    await set_status(db, b["key"], IN_REVIEW)
    columns = [
        {"name": "Backlog", "statuses": ["To Do"]},
        {"name": "Doing", "statuses": [IN_PROGRESS], "max": 3},
        {"name": "Shipped", "statuses": ["done"]},
    ]
    r = await admin.put(f"/api/v1/boards/{board['id']}/columns", json={"columns": columns})
    assert r.status_code == 200, r.text
    assert [c["name"] for c in r.json()["columns"]] == ["Backlog", "Doing", "Shipped"]
    view = (await admin.get(f"/api/v1/boards/{board['id']}/view")).json()
    assert column_keys(view) == [[a["key"]], [], []]  # In Review is mapped to no column: not on the board

    bad = [
        ([], "columns"),
        ([{"name": "A", "statuses": ["To Do"]}, {"name": "B", "statuses": ["To Do", "Done"]}], "columns[1].statuses"),
        ([{"name": "A", "statuses": ["Nope"]}], "columns[0].statuses"),
        ([{"name": "A", "statuses": ["To Do"]}, {"name": "a", "statuses": ["Done"]}], "columns[1].name"),
        (
            [{"name": "A", "statuses": ["To Do"], "min": 3, "max": 2}, {"name": "B", "statuses": [DONE]}],
            "columns[0].min",
        ),
        ([{"name": "A", "statuses": ["To Do"]}, {"name": "B", "statuses": []}], "columns[1].statuses"),
    ]
    for cols, field in bad:
        r = await admin.put(f"/api/v1/boards/{board['id']}/columns", json={"columns": cols})
        assert r.status_code == 422, (cols, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert field in r.json()["errors"], r.json()
    after = (await admin.get(f"/api/v1/boards/{board['id']}")).json()
    assert [c["name"] for c in after["columns"]] == ["Backlog", "Doing", "Shipped"]


async def test_wip_limits_count_the_board_without_quick_filters(admin, make_board, make_issue, make_user, db):
    bob, _ = await make_user()
    board = await make_board(type="kanban")
    columns = [
        {"name": "To Do", "statuses": [TODO], "min": 1},
        {"name": "Doing", "statuses": [IN_PROGRESS, IN_REVIEW], "min": 1, "max": 2},
        {"name": "Done", "statuses": [DONE]},
    ]
    assert (await admin.put(f"/api/v1/boards/{board['id']}/columns", json={"columns": columns})).status_code == 200
    doing = [await make_issue(assignee=bob if i == 0 else None) for i in range(3)]
    for issue in doing:
        await set_status(db, issue["key"], IN_PROGRESS)
    q = await admin.post(f"/api/v1/boards/{board['id']}/quickfilters", json={"name": "Bob", "jql": f"assignee = {bob}"})
    assert q.status_code == 201, q.text
    view = (await admin.get(f"/api/v1/boards/{board['id']}/view")).json()
    todo, wip, done = view["columns"]
    assert (todo["issue_count"], todo["under_min"], todo["over_max"]) == (0, True, False)
    assert (wip["issue_count"], wip["over_max"], wip["under_min"]) == (3, True, False)
    assert (wip["min"], wip["max"]) == (1, 2) and done["over_max"] is False
    filtered = (await admin.get(f"/api/v1/boards/{board['id']}/view", params={"quickFilter": q.json()["id"]})).json()
    assert column_keys(filtered) == [[], [doing[0]["key"]], []]
    assert filtered["columns"][1]["issue_count"] == 3 and filtered["columns"][1]["over_max"] is True
    assert [f["active"] for f in filtered["quick_filters"]] == [True]
    r = await admin.get(f"/api/v1/boards/{board['id']}/view", params={"quickFilter": 999999})
    assert r.status_code == 422 and "quickFilter" in r.json()["errors"]


async def test_estimation_statistic_and_swimlanes(admin, make_board, make_issue, make_user):
    alice, _ = await make_user(display_name="Alice")
    epic = await make_issue(type="Epic", summary="Checkout")
    story = await make_issue(type="Story", parent=epic["key"], story_points=5, assignee=alice)
    sub = await make_issue(type="Sub-task", parent=story["key"], story_points=8)
    loose = await make_issue(story_points=2.5)
    board = await make_board(type="kanban", swimlanes="epic")
    view = (await admin.get(f"/api/v1/boards/{board['id']}/view")).json()
    todo = view["columns"][0]
    assert todo["estimate"] == 7.5  # sub-task points are not counted, as in Jira
    lanes = view["swimlanes"]["lanes"]
    assert [lane["id"] for lane in lanes] == [epic["key"], None]
    assert lanes[0]["columns"][0] == [story["key"], sub["key"]]
    assert lanes[1]["columns"][0] == [epic["key"], loose["key"]]
    cards = {c["key"]: c for c in todo["issues"]}
    assert cards[sub["key"]]["epic"]["key"] == epic["key"] and cards[sub["key"]]["parent"] == story["key"]

    r = await admin.patch(f"/api/v1/boards/{board['id']}", json={"swimlanes": "assignee", "estimation": "issue_count"})
    assert r.status_code == 200, r.text
    view = (await admin.get(f"/api/v1/boards/{board['id']}/view")).json()
    assert view["columns"][0]["estimate"] == 3
    lanes = view["swimlanes"]["lanes"]
    assert [lane["name"] for lane in lanes] == ["Alice", "Unassigned"]
    assert lanes[0]["columns"][0] == [story["key"]]


async def test_kanban_hides_done_issues_older_than_the_board_age(admin, make_board, make_issue, db):
    board = await make_board(type="kanban", done_max_age_days=7)
    old, recent, open_ = await make_issue(), await make_issue(), await make_issue()
    for issue, days in ((old, 30), (recent, 2)):
        await set_status(db, issue["key"], DONE)
        await db.execute(  # created long ago, done `days` ago
            "UPDATE issue_history SET occurred_at = now() - interval '40 days' WHERE issue_key = %s", (issue["key"],)
        )
        await db.execute(
            "INSERT INTO issue_history (issue_id, issue_key, project_id, change_id, occurred_at, field, from_value,"
            " to_value) SELECT id, key, project_id, gen_random_uuid(), %s, 'status', '1', '10001'"
            " FROM issues WHERE key = %s",
            (datetime.now(UTC) - timedelta(days=days), issue["key"]),
        )
    view = (await admin.get(f"/api/v1/boards/{board['id']}/view")).json()
    assert column_keys(view) == [[open_["key"]], [], [recent["key"]]]
    assert (await admin.patch(f"/api/v1/boards/{board['id']}", json={"done_max_age_days": None})).status_code == 200
    view = (await admin.get(f"/api/v1/boards/{board['id']}/view")).json()
    assert sorted(column_keys(view)[2]) == sorted([old["key"], recent["key"]])


async def test_scrum_view_shows_the_active_sprint_and_backlog_the_rest(admin, make_board, make_issue, make_sprint, db):
    board = await make_board()
    s1 = await make_sprint(board["id"], name="S1")
    s2 = await make_sprint(board["id"], name="S2")
    a, b, c, d = [await make_issue(summary=s) for s in "abcd"]
    await admin.post(f"/api/v1/sprints/{s1['id']}/issues", json={"issues": [a["key"], b["key"]]})
    await admin.post(f"/api/v1/sprints/{s2['id']}/issues", json={"issues": [c["key"]]})
    await set_status(db, b["key"], DONE)
    empty = (await admin.get(f"/api/v1/boards/{board['id']}/view")).json()
    assert empty["sprints"] == [] and column_keys(empty) == [[], [], []]
    assert (await admin.post(f"/api/v1/sprints/{s1['id']}/start", json={})).status_code == 200
    view = (await admin.get(f"/api/v1/boards/{board['id']}/view")).json()
    assert [s["name"] for s in view["sprints"]] == ["S1"]
    assert column_keys(view) == [[a["key"]], [], [b["key"]]]
    other = (await admin.get(f"/api/v1/boards/{board['id']}/view", params={"sprint": s2["id"]})).json()
    assert column_keys(other) == [[c["key"]], [], []]

    done_in_backlog = await make_issue(summary="e")
    await set_status(db, done_in_backlog["key"], DONE)
    backlog = (await admin.get(f"/api/v1/boards/{board['id']}/backlog")).json()
    assert [(s["name"], s["state"]) for s in backlog["sprints"]] == [("S1", "active"), ("S2", "future")]
    assert [[i["key"] for i in s["issues"]] for s in backlog["sprints"]] == [[a["key"], b["key"]], [c["key"]]]
    assert [i["key"] for i in backlog["backlog"]["issues"]] == [d["key"]]


async def test_saved_filters_are_owned_and_shared(admin, make_user, project):
    bob, bob_client = await make_user()
    _, carol_client = await make_user()
    r = await bob_client.post("/api/v1/filters", json={"name": "Mine", "jql": f"project = {project['key']}"})
    assert r.status_code == 201, r.text
    f = r.json()
    assert (await carol_client.get(f"/api/v1/filters/{f['id']}")).status_code == 404
    assert (await bob_client.post("/api/v1/filters", json={"name": "mine", "jql": "project = X"})).status_code == 409
    bad = await bob_client.post("/api/v1/filters", json={"name": "Bad", "jql": "project = "})
    assert bad.status_code == 422 and "jql" in bad.json()["errors"]
    assert (await bob_client.patch(f"/api/v1/filters/{f['id']}", json={"shared": True})).status_code == 200
    assert (await carol_client.get(f"/api/v1/filters/{f['id']}")).json()["owner"]["username"] == bob
    assert (await carol_client.patch(f"/api/v1/filters/{f['id']}", json={"name": "Stolen"})).status_code == 403
    listed = (await carol_client.get("/api/v1/filters")).json()["filters"]
    assert f["id"] in [x["id"] for x in listed]
    assert f["id"] not in [x["id"] for x in (await carol_client.get("/api/v1/filters?mine=true")).json()["filters"]]
    assert (await bob_client.delete(f"/api/v1/filters/{f['id']}")).status_code == 204


async def test_boards_need_admin_rights_and_a_visible_filter(admin, make_user, project, make_board, db):
    _, bob_client = await make_user()
    r = await bob_client.post("/api/v1/boards", json={"name": "B", "type": "scrum", "project": project["key"]})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    board = await make_board()
    assert (await bob_client.get(f"/api/v1/boards/{board['id']}")).status_code == 200
    assert (await bob_client.patch(f"/api/v1/boards/{board['id']}", json={"name": "X"})).status_code == 403
    private = await admin.post("/api/v1/filters", json={"name": unique("p"), "jql": f"project = {project['key']}"})
    assert (
        await admin.patch(f"/api/v1/boards/{board['id']}", json={"filter_id": private.json()["id"]})
    ).status_code == 200
    r = await bob_client.get(f"/api/v1/boards/{board['id']}/view")
    assert r.status_code == 403 and "not shared" in r.json()["title"]
    r = await admin.delete(f"/api/v1/filters/{private.json()['id']}")
    assert r.status_code == 409
    await restrict_project(db, project["key"], [])
    assert (await bob_client.get(f"/api/v1/boards/{board['id']}")).status_code == 404
    assert (await bob_client.get("/api/v1/boards", params={"project": project["key"]})).json()["boards"] == []


async def test_board_input_errors_write_nothing(admin, project, db):
    count = await agile_rows(db)
    cases = [
        {"name": "", "type": "scrum", "project": project["key"]},
        {"name": "B", "type": "list", "project": project["key"]},
        {"name": "B", "type": "scrum", "project": "NOPE"},
        {"name": "B", "type": "scrum", "project": project["key"], "jql": "status = "},
        {"name": "B", "type": "scrum", "project": project["key"], "filter_id": 99999999},
        {"name": "B", "type": "scrum", "project": project["key"], "done_max_age_days": 0},
        {"name": "B", "type": "scrum", "project": project["key"], "columns": [{"name": "Only", "statuses": []}]},
    ]
    for body in cases:
        r = await admin.post("/api/v1/boards", json=body)
        assert r.status_code in (404, 422), (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert await agile_rows(db) == count


async def agile_rows(db):
    cur = await db.execute(
        "SELECT (SELECT count(*) FROM boards) AS boards, (SELECT count(*) FROM saved_filters) AS filters,"
        " (SELECT count(*) FROM board_columns) AS columns, (SELECT count(*) FROM outbox) AS events"
    )
    return await cur.fetchone()


async def test_working_time_of_the_board_for_its_reports(admin, make_board, project, db):
    board = await make_board(timezone="Europe/Paris", working_weekdays=[1, 2, 3, 4], non_working_days=["2026-12-25"])
    assert (board["timezone"], board["working_weekdays"], board["non_working_days"]) == (
        "Europe/Paris",
        [1, 2, 3, 4],
        ["2026-12-25"],
    )
    r = await admin.patch(
        f"/api/v1/boards/{board['id']}",
        json={"non_working_days": ["2027-01-01", "2026-12-24"], "working_weekdays": [5, 1]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["non_working_days"] == ["2026-12-24", "2027-01-01"] and r.json()["working_weekdays"] == [1, 5]
    for body, field in (
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"working_weekdays": [0, 8]}, "working_weekdays"),
        ({"working_weekdays": []}, "working_weekdays"),
        ({"non_working_days": ["someday"]}, "non_working_days"),
    ):
        r = await admin.patch(f"/api/v1/boards/{board['id']}", json=body)
        assert r.status_code == 422 and field in r.json()["errors"], (body, r.text)
    (last,) = (await events(db, project=project["key"], type="board.updated"))[-1:]
    assert last["payload"]["data"]["board"]["non_working_days"] == ["2026-12-24", "2027-01-01"]
    assert last["payload"]["data"]["board"]["timezone"] == "Europe/Paris"


async def test_the_view_shows_only_what_the_viewer_may_browse(admin, make_user, make_issue, project, db):
    other = await admin.post("/api/v1/projects", json={"key": "V" + project["key"][1:6], "name": "Secret"})
    assert other.status_code == 201, other.text
    okey, label = other.json()["key"], unique("shared")
    mine = await make_issue(labels=[label])
    secret = await admin.post(
        "/api/v1/issues", json={"project": okey, "type": "Task", "summary": "secret", "labels": [label]}
    )
    r = await admin.post(
        "/api/v1/boards", json={"name": "Both", "type": "kanban", "project": project["key"], "jql": f"labels = {label}"}
    )
    board = r.json()
    assert column_keys((await admin.get(f"/api/v1/boards/{board['id']}/view")).json())[0] == [
        mine["key"],
        secret.json()["key"],
    ]
    _, user = await make_user()
    await restrict_project(db, okey, [])
    r = await user.get(f"/api/v1/boards/{board['id']}/view")
    assert r.status_code == 200, r.text
    view = r.json()
    assert column_keys(view)[0] == [mine["key"]] and "secret" not in str(view)
    # A filter naming a project the viewer cannot see is refused as Jira refuses it, without saying more.
    r = await admin.patch(f"/api/v1/filters/{board['filter']['id']}", json={"jql": f"project = {okey}"})
    assert r.status_code == 200
    r = await user.get(f"/api/v1/boards/{board['id']}/view")
    assert r.status_code == 422 and "jql" in r.json()["errors"] and "secret" not in r.text


async def test_without_jql_search_the_view_says_so(admin, make_board, monkeypatch):
    import sys

    board = await make_board(type="kanban")
    monkeypatch.setitem(sys.modules, "tracker.search", None)
    r = await admin.get(f"/api/v1/boards/{board['id']}/view")
    assert r.status_code == 503 and r.json()["code"] == "search_unavailable"
    assert (await admin.get(f"/api/v1/boards/{board['id']}")).status_code == 200  # configuration needs no search
