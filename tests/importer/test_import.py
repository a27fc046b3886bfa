"""`import jira` on a hand-written export (tests/importer/bundle.py): every rule of the import, row by row."""

from __future__ import annotations

from typing import Any

from tests.importer.bundle import issue, jira_bundle, newer_export
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
    assert (counts["issues_created"], counts["issues_rejected"], counts["issues_updated"]) == (5, 5, 0)
    assert (counts["projects_created"], counts["boards_created"], counts["sprints_created"]) == (1, 1, 3)
    assert counts["workflows_created"] == 1
    errors = {p.path: p.message for p in summary.errors}
    # a malformed item is reported with its path in the bundle; the whole issue is left out
    assert set(errors) == {
        "issues[3].fields.status",
        "issues[4].changelog.histories[1].created",
        "issues[5]",
        "issues[8].fields.comment.comments[0].created",  # a malformed comment rejects its issue
        "issues[9].fields.issuelinks[0]",  # and so does a malformed link
    }
    assert "Ghost status" in errors["issues[3].fields.status"]
    assert "0x00" in errors["issues[5]"] and f"{key}-6" in errors["issues[5]"]
    warnings = {p.path: p.message for p in summary.problems if p.level == "warning"}
    assert "999" in warnings["issues[6].fields"]
    for bad in (f"{key}-4", f"{key}-5", f"{key}-6", f"{key}-10", f"{key}-11"):  # never half an issue
        assert await one(db, "SELECT count(*) FROM issues WHERE key = %s", bad) == 0
        assert await one(db, "SELECT count(*) FROM issue_history WHERE issue_key = %s", bad) == 0
        assert await one(db, "SELECT count(*) FROM outbox WHERE issue_key = %s", bad) == 0
    assert await one(db, "SELECT count(*) FROM import_external_ids WHERE source = %s AND kind = 'issue'", source) == 5

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
    link = next(h for h in two if h["field"] == "Link")  # as tracklake writes it: the other issue's key, Jira's words
    assert (link["from_value"], link["to_value"], link["to_string"]) == (
        None,
        f"{key}-1",
        f"This issue relates to {key}-1",
    )
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
    assert again.counts["issues_unchanged"] == 5
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
    assert (c["issues_created"], c["issues_updated"], c["issues_unchanged"]) == (1, 2, 3)
    assert (c["comments_created"], c["components_created"]) == (1, 1)
    assert not c["versions_created"] and not c["links_created"] and not c["custom_fields_created"]
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
    assert after["history"] - before["history"] == 2 + len(eight) + 2  # KEY-9: a component and a comment
    # KEY-2's change, KEY-8's two, KEY-9's component and comment, sprints closed and started
    assert after["outbox"] - before["outbox"] == 1 + 2 + 2 + 2
    assert after["comments"] == before["comments"] + 1 and after["components"] == before["components"] + 1
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
    assert r.json()["key"] == f"{key}-10"  # after KEY-9, the highest imported
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
    assert summary.counts["issues_created"] == 4  # KEY-1 is taken by the native issue
    taken = next(p for p in summary.errors if p.path == "issues[0].key")
    assert f"{key}-1 already exists" in taken.message
    # the project now follows the inferred workflow, which keeps the native issue's status
    issue = (await admin.get(f"/api/v1/issues/{key}-1")).json()
    assert issue["summary"] == "Native" and issue["status"]["name"] == "To Do"
    transitions = (await admin.get(f"/api/v1/issues/{key}-1/transitions")).json()["transitions"]
    assert [t["to"]["name"] for t in transitions] == ["Backlog"]  # on to the inferred workflow's initial status
    moved = await admin.post(f"/api/v1/issues/{key}-1/transitions", json={"transition": transitions[0]["id"]})
    assert moved.status_code == 200, moved.text
    assert await one(db, "SELECT issue_seq FROM projects WHERE key = %s", key) == 9


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


