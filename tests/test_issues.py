"""Issue lifecycle through the API, with its history and outbox rows."""

from __future__ import annotations

from tests.conftest import counts


async def outbox(db, key):
    cur = await db.execute("SELECT event_type, payload FROM outbox WHERE issue_key = %s ORDER BY id", (key,))
    return await cur.fetchall()


async def history(db, key):
    cur = await db.execute(
        "SELECT change_id, field, from_value, from_string, to_value, to_string, is_create FROM issue_history"
        " WHERE issue_key = %s ORDER BY id",
        (key,),
    )
    return await cur.fetchall()


async def test_create_and_read_by_key_and_id(admin, project, make_user):
    assignee, _ = await make_user()
    r = await admin.post(
        "/api/v1/issues",
        json={
            "project": project["key"],
            "type": "Bug",
            "summary": "  Crash on save  ",
            "description": "Steps...",
            "priority": "High",
            "assignee": assignee,
            "labels": ["ui", "crash", "ui"],
            "due_date": "2026-12-31",
            "story_points": 2.5,
        },
    )
    assert r.status_code == 201, r.text
    issue = r.json()
    assert issue["key"] == f"{project['key']}-1"
    assert r.headers["etag"] == '"1"' and r.headers["location"] == f"/api/v1/issues/{issue['key']}"
    assert issue["summary"] == "Crash on save"
    assert issue["type"]["name"] == "Bug" and issue["priority"]["name"] == "High"
    assert issue["status"] == {"id": 1, "name": "To Do", "category": "todo"}
    assert issue["assignee"]["username"] == assignee and issue["reporter"]["username"] == "admin"
    assert issue["labels"] == ["ui", "crash"] and issue["story_points"] == 2.5
    assert issue["due_date"] == "2026-12-31" and issue["version"] == 1
    by_id = await admin.get(f"/api/v1/issues/{issue['id']}")
    by_key = await admin.get(f"/api/v1/issues/{issue['key'].lower()}")
    assert by_id.json() == by_key.json() == issue
    assert (await admin.get(f"/api/v1/issues/{issue['key']}", headers={"If-None-Match": '"1"'})).status_code == 304


async def test_create_records_history_and_one_event(admin, project, db):
    r = await admin.post(
        "/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "S", "story_points": 3}
    )
    key = r.json()["key"]
    rows = await history(db, key)
    assert all(row["is_create"] for row in rows)
    assert {row["field"] for row in rows} == {"summary", "issuetype", "priority", "status", "reporter", "Story Points"}
    assert len({row["change_id"] for row in rows}) == 1
    events = await outbox(db, key)
    assert [e["event_type"] for e in events] == ["issue.created"]
    payload = events[0]["payload"]
    assert payload["event_id"] == str(rows[0]["change_id"])
    assert payload["issue_key"] == key and payload["project_key"] == project["key"] and payload["version"] == 1
    assert {c["field"] for c in payload["changes"]} == {row["field"] for row in rows}
    assert payload["actor"] == "admin" and payload["issue"]["summary"] == "S"
    # the key is given at the end of the create; every row written before then carries it too
    assert payload["issue"]["key"] == key
    cur = await db.execute("SELECT DISTINCT issue_key FROM issue_history WHERE change_id = %s", (rows[0]["change_id"],))
    assert [r["issue_key"] for r in await cur.fetchall()] == [key]


