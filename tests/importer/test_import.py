"""`import jira` on a hand-written export (tests/importer/bundle.py): every rule of the import, row by row."""

from __future__ import annotations

from typing import Any

from tests.importer.bundle import jira_bundle, newer_export
from tests.importer.conftest import footprint, one, rows
from tracker.db import connect
from tracker.events import Event
from tracker.importer import sprint_by_external_id

HISTORY = """
SELECT h.change_id, h.occurred_at, u.username AS actor, h.field, h.field_type, h.from_value, h.from_string,
       h.to_value, h.to_string, h.is_create
FROM issue_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.issue_key = %s ORDER BY h.id
"""


async def ids(db: Any, key: str, source: str) -> dict[str, str]:
    """The tracklake ids the export's names became, as history values spell them."""
    statuses = {r["name"]: str(r["id"]) for r in await rows(db, "SELECT id, name FROM statuses")}
    users = {r["username"]: str(r["id"]) for r in await rows(db, "SELECT id, username FROM users")}
    out = {f"status:{n}": v for n, v in statuses.items()} | {f"user:{n}": v for n, v in users.items()}
    async with await connect(db.info.dsn) as conn:
        for jira_id in (101, 102, 103):
            sprint = await sprint_by_external_id(conn, jira_id, source)
            if sprint:
                out[f"sprint:{jira_id}"] = str(sprint["id"])
    out["issue:1"] = str(await one(db, "SELECT id FROM issues WHERE key = %s", f"{key}-1"))
    return out


def items(history: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(h["actor"], h["field"], h["from_value"], h["from_string"], h["to_value"], h["to_string"]) for h in history]