async def test_versions_components_custom_fields_comments_and_links(run, db, key, source):
    from tests.importer.bundle import APPROVERS, ENVS, GO_LIVE, NOTE, REVIEWED, REVIEWER, RISK, TAGS, TEAM, custom_name

    summary = await run(jira_bundle(key))
    c = summary.counts
    assert (c["versions_created"], c["components_created"], c["comments_created"]) == (4, 2, 2)
    assert (c["custom_fields_created"], c["custom_fields_skipped"], c["links_created"], c["links_skipped"]) == (
        9,
        1,
        3,
        1,
    )
    warnings = {p.path: p.message for p in summary.problems if p.level == "warning"}
    assert "Mood" in warnings["fields"] and "no counterpart" in warnings["fields"]
    assert "ELSEWHERE-5" in warnings["issues[7].fields.issuelinks[2]"]
    i = await ids(db, key, source)
    nine = (await rows(db, "SELECT * FROM issues WHERE key = %s", f"{key}-9"))[0]

    # versions and components by name per project; one only the changelog names is kept, archived
    versions = {
        r["name"]: r
        for r in await rows(
            db, "SELECT v.* FROM versions v JOIN projects p ON p.id = v.project_id WHERE p.key = %s", key
        )
    }
    assert {n: (v["released"], v["archived"]) for n, v in versions.items()} == {
        "1.0": (True, False),
        "2.0": (False, False),
        "0.9": (True, False),
        "0.8": (False, True),
    }
    assert versions["1.0"]["release_date"].isoformat() == "2024-01-31"
    components = {
        r["name"]: r["id"]
        for r in await rows(
            db, "SELECT c.* FROM components c JOIN projects p ON p.id = c.project_id WHERE p.key = %s", key
        )
    }
    assert set(components) == {"Backend", "Frontend"}
    member = "SELECT {col} AS id FROM {table} WHERE issue_id = %s ORDER BY 1"
    assert [
        r["id"] for r in await rows(db, member.format(col="version_id", table="issue_fix_versions"), nine["id"])
    ] == [versions["1.0"]["id"]]
    assert [
        r["id"] for r in await rows(db, member.format(col="version_id", table="issue_affects_versions"), nine["id"])
    ] == [versions["0.9"]["id"]]
    assert [
        r["id"] for r in await rows(db, member.format(col="component_id", table="issue_components"), nine["id"])
    ] == sorted(components.values())

    # typed custom fields: created with their Jira names, values stored as tracklake stores them
    fields = {
        r["name"]: r for r in await rows(db, "SELECT id, name, type FROM custom_fields WHERE name LIKE %s", f"% {key}")
    }
    expected_types = {
        TEAM: "select", ENVS: "multi_select", NOTE: "text", RISK: "number", GO_LIVE: "date", REVIEWED: "datetime",
        REVIEWER: "user", APPROVERS: "multi_user", TAGS: "labels",
    }  # fmt: skip
    assert {n: f["type"] for n, f in fields.items()} == {custom_name(k, key): t for k, t in expected_types.items()}

    def cf(jira_id: str) -> str:
        return f"customfield_{fields[custom_name(jira_id, key)]['id']}"

    options = {
        r["value"]: r["id"]
        for r in await rows(
            db,
            "SELECT value, id FROM custom_field_options WHERE field_id = ANY(%s)",
            [fields[custom_name(TEAM, key)]["id"], fields[custom_name(ENVS, key)]["id"]],
        )
    }
    assert set(options) == {"Red", "Blue", "web", "ios"}
    alice, bob = int(i["user:alice"]), int(i["user:bob.builder"])
    assert nine["custom_fields"] == {
        cf(TEAM): options["Blue"],
        cf(ENVS): [options["web"], options["ios"]],
        cf(NOTE): "VIP customer",
        cf(RISK): 2.5,
        cf(GO_LIVE): "2024-02-15",
        cf(REVIEWED): "2024-01-19T14:00:00Z",
        cf(REVIEWER): bob,
        cf(APPROVERS): [alice, bob],
        cf(TAGS): ["q1", "mobile"],
    }

    # history: the creation holds the values walked back from the current ones; each item becomes a row
    history = await rows(db, HISTORY, f"{key}-9")
    created = {(h["field"], h["to_value"], h["to_string"]) for h in history if h["is_create"]}
    assert {
        ("Component", str(components["Backend"]), "Backend"),
        ("Fix Version", str(versions["0.8"]["id"]), "0.8"),
        ("Version", str(versions["0.9"]["id"]), "0.9"),
        (custom_name(TEAM, key), str(options["Red"]), "Red"),
        (custom_name(ENVS, key), str(options["web"]), "web"),
        (custom_name(RISK, key), "1", "1"),
        (custom_name(APPROVERS, key), str(alice), "Alice Archer"),
        (custom_name(NOTE, key), "VIP customer", "VIP customer"),
    } <= created
    assert not any(f == custom_name(REVIEWER, key) for f, _, _ in created)  # empty at creation
    changes = [h for h in history if not h["is_create"]]
    assert items(changes) == [
        ("alice", "Component", None, None, str(components["Frontend"]), "Frontend"),
        ("alice", custom_name(TEAM, key), str(options["Red"]), "Red", str(options["Blue"]), "Blue"),
        (
            "alice",
            custom_name(ENVS, key),
            str(options["web"]),
            "web",
            f"{options['web']},{options['ios']}",
            "web, ios",
        ),
        ("alice", custom_name(RISK, key), "1", "1", "2.5", "2.5"),
        ("alice", "Link", None, None, f"{key}-1", f"This issue blocks {key}-1"),
        ("alice", f"Mood {key}", None, ":(", None, ":)"),  # a type tracklake lacks: text only
        ("bob.builder", "comment", None, None, changes[6]["to_value"], "Looks good"),
        ("bob.builder", "Fix Version", None, None, str(versions["1.0"]["id"]), "1.0"),
        ("bob.builder", "Fix Version", str(versions["0.8"]["id"]), "0.8", None, None),
        ("bob.builder", custom_name(REVIEWER, key), None, None, str(bob), "Bob Builder"),
        ("bob.builder", custom_name(APPROVERS, key), str(alice), "Alice Archer", f"{alice},{bob}",
         "Alice Archer, Bob Builder"),
        ("alice", "comment", None, None, changes[11]["to_value"], "Ship it\nplease"),
    ]  # fmt: skip
    assert {h["field_type"] for h in changes if h["field"].endswith(key)} == {"custom"}

    # comments keep their authors and times, and each is an event in the timeline, versions in time order
    comments = await rows(
        db,
        "SELECT c.id, u.username, c.body, c.created_at, c.updated_at FROM comments c JOIN users u"
        " ON u.id = c.author_id WHERE c.issue_id = %s ORDER BY c.created_at",
        nine["id"],
    )
    assert [(r["username"], r["body"], r["created_at"].isoformat(), r["updated_at"].isoformat()) for r in comments] == [
        ("bob.builder", "Looks good", "2024-01-10T12:00:00+00:00", "2024-01-10T12:00:00+00:00"),
        ("alice", "Ship it\nplease", "2024-01-12T08:00:00+00:00", "2024-01-13T08:00:00+00:00"),
    ]
    assert [str(r["id"]) for r in comments] == [changes[6]["to_value"], changes[11]["to_value"]]
    events = await rows(db, "SELECT * FROM outbox WHERE issue_key = %s ORDER BY id", f"{key}-9")
    assert [(e["event_type"], e["payload"]["version"]) for e in events] == [
        ("issue.created", 1),
        ("issue.updated", 2),
        ("comment.added", 3),
        ("issue.updated", 4),
        ("comment.added", 5),
    ]
    added = Event.model_validate(events[2]["payload"])
    assert added.imported and added.data["comment"]["body"] == "Looks good"
    assert nine["version"] == 5 and nine["updated_at"].isoformat() == "2024-01-13T08:00:00+00:00"

    # links: each once whichever issue lists it, with the type Jira named (created when tracklake lacks it)
    links = await rows(
        db,
        "SELECT t.name, s.key AS source, g.key AS target, u.username AS by, l.created_at FROM issue_links l"
        " JOIN link_types t ON t.id = l.link_type_id JOIN issues s ON s.id = l.source_issue_id"
        " JOIN issues g ON g.id = l.target_issue_id LEFT JOIN users u ON u.id = l.created_by"
        " WHERE s.key LIKE %s ORDER BY t.name",
        f"{key}-%",
    )
    assert [(r["name"], r["source"], r["target"], r["by"]) for r in links] == [
        ("Blocks", f"{key}-9", f"{key}-1", "alice"),  # made by alice's changelog entry
        ("Problem/Incident", f"{key}-9", f"{key}-3", None),
        ("Relates", f"{key}-2", f"{key}-1", "alice"),
    ]
    assert links[0]["created_at"].isoformat() == "2024-01-09T10:00:00+00:00"