async def test_partial_update_writes_one_history_row_per_changed_field(admin, make_issue, db):
    issue = await make_issue(summary="Old", labels=["a"])
    r = await admin.patch(
        f"/api/v1/issues/{issue['key']}",
        json={"summary": "New", "labels": ["a", "b"], "priority": "Medium", "story_points": 5},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.headers["etag"] == '"2"'
    updates = [h for h in await history(db, issue["key"]) if not h["is_create"]]
    # priority was already Medium: not a change
    assert {(h["field"], h["from_string"], h["to_string"]) for h in updates} == {
        ("summary", "Old", "New"),
        ("labels", "a", "a b"),
        ("Story Points", None, "5"),
    }
    events = await outbox(db, issue["key"])
    assert [e["event_type"] for e in events] == ["issue.created", "issue.updated"]
    assert events[1]["payload"]["version"] == 2
    assert {c["field"] for c in events[1]["payload"]["changes"]} == {"summary", "labels", "Story Points"}
    # a no-op update writes nothing and keeps the version
    r = await admin.patch(f"/api/v1/issues/{issue['key']}", json={"summary": "New"})
    assert r.json()["version"] == 2 and len(await outbox(db, issue["key"])) == 2


async def test_clearing_fields_and_history_endpoint(admin, make_issue, make_user):
    user, _ = await make_user()
    issue = await make_issue(assignee=user, due_date="2026-01-02", description="d")
    r = await admin.patch(
        f"/api/v1/issues/{issue['key']}", json={"assignee": None, "due_date": None, "description": None}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["assignee"] is None and body["due_date"] is None and body["description"] is None
    hist = (await admin.get(f"/api/v1/issues/{issue['key']}/history")).json()
    assert hist["total"] == 2 and hist["histories"][0]["is_create"]
    items = {i["field"]: i for i in hist["histories"][1]["items"]}
    assert set(items) == {"assignee", "duedate", "description"}
    assert items["assignee"]["fromString"] == user.title() and items["assignee"]["to"] is None
    assert hist["histories"][1]["author"]["username"] == "admin"


async def test_assign_and_unassign(admin, make_issue, make_user, db):
    user, _ = await make_user()
    issue = await make_issue()
    r = await admin.put(f"/api/v1/issues/{issue['key']}/assignee", json={"assignee": user})
    assert r.status_code == 200 and r.json()["assignee"]["username"] == user
    r = await admin.put(f"/api/v1/issues/{issue['key']}/assignee", json={"assignee": None})
    assert r.json()["assignee"] is None
    assert [e["event_type"] for e in await outbox(db, issue["key"])] == [
        "issue.created",
        "issue.assigned",
        "issue.assigned",
    ]
    r = await admin.put(f"/api/v1/issues/{issue['key']}/assignee", json={"assignee": "ghost-user"})
    assert r.status_code == 422 and "assignee" in r.json()["errors"]


async def test_comments_add_edit_delete_and_paging(admin, make_issue, make_user, db):
    issue = await make_issue()
    ids = []
    for n in range(7):
        r = await admin.post(f"/api/v1/issues/{issue['key']}/comments", json={"body": f"comment {n}"})
        assert r.status_code == 201
        ids.append(r.json()["id"])
    page = (await admin.get(f"/api/v1/issues/{issue['key']}/comments", params={"startAt": 5, "maxResults": 5})).json()
    assert page["total"] == 7 and [c["body"] for c in page["comments"]] == ["comment 5", "comment 6"]
    r = await admin.patch(f"/api/v1/issues/{issue['key']}/comments/{ids[0]}", json={"body": "edited"})
    assert r.status_code == 200 and r.json()["body"] == "edited"
    _other, client = await make_user()
    # the default scheme lets only the author (or project admins) edit or delete a comment
    assert (
        await client.patch(f"/api/v1/issues/{issue['key']}/comments/{ids[1]}", json={"body": "x"})
    ).status_code == 403
    assert (await client.delete(f"/api/v1/issues/{issue['key']}/comments/{ids[1]}")).status_code == 403
    assert (await admin.delete(f"/api/v1/issues/{issue['key']}/comments/{ids[1]}")).status_code == 204
    assert (await admin.get(f"/api/v1/issues/{issue['key']}/comments/{ids[1]}")).status_code == 404
    types = [e["event_type"] for e in await outbox(db, issue["key"])]
    assert types == ["issue.created"] + ["comment.added"] * 7 + ["comment.updated", "comment.deleted"]
    final = (await admin.get(f"/api/v1/issues/{issue['key']}")).json()
    assert final["version"] == 10


async def test_transitions_set_and_clear_resolution(admin, make_issue, db):
    issue = await make_issue()
    names = [t["name"] for t in (await admin.get(f"/api/v1/issues/{issue['key']}/transitions")).json()["transitions"]]
    # the default software workflow: a global "Done" is offered from every status
    assert names == ["Start Progress", "Done"]
    r = await admin.post(f"/api/v1/issues/{issue['key']}/transitions", json={"transition": "Reopen"})
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"
    r = await admin.post(f"/api/v1/issues/{issue['key']}/transitions", json={"transition": "start progress"})
    assert r.status_code == 200 and r.json()["status"]["name"] == "In Progress"
    r = await admin.post(
        f"/api/v1/issues/{issue['key']}/transitions", json={"transition": "Done", "comment": "shipped"}
    )
    done = r.json()
    assert done["status"]["category"] == "done" and done["resolution"]["name"] == "Done" and done["resolved"]
    r = await admin.post(f"/api/v1/issues/{issue['key']}/transitions", json={"transition": "Reopen"})
    assert r.json()["resolution"] is None and r.json()["resolved"] is None
    rows = [
        (h["field"], h["from_string"], h["to_string"]) for h in await history(db, issue["key"]) if not h["is_create"]
    ]
    assert rows == [
        ("status", "To Do", "In Progress"),
        ("status", "In Progress", "Done"),
        ("resolution", None, "Done"),
        ("comment", None, "shipped"),
        ("status", "Done", "To Do"),
        ("resolution", "Done", None),
    ]


async def test_delete_issue_keeps_history_and_refuses_with_children(admin, make_issue, project, db):
    parent = await make_issue()
    child = await make_issue(parent=parent["key"], type="Sub-task")
    r = await admin.delete(f"/api/v1/issues/{parent['key']}")
    assert r.status_code == 422 and "deleteSubtasks" in r.json()["errors"]
    before = await counts(db, project["key"])
    r = await admin.delete(f"/api/v1/issues/{parent['key']}", params={"deleteSubtasks": "true"})
    assert r.status_code == 204
    assert (await admin.get(f"/api/v1/issues/{parent['key']}")).status_code == 404
    assert (await admin.get(f"/api/v1/issues/{child['key']}")).status_code == 404
    after = await counts(db, project["key"])
    assert after["issues"] == before["issues"] - 2 and after["history"] == before["history"] + 2
    assert [e["event_type"] for e in await outbox(db, parent["key"])] == ["issue.created", "issue.deleted"]


async def test_missing_issue_is_404_problem(admin):
    for ref in ("NOPE-1", "99999999", "not a key", "A-0", "99999999999999999999999"):
        r = await admin.get(f"/api/v1/issues/{ref}")
        assert r.status_code == 404 and r.json()["code"] == "not_found", ref
        assert r.headers["content-type"] == "application/problem+json"


async def test_create_enforces_the_issue_hierarchy(admin, project, make_issue, db):
    task = await make_issue()
    before = await counts(db, project["key"])
    body = {"project": project["key"], "summary": "s"}
    r = await admin.post("/api/v1/issues", json={**body, "type": "Sub-task"})
    assert r.status_code == 422 and "parent" in r.json()["errors"]
    r = await admin.post("/api/v1/issues", json={**body, "type": "Task", "parent": task["key"]})
    assert r.status_code == 422 and "parent" in r.json()["errors"]
    assert await counts(db, project["key"]) == before
    sub = await admin.post("/api/v1/issues", json={**body, "type": "Sub-task", "parent": task["key"]})
    assert sub.status_code == 201 and sub.json()["parent"]["key"] == task["key"]
    r = await admin.post("/api/v1/issues", json={**body, "type": "Sub-task", "parent": sub.json()["key"]})
    assert r.status_code == 422


async def test_create_response_event_and_history_match_a_fresh_read(admin, project, make_user, db):
    """A create builds its response and event from the values it resolved; they must equal what is stored."""
    from tests.fields.conftest import create_field
    from tracker.issues.actions import load_issue
    from tracker.issues.models import FIELDS, diff, issue_view

    lead, _ = await make_user()
    assignee, _ = await make_user()
    key = project["key"]
    color = await create_field(admin, key, type="select", options=["Red", "Blue"], default="Blue")
    effort = await create_field(admin, key, type="number")
    owner = await create_field(admin, key, type="user")
    await admin.post(f"/api/v1/projects/{key}/components", json={"name": "API", "default_assignee": lead})
    await admin.post(f"/api/v1/projects/{key}/versions", json={"name": "1.0"})
    epic = (await admin.post("/api/v1/issues", json={"project": key, "type": "Epic", "summary": "E"})).json()
    bodies = [
        {"type": "Story", "summary": " Story ", "parent": epic["key"], "story_points": 1.235, "labels": ["a", "b"]},
        {
            "type": "Bug",
            "summary": "Bug",
            "description": "Long text",
            "priority": "Highest",
            "assignee": assignee,
            "due_date": "2027-01-31",
            "custom_fields": {effort["id"]: 2.5, owner["id"]: assignee, color["id"]: "Red"},
        },
        {"type": "Task", "summary": "Task", "components": ["api"], "fix_versions": ["1.0"], "story_points": 0},
    ]
    system_fields = {f.history_name for f in FIELDS.values()}
    created = []
    for body in bodies:
        r = await admin.post("/api/v1/issues", json={"project": key, **body})
        assert r.status_code == 201, r.text
        created.append(r.json())
        fresh = await admin.get(f"/api/v1/issues/{r.json()['key']}")
        assert r.json() == fresh.json()
        stored = await load_issue(db, r.json()["id"])
        cur = await db.execute("SELECT payload FROM outbox WHERE issue_id = %s", (stored["id"],))
        payload = (await cur.fetchone())["payload"]
        assert payload["issue"] == json_ready(issue_view(stored))
        cur = await db.execute(
            "SELECT field, from_value, to_value, to_string FROM issue_history WHERE issue_id = %s ORDER BY id",
            (stored["id"],),
        )
        written = [(h["field"], h["from_value"], h["to_value"], h["to_string"]) for h in await cur.fetchall()]
        expected = [(c.field, c.from_, c.to, c.to_string) for c in diff({}, stored)]
        assert [w for w in written if w[0] in system_fields] == expected
    story, bug, task = created
    assert story["story_points"] == 1.24 and story["summary"] == "Story" and story["parent"]["key"] == epic["key"]
    assert bug["custom_fields"][effort["id"]] == 2.5 and bug["priority"]["name"] == "Highest"
    assert task["assignee"]["username"] == lead  # the component's default assignee
    assert task["custom_fields"][color["id"]]["value"] == "Blue"  # the field's default


def json_ready(view):
    import json

    return json.loads(json.dumps(view, default=str))