async def test_import_rebuilds_each_issue_with_its_history_and_events(run, db, key, source):
    summary = await run(jira_bundle(key))

    counts = summary.counts
    assert (counts["issues_created"], counts["issues_rejected"], counts["issues_updated"]) == (4, 3, 0)
    assert (counts["projects_created"], counts["boards_created"], counts["sprints_created"]) == (1, 1, 3)
    assert counts["workflows_created"] == 1
    errors = {p.path: p.message for p in summary.errors}
    # a malformed item is reported with its path in the bundle; the whole issue is left out
    assert set(errors) == {"issues[3].fields.status", "issues[4].changelog.histories[1].created", "issues[5]"}
    assert "Ghost status" in errors["issues[3].fields.status"]
    assert "0x00" in errors["issues[5]"] and f"{key}-6" in errors["issues[5]"]
    warnings = {p.path: p.message for p in summary.problems if p.level == "warning"}
    assert "999" in warnings["issues[6].fields"]
    for bad in (f"{key}-4", f"{key}-5", f"{key}-6"):  # never half an issue
        assert await one(db, "SELECT count(*) FROM issues WHERE key = %s", bad) == 0
        assert await one(db, "SELECT count(*) FROM issue_history WHERE issue_key = %s", bad) == 0
        assert await one(db, "SELECT count(*) FROM outbox WHERE issue_key = %s", bad) == 0
    assert await one(db, "SELECT count(*) FROM import_external_ids WHERE source = %s AND kind = 'issue'", source) == 4

    i = await ids(db, key, source)
    one_history = await rows(db, HISTORY, f"{key}-1")
    # the creation: the initial values, found by walking the changelog back from the current values, at `created`
    created = [h for h in one_history if h["is_create"]]
    assert {h["occurred_at"].isoformat() for h in created} == {"2024-01-02T09:00:00+00:00"}
    assert [(h["field"], h["to_value"], h["to_string"]) for h in created] == [
        ("summary", "Login page", "Login page"),
        ("issuetype", str(await one(db, "SELECT id FROM issue_types WHERE name = 'Story'")), "Story"),
        ("priority", "3", "Medium"),
        ("status", i["status:Backlog"], "Backlog"),
        ("reporter", i["user:alice"], "Alice Archer"),
        ("Story Points", "3", "3"),
    ]
    assert all(h["actor"] == "alice" for h in created)
    # each changelog entry: its items, at its time, by its author; Jira ids became tracklake ids
    changes = [h for h in one_history if not h["is_create"]]
    s1, s2 = i["sprint:101"], i["sprint:102"]
    assert items(changes) == [
        ("alice", "Sprint", None, None, s1, "Sprint 1"),
        (
            "alice",
            "status",
            i["status:Backlog"],
            "Backlog",
            i["status:Selected for Development"],
            "Selected for Development",
        ),
        ("alice", "labels", None, None, "auth", "auth"),
        ("bob.builder", "assignee", None, None, i["user:bob.builder"], "Bob Builder"),
        ("bob.builder", "status", i["status:Selected for Development"], "Selected for Development", "3", "In Progress"),
        ("bob.builder", "Story Points", "3", "3", "5", "5"),
        ("bob.builder", "priority", "3", "Medium", "2", "High"),
        ("alice", "Sprint", s1, "Sprint 1", f"{s1}, {s2}", "Sprint 1, Sprint 2"),  # carried over: "101, 102"
        ("bob.builder", "status", "3", "In Progress", "10001", "Done"),
        ("bob.builder", "resolution", None, None, "10000", "Done"),
    ]
    assert [h["occurred_at"].isoformat() for h in changes][::3] == [
        "2024-01-02T10:00:00+00:00",
        "2024-01-03T11:30:00+00:00",
        "2024-01-03T11:30:00+00:00",
        "2024-01-20T16:00:00+00:00",
    ]
    assert {h["field_type"] for h in changes if h["field"] in ("Sprint", "Story Points")} == {"custom"}

    # the issue holds the export's current values; its version counts its changes
    issue = (await rows(db, "SELECT * FROM issues WHERE key = %s", f"{key}-1"))[0]
    assert (issue["status_id"], issue["resolution_id"], issue["priority_id"]) == (10001, 10000, 2)
    assert (str(issue["assignee_id"]), issue["story_points"], issue["labels"]) == (i["user:bob.builder"], 5, ["auth"])
    assert issue["version"] == 5 and issue["created_at"].isoformat() == "2024-01-02T09:00:00+00:00"
    assert issue["resolved_at"].isoformat() == "2024-01-20T16:00:00+00:00"
    sprints = await rows(db, "SELECT sprint_id FROM issue_sprints WHERE issue_id = %s ORDER BY 1", issue["id"])
    assert [str(r["sprint_id"]) for r in sprints] == [s1, s2]

    # every history row has its event in the outbox, at the original time, with the same id and items
    events = await rows(db, "SELECT * FROM outbox WHERE issue_key = %s ORDER BY id", f"{key}-1")
    assert [e["event_type"] for e in events] == [
        "issue.created",
        "issue.transitioned",
        "issue.transitioned",
        "issue.updated",
        "issue.transitioned",
    ]
    by_change: dict[Any, list[dict[str, Any]]] = {}
    for h in one_history:
        by_change.setdefault(h["change_id"], []).append(h)
    assert [e["event_id"] for e in events] == list(by_change)
    for version, e in enumerate(events, start=1):
        event = Event.model_validate(e["payload"])  # what the relay hands to every consumer
        assert event.occurred_at == e["occurred_at"] == by_change[e["event_id"]][0]["occurred_at"]
        assert (event.version, event.issue_key, event.project_key) == (version, f"{key}-1", key)
        assert [(c.field, c.from_, c.to, c.from_string, c.to_string) for c in event.changes] == [
            (h["field"], h["from_value"], h["to_value"], h["from_string"], h["to_string"])
            for h in by_change[e["event_id"]]
        ]
        assert event.actor == by_change[e["event_id"]][0]["actor"]


async def test_reopened_issue_users_parents_and_sprint_values(run, db, key, source):
    await run(jira_bundle(key))
    i = await ids(db, key, source)
    two = await rows(db, HISTORY, f"{key}-2")
    # carol is a cloud user (accountId only); dave appears in the changelog by his key only
    assert [(h["field"], h["to_value"]) for h in two if h["is_create"]] == [
        ("summary", "Crash on save"),
        ("issuetype", "10002"),
        ("priority", "3"),
        ("status", i["status:Backlog"]),
        ("reporter", i["user:carol.cloud"]),
        ("description", "Steps:\n1. save"),
    ]
    status_moves = [(h["from_string"], h["to_string"]) for h in two if h["field"] == "status" and not h["is_create"]]
    assert status_moves == [("Backlog", "In Progress"), ("In Progress", "Done"), ("Done", "In Progress")]  # re-opened
    assert [(h["from_value"], h["to_value"]) for h in two if h["field"] == "resolution"] == [
        (None, "10000"),
        ("10000", None),
    ]
    assert [(h["from_string"], h["to_string"]) for h in two if h["field"] == "assignee"] == [
        (None, "Carol Cloud"),
        ("Carol Cloud", "Dave Doe"),
    ]
    link = next(h for h in two if h["field"] == "Link")  # a field tracklake does not map: kept as text only
    assert (link["from_value"], link["to_value"], link["to_string"]) == (None, None, f"This issue relates to {key}-1")
    # the legacy 'Sprint@...[id=102,...]' value of the Sprint field
    assert [h["to_value"] for h in two if h["field"] == "Sprint"] == [i["sprint:102"]]
    issue = (await rows(db, "SELECT * FROM issues WHERE key = %s", f"{key}-2"))[0]
    assert issue["resolution_id"] is None and issue["resolved_at"] is None and issue["status_id"] == 3
    # the sub-task points at its parent, in the row and in its creation's history
    three = (await rows(db, "SELECT * FROM issues WHERE key = %s", f"{key}-3"))[0]
    assert str(three["parent_id"]) == i["issue:1"]
    assert [(h["to_value"], h["to_string"]) for h in await rows(db, HISTORY, f"{key}-3") if h["field"] == "parent"] == [
        (i["issue:1"], f"{key}-1")
    ]
    # "101, 999": the sprint the bundle knows is kept, the unknown one left out (with a warning)
    seven = await rows(db, HISTORY, f"{key}-7")
    assert [h["to_value"] for h in seven if h["field"] == "Sprint"] == [i["sprint:101"]]
    users = await rows(db, "SELECT username, display_name, active FROM users WHERE username IN ('carol.cloud', 'dave')")
    assert {(u["username"], u["display_name"]) for u in users} == {("carol.cloud", "Carol Cloud"), ("dave", "Dave Doe")}


