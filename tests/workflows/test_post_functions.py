"""Each post-function kind, and that its effects land in the same change as the status (one history change,
one issue.transitioned event)."""

from __future__ import annotations

from typing import Any

from tests.conftest import unique
from tests.workflows.conftest import new_issue, run, written


def with_post(*post: dict[str, Any], to: str = "In Progress", **extra: Any) -> list[dict[str, Any]]:
    transitions: list[dict[str, Any]] = [
        {"name": "Start", "from": ["To Do"], "to": "In Progress"},
        {"name": "Finish", "from": ["In Progress"], "to": "Done"},
        {"name": "Reopen", "from": ["Done"], "to": "To Do"},
    ]
    target = next(t for t in transitions if t["to"] == to)
    target["post_functions"] = list(post)
    target.update(extra)
    return transitions


async def last_change(db, key: str) -> list[tuple[str, str | None, str | None]]:
    cur = await db.execute(
        "SELECT field, from_string, to_string FROM issue_history WHERE issue_key = %s AND change_id ="
        " (SELECT change_id FROM issue_history WHERE issue_key = %s AND field = 'status' ORDER BY id DESC LIMIT 1)"
        " ORDER BY id",
        (key, key),
    )
    return [(r["field"], r["from_string"], r["to_string"]) for r in await cur.fetchall()]


async def events(db, key: str) -> list[dict[str, Any]]:
    cur = await db.execute("SELECT event_type, payload FROM outbox WHERE issue_key = %s ORDER BY id", (key,))
    return [dict(r) for r in await cur.fetchall()]


async def test_assign_to_current_user(admin, workflow_project, make_user, db):
    setup = await workflow_project(with_post({"type": "assign_to_current_user"}))
    name, client = await make_user()
    issue = await new_issue(admin, setup["key"])
    r = await run(client, issue["key"], "Start")
    assert r.status_code == 200 and r.json()["assignee"]["username"] == name
    assert ("assignee", None, name.title()) in await last_change(db, issue["key"])
    transitioned = [e for e in await events(db, issue["key"]) if e["event_type"] == "issue.transitioned"]
    assert len(transitioned) == 1 and {c["field"] for c in transitioned[0]["payload"]["changes"]} == {
        "status",
        "assignee",
    }


async def test_assign_to_current_user_skips_users_who_cannot_be_assigned(admin, workflow_project, make_user):
    r = await admin.post(
        "/api/v1/permissionschemes",
        json={"name": unique("no-assignable "), "copy_from": 1},
    )
    scheme = r.json()
    grant = next(g for g in scheme["grants"] if g["permission"] == "ASSIGNABLE_USER")
    assert (await admin.delete(f"/api/v1/permissionschemes/{scheme['id']}/grants/{grant['id']}")).status_code == 204
    setup = await workflow_project(with_post({"type": "assign_to_current_user"}), permission_scheme=scheme["id"])
    _, client = await make_user()
    issue = await new_issue(admin, setup["key"])
    r = await run(client, issue["key"], "Start")
    assert r.status_code == 200 and r.json()["assignee"] is None


async def test_assign_to_reporter(admin, workflow_project, make_user, db):
    setup = await workflow_project(with_post({"type": "assign_to_reporter"}))
    reporter, reporter_client = await make_user()
    issue = await new_issue(reporter_client, setup["key"])
    r = await run(admin, issue["key"], "Start")
    assert r.status_code == 200 and r.json()["assignee"]["username"] == reporter


async def test_set_field_system_and_custom(admin, workflow_project, db):
    field = (
        await admin.post("/api/v1/fields", json={"name": unique("Phase "), "type": "select", "options": ["a", "b"]})
    ).json()
    setup = await workflow_project(
        with_post(
            {"type": "set_field", "field": "priority", "value": "Highest"},
            {"type": "set_field", "field": field["id"], "value": "b"},
            {"type": "set_field", "field": "labels", "value": ["started"]},
        )
    )
    issue = await new_issue(admin, setup["key"], custom_fields={field["id"]: "a"})
    r = await run(admin, issue["key"], "Start")
    body = r.json()
    assert r.status_code == 200 and body["priority"]["name"] == "Highest" and body["labels"] == ["started"]
    option_b = next(o["id"] for o in field["options"] if o["value"] == "b")
    assert body["custom_fields"][field["id"]] == {"id": option_b, "value": "b"}
    change = await last_change(db, issue["key"])
    assert ("priority", "Medium", "Highest") in change and (field["name"], "a", "b") in change