async def test_small_batches_import_the_same_as_one_batch(run, db, key, source):
    """Batches are built while the previous one is written; a failing batch is retried issue by issue."""
    one_batch = await run(jira_bundle(key))
    small = await run(jira_bundle(key + "B"), batch_size=2, source=source + "-b")
    for name in ("issues_created", "issues_rejected", "history_rows", "events", "comments_created", "links_created"):
        assert small.counts[name] == one_batch.counts[name], name
    assert {p.path for p in small.errors} == {p.path for p in one_batch.errors}
    histories = [
        await one(db, "SELECT count(*) FROM issue_history h JOIN projects p ON p.id = h.project_id WHERE p.key = %s", k)
        for k in (key, key + "B")
    ]
    assert histories[0] == histories[1] > 0


SCHEMA = """
SELECT c.relname AS tbl, 'index' AS kind, pg_get_indexdef(i.indexrelid) AS ddl
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = ANY(%s)
UNION ALL
SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relname = ANY(%s)
ORDER BY 1, 2, 3
"""


async def test_a_fast_import_writes_the_same_and_rebuilds_what_it_set_aside(run, db, key, source):
    from tracker.importer.issues import BULK_TABLES

    tables = list(BULK_TABLES)
    normal = await run(jira_bundle(key + "N"), source=source + "-n", fast=False)
    schema = await rows(db, SCHEMA, tables, tables)
    fast = await run(jira_bundle(key), fast=True)
    shared = ("link_types", "users_")  # the second run finds what the first created
    assert {k: v for k, v in fast.counts.items() if not k.startswith(shared)} == {
        k: v for k, v in normal.counts.items() if not k.startswith(shared)
    }
    assert {p.path for p in fast.errors} == {p.path for p in normal.errors}
    # every index and constraint is back as it was; the only new ones are the indexes of the fields it created
    after = await rows(db, SCHEMA, tables, tables)
    assert all(r in after for r in schema)
    fields = [r["id"] for r in await rows(db, "SELECT id FROM custom_fields WHERE name LIKE %s", f"% {key}")]
    assert fields and all(any(f"customfield_{f}'" in r["ddl"] for f in fields) for r in after if r not in schema)
    shape = """
        SELECT split_part(h.issue_key, '-', 2) AS n, replace(h.field, p.key, 'K') AS field, h.is_create,
               h.occurred_at, replace(h.from_string, p.key, 'K') AS f, replace(h.to_string, p.key, 'K') AS t
        FROM issue_history h JOIN projects p ON p.id = h.project_id WHERE p.key = %s ORDER BY h.id
    """
    assert await rows(db, shape, key) == await rows(db, shape, key + "N")


async def test_malformed_versions_and_components_reject_their_issue_with_its_path(run, db, key):
    bundle = jira_bundle(key)
    start = len(bundle["issues"])
    created = "2024-01-09T09:00:00.000+0000"
    bundle["issues"] += [
        issue(f"{key}-90", 39090, "story", "Versions as text", created, fixVersions="1.0"),
        issue(f"{key}-91", 39091, "story", "A nameless component", created, components=[{"id": "1"}]),
        issue(f"{key}-92", 39092, "story", "A version with a long name", created, versions=[{"name": "v" * 256}]),
    ]
    summary = await run(bundle)
    errors = {p.path: p.message for p in summary.errors}
    assert "must be a list of versions" in errors[f"issues[{start}].fields.fixVersions"]
    assert "a component needs a name" in errors[f"issues[{start + 1}].fields.components[0].name"]
    assert "a version needs a name" in errors[f"issues[{start + 2}].fields.versions[0].name"]
    for bad in (f"{key}-90", f"{key}-91", f"{key}-92"):  # never half an issue
        assert await one(db, "SELECT count(*) FROM issues WHERE key = %s", bad) == 0
        assert await one(db, "SELECT count(*) FROM issue_history WHERE issue_key = %s", bad) == 0