async def test_reimporting_the_same_export_changes_nothing(run, db, key, source):
    await run(jira_bundle(key))
    before = await footprint(db, key, source)
    outbox_top = await one(db, "SELECT max(id) FROM outbox")
    again = await run(jira_bundle(key))
    assert again.counts["issues_unchanged"] == 4
    assert again.counts["issues_created"] == again.counts["issues_updated"] == again.counts["history_rows"] == 0
    assert again.counts["events"] == 0
    assert not {k for k in again.counts if k.endswith(("_created", "_updated", "_reused"))} - {
        "issues_created",
        "issues_updated",
    }
    assert await footprint(db, key, source) == before
    assert await one(db, "SELECT max(id) FROM outbox") == outbox_top


async def test_a_newer_export_adds_only_what_is_new(run, db, key, source):
    await run(jira_bundle(key))
    before = await footprint(db, key, source)
    history_before = await rows(db, HISTORY, f"{key}-2")
    newer = await run(newer_export(key))
    c = newer.counts
    assert (c["issues_created"], c["issues_updated"], c["issues_unchanged"]) == (1, 1, 3)
    assert (
        c["sprints_updated"] == 2
        and not c["sprints_created"]
        and not c["boards_created"]
        and not c["workflows_created"]
    )
    after = await footprint(db, key, source)
    assert after["issues"] == before["issues"] + 1
    # KEY-2 gains exactly its new entry (two rows, one event); KEY-8 its creation and one change
    history_after = await rows(db, HISTORY, f"{key}-2")
    assert history_after[: len(history_before)] == history_before
    assert items(history_after[len(history_before) :]) == [
        ("dave", "status", "3", "In Progress", "10001", "Done"),
        ("dave", "resolution", None, None, "10000", "Done"),
    ]
    eight = await rows(db, HISTORY, f"{key}-8")
    assert after["history"] - before["history"] == 2 + len(eight)
    assert after["outbox"] - before["outbox"] == 1 + 2 + 2  # KEY-2's change, KEY-8's two, sprints closed and started
    two = (await rows(db, "SELECT status_id, version, resolved_at FROM issues WHERE key = %s", f"{key}-2"))[0]
    assert (two["status_id"], two["version"], two["resolved_at"].isoformat()) == (10001, 5, "2024-01-30T10:00:00+00:00")
    event = (await rows(db, "SELECT * FROM outbox WHERE issue_key = %s ORDER BY id DESC LIMIT 1", f"{key}-2"))[0]
    assert event["payload"]["version"] == 5 and event["occurred_at"].isoformat() == "2024-01-30T10:00:00+00:00"
    # sprint 102 closed, 103 started, each step an event at its original time
    async with await connect(db.info.dsn) as conn:
        s102, s103 = await sprint_by_external_id(conn, 102, source), await sprint_by_external_id(conn, 103, source)
    assert s102 and s103
    assert (s102["state"], s102["complete_date"].isoformat()) == ("closed", "2024-01-29T17:00:00+00:00")
    assert (s103["state"], s103["activated_date"].isoformat()) == ("active", "2024-01-29T18:00:00+00:00")
    steps = await rows(
        db,
        "SELECT event_type, occurred_at FROM outbox WHERE project_key = %s AND event_type IN"
        " ('sprint.started', 'sprint.closed') ORDER BY id",
        key,
    )
    assert [(s["event_type"], s["occurred_at"].isoformat()) for s in steps][-2:] == [
        ("sprint.closed", "2024-01-29T17:00:00+00:00"),
        ("sprint.started", "2024-01-29T18:00:00+00:00"),
    ]
    # and once more: nothing
    assert (await run(newer_export(key))).counts["history_rows"] == 0
    assert await footprint(db, key, source) == after