async def test_set_field_with_an_invalid_value_fails_and_writes_nothing(admin, workflow_project, db):
    setup = await workflow_project(with_post({"type": "set_field", "field": "priority", "value": "Not a priority"}))
    issue = await new_issue(admin, setup["key"])
    before = await written(db, issue["key"])
    r = await run(admin, issue["key"], "Start")
    assert r.status_code == 422 and "priority" in r.json()["errors"]
    assert await written(db, issue["key"]) == before
    assert (await admin.get(f"/api/v1/issues/{issue['key']}")).json()["status"]["name"] == "To Do"


async def test_clear_field(admin, workflow_project, db):
    field = (await admin.post("/api/v1/fields", json={"name": unique("Notes "), "type": "text"})).json()
    setup = await workflow_project(
        with_post({"type": "clear_field", "field": "assignee"}, {"type": "clear_field", "field": field["id"]})
    )
    issue = await new_issue(admin, setup["key"], assignee="admin", custom_fields={field["id"]: "temporary"})
    r = await run(admin, issue["key"], "Start")
    assert r.status_code == 200 and r.json()["assignee"] is None and field["id"] not in r.json()["custom_fields"]
    change = await last_change(db, issue["key"])
    assert ("assignee", "Administrator", None) in change and (field["name"], "temporary", None) in change


async def test_set_and_keep_and_clear_resolution(admin, workflow_project, db):
    transitions = [
        {"name": "Start", "from": ["To Do"], "to": "In Progress"},
        {
            "name": "Close as duplicate",
            "from": ["In Progress"],
            "to": "Done",
            "auto_resolution": False,
            "post_functions": [{"type": "set_resolution", "resolution": "Duplicate"}],
        },
        # leaving done keeps the resolution when auto_resolution is off ...
        {"name": "Back to work", "from": ["Done"], "to": "In Progress", "auto_resolution": False},
        # ... and clear_resolution clears it explicitly
        {"name": "Reset", "from": ["In Progress"], "to": "To Do", "post_functions": [{"type": "clear_resolution"}]},
    ]
    setup = await workflow_project(transitions)
    issue = await new_issue(admin, setup["key"])
    await run(admin, issue["key"], "Start")
    r = await run(admin, issue["key"], "Close as duplicate")
    assert r.json()["resolution"]["name"] == "Duplicate" and r.json()["resolved"]
    r = await run(admin, issue["key"], "Back to work")
    assert r.json()["status"]["name"] == "In Progress" and r.json()["resolution"]["name"] == "Duplicate"
    r = await run(admin, issue["key"], "Reset")
    assert r.json()["resolution"] is None and r.json()["resolved"] is None
    assert ("resolution", "Duplicate", None) in await last_change(db, issue["key"])


async def test_default_resolution_rules(admin, workflow_project):
    setup = await workflow_project(
        [
            {"name": "Start", "from": ["To Do"], "to": "In Progress"},
            {"name": "Finish", "from": ["In Progress"], "to": "Done"},
            {"name": "Reopen", "from": ["Done"], "to": "To Do"},
        ]
    )
    issue = await new_issue(admin, setup["key"])
    await run(admin, issue["key"], "Start")
    # entering done sets the resolution chosen on the (implicit) screen, else Done; leaving clears it
    r = await run(admin, issue["key"], "Finish", resolution="Cannot Reproduce")
    assert r.json()["resolution"]["name"] == "Cannot Reproduce"
    r = await run(admin, issue["key"], "Reopen")
    assert r.json()["resolution"] is None
    r = await run(admin, issue["key"], "Start", resolution="Done")
    assert r.status_code == 422 and "resolution" in r.json()["errors"]


async def test_add_comment(admin, workflow_project, make_user, db):
    setup = await workflow_project(with_post({"type": "add_comment", "body": "Work started."}))
    name, client = await make_user()
    issue = await new_issue(admin, setup["key"])
    r = await run(client, issue["key"], "Start", comment="on it")
    assert r.status_code == 200
    comments = (await admin.get(f"/api/v1/issues/{issue['key']}/comments")).json()["comments"]
    assert [(c["body"], c["author"]["username"]) for c in comments] == [("on it", name), ("Work started.", name)]
    types = [e["event_type"] for e in await events(db, issue["key"])]
    assert types == ["issue.created", "issue.transitioned", "comment.added", "comment.added"]


async def test_fire_event(admin, workflow_project, db):
    setup = await workflow_project(with_post({"type": "fire_event", "event": "issue.resolved"}, to="Done"))
    issue = await new_issue(admin, setup["key"])
    await run(admin, issue["key"], "Start")
    r = await run(admin, issue["key"], "Finish")
    assert r.status_code == 200
    found = await events(db, issue["key"])
    assert [e["event_type"] for e in found][-2:] == ["issue.transitioned", "issue.resolved"]
    fired = found[-1]["payload"]
    assert fired["version"] == r.json()["version"] and fired["data"]["transition"]["name"] == "Finish"
    assert fired["data"]["fired_by"] == "workflow"