async def test_sprints_keep_their_jira_ids(run, db, admin, key, source):
    await run(jira_bundle(key))
    async with await connect(db.info.dsn) as conn:
        sprint = await sprint_by_external_id(conn, 101, source)
        assert await sprint_by_external_id(conn, 101, "another-jira") is None
    assert sprint is not None
    assert (sprint["name"], sprint["state"], sprint["goal"], sprint["external_id"]) == (
        "Sprint 1",
        "closed",
        "Log in",
        f"{source}:101",
    )
    assert sprint["start_date"].isoformat() == "2024-01-01T09:00:00+00:00"
    assert sprint["complete_date"].isoformat() == "2024-01-15T17:00:00+00:00"
    r = await admin.get(f"/api/v1/sprints/{sprint['id']}")
    assert r.status_code == 200 and r.json()["external_id"] == f"{source}:101"
    members = await rows(
        db,
        "SELECT i.key FROM issue_sprints x JOIN issues i ON i.id = x.issue_id WHERE x.sprint_id = %s ORDER BY 1",
        sprint["id"],
    )
    assert [m["key"] for m in members] == [f"{key}-1", f"{key}-7"]


async def test_workflow_is_inferred_and_boards_keep_their_columns(run, db, admin, key):
    await run(jira_bundle(key))
    project = (await admin.get(f"/api/v1/projects/{key}")).json()
    assert project["lead"]["username"] == "alice" and project["name"] == f"Imported {key}"
    assert {t["name"] for t in project["issue_types"]} == {"Story", "Bug", "Sub-task"}
    workflow_id = await one(
        db,
        "SELECT s.default_workflow_id FROM projects p JOIN workflow_schemes s ON s.id = p.workflow_scheme_id"
        " WHERE p.key = %s",
        key,
    )
    workflow = (await admin.get(f"/api/v1/workflows/{workflow_id}")).json()
    assert [s["name"] for s in workflow["statuses"]] == ["Backlog", "Selected for Development", "In Progress", "Done"]
    assert workflow["initial_status"]["name"] == "Backlog"
    moves = {(f["name"], t["to"]["name"]) for t in workflow["transitions"] for f in t["from"]}
    assert moves == {  # the moves the changelogs show, re-opening included
        ("Backlog", "Selected for Development"),
        ("Selected for Development", "In Progress"),
        ("Backlog", "In Progress"),
        ("In Progress", "Done"),
        ("Done", "In Progress"),
    }
    boards = (await admin.get("/api/v1/boards", params={"project": key})).json()
    board = boards["boards"][0]
    config = (await admin.get(f"/api/v1/boards/{board['id']}")).json()
    assert config["type"] == "scrum" and config["estimation"] == "story_points"
    assert [(c["name"], [s["name"] for s in c["statuses"]], c["max"]) for c in config["columns"]] == [
        ("Backlog", ["Backlog"], None),
        ("Selected", ["Selected for Development"], None),
        ("In Progress", ["In Progress"], 3),
        ("Done", ["Done"], None),
    ]
    view = await admin.get(f"/api/v1/boards/{board['id']}/view")
    assert view.status_code == 200, view.text
    shown = {i["key"] for c in view.json()["columns"] for i in c["issues"]}
    assert shown == {f"{key}-1", f"{key}-2"}  # the members of the active sprint 102


async def test_native_issues_continue_after_imported_keys(run, admin, key):
    await run(jira_bundle(key))
    r = await admin.post("/api/v1/issues", json={"project": key, "type": "Bug", "summary": "After the import"})
    assert r.status_code == 201, r.text
    assert r.json()["key"] == f"{key}-8"
    assert r.json()["status"]["name"] == "Backlog"  # the inferred workflow's initial status


async def test_a_newer_export_with_a_new_status_extends_the_workflow(run, db, admin, key):
    from tests.importer.bundle import STATUS, history, status_item

    await run(jira_bundle(key))
    blocked = {"id": "10009", "name": "Blocked " + key, "statusCategory": {"key": "indeterminate"}}
    STATUS_WITH_BLOCKED = STATUS | {"blocked": blocked}
    newer = jira_bundle(key)
    newer["statuses"].append(blocked)
    two = next(i for i in newer["issues"] if i["key"] == f"{key}-2")
    two["fields"]["status"] = blocked
    moves = [("progress", "blocked")]
    for n, (a, b) in enumerate(moves):
        entry = history(20090 + n, "2024-01-25T10:00:00.000+0000", None, status_item("progress", "done"))
        entry["items"][0] |= {"from": STATUS_WITH_BLOCKED[a]["id"], "fromString": STATUS_WITH_BLOCKED[a]["name"],
                              "to": STATUS_WITH_BLOCKED[b]["id"], "toString": STATUS_WITH_BLOCKED[b]["name"]}  # fmt: skip
        two["changelog"]["histories"].append(entry)
    summary = await run(newer)
    assert summary.counts["workflows_updated"] == 1 and summary.counts["issues_updated"] == 1
    workflow_id = await one(
        db,
        "SELECT s.default_workflow_id FROM projects p JOIN workflow_schemes s ON s.id = p.workflow_scheme_id"
        " WHERE p.key = %s",
        key,
    )
    workflow = (await admin.get(f"/api/v1/workflows/{workflow_id}")).json()
    assert workflow["version"] == 2 and workflow["draft"] is None
    assert blocked["name"] in [s["name"] for s in workflow["statuses"]]
    moves_allowed = {(f["name"], t["to"]["name"]) for t in workflow["transitions"] for f in t["from"]}
    assert ("In Progress", blocked["name"]) in moves_allowed
    # the issue sits in the new status, its last change is the anonymous move there (no author)
    last = (await rows(db, HISTORY, f"{key}-2"))[-1]
    assert (last["field"], last["to_string"], last["actor"]) == ("status", blocked["name"], None)
    assert (await run(newer)).counts["workflows_updated"] == 0


async def test_an_existing_project_is_reused_and_its_issues_keep_working(run, db, admin, key):
    r = await admin.post("/api/v1/projects", json={"key": key, "name": "Made in tracklake"})
    assert r.status_code == 201, r.text
    native = await admin.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "Native"})
    assert native.status_code == 201 and native.json()["key"] == f"{key}-1"
    summary = await run(jira_bundle(key))
    assert summary.counts["projects_reused"] == 1 and not summary.counts["projects_created"]
    assert summary.counts["issues_created"] == 3  # KEY-1 is taken by the native issue
    taken = next(p for p in summary.errors if p.path == "issues[0].key")
    assert f"{key}-1 already exists" in taken.message
    # the project now follows the inferred workflow, which keeps the native issue's status
    issue = (await admin.get(f"/api/v1/issues/{key}-1")).json()
    assert issue["summary"] == "Native" and issue["status"]["name"] == "To Do"
    transitions = (await admin.get(f"/api/v1/issues/{key}-1/transitions")).json()["transitions"]
    assert [t["to"]["name"] for t in transitions] == ["Backlog"]  # on to the inferred workflow's initial status
    moved = await admin.post(f"/api/v1/issues/{key}-1/transitions", json={"transition": transitions[0]["id"]})
    assert moved.status_code == 200, moved.text
    assert await one(db, "SELECT issue_seq FROM projects WHERE key = %s", key) == 7


async def test_imported_history_notifies_nobody_and_calls_no_webhook(run, db, key):
    """The import's events carry the past at its original times: people and receivers are not told of it."""
    from tracker.notifications.actions import notify
    from tracker.webhooks.actions import enqueue_deliveries

    await run(jira_bundle(key))
    await db.execute(
        "INSERT INTO webhooks (name, url, events, secret) VALUES ('all', 'http://127.0.0.1:9/hook', '{*}', 's')"
    )
    payloads = await rows(db, "SELECT payload FROM outbox WHERE project_key = %s ORDER BY id", key)
    # issue history (the board and sprints the import creates are news of today, not replays)
    events = [e for e in (Event.model_validate(p["payload"]) for p in payloads) if e.issue_id is not None]
    assert events and all(e.imported for e in events)
    async with await connect(db.info.dsn) as conn:
        assert [await notify(conn, e, window_seconds=5) for e in events] == [0] * len(events)
        assert await enqueue_deliveries(conn, events) == 0
        # the same event written by a person is delivered
        live = events[-1].model_copy(update={"data": {}})
        assert await enqueue_deliveries(conn, [live]) == 1
        await conn.rollback()
    await db.execute("DELETE FROM webhooks WHERE name = 'all' AND url = 'http://127.0.0.1:9/hook'")
