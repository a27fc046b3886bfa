"""Each validator kind: a failing validator names the rule and what to fix, and nothing is written."""

from __future__ import annotations

from typing import Any

from tests.conftest import unique
from tests.workflows.conftest import new_issue, run, written


def validated(*validators: dict[str, Any], screen: list[Any] | None = None, to: str = "In Progress") -> list[Any]:
    transitions: list[dict[str, Any]] = [
        {"name": "Start", "from": ["To Do"], "to": "In Progress"},
        {"name": "Finish", "from": ["In Progress"], "to": "Done"},
        {"name": "Reopen", "from": ["Done"], "to": "To Do"},
    ]
    guarded = next(t for t in transitions if t["to"] == to)
    guarded["validators"] = list(validators)
    if screen is not None:
        guarded["screen"] = screen
    return transitions


async def assert_invalid(client, db, issue, transition: str, field: str, message: str, kind: str, **body) -> None:
    before = await written(db, issue["key"])
    current = (await client.get(f"/api/v1/issues/{issue['key']}")).json()
    r = await run(client, issue["key"], transition, **body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "validation_error" and problem["errors"][field] == message, problem
    assert problem["title"] == message
    assert [f["type"] for f in problem["failed"]] == [kind]
    assert await written(db, issue["key"]) == before
    after = (await client.get(f"/api/v1/issues/{issue['key']}")).json()
    assert after == current


async def test_field_required_resolution_on_the_screen(admin, workflow_project, db):
    transitions = validated(
        {"type": "field_required", "field": "resolution"},
        screen=[{"field": "resolution", "required": False}],
        to="Done",
    )
    setup = await workflow_project(transitions)
    issue = await new_issue(admin, setup["key"])
    assert (await run(admin, issue["key"], "Start")).status_code == 200
    await assert_invalid(admin, db, issue, "Finish", "resolution", "Resolution is required", "field_required")
    r = await run(admin, issue["key"], "Finish", fields={"resolution": "Won't Do"})
    assert r.status_code == 200 and r.json()["resolution"]["name"] == "Won't Do"


async def test_field_required_custom_field_with_custom_message(admin, workflow_project, db):
    field = (await admin.post("/api/v1/fields", json={"name": unique("Root cause "), "type": "text"})).json()
    message = "Say what caused it before starting"
    setup = await workflow_project(
        validated({"type": "field_required", "field": field["id"], "message": message}, screen=[field["id"]])
    )
    issue = await new_issue(admin, setup["key"])
    await assert_invalid(admin, db, issue, "Start", field["id"], message, "field_required")
    r = await run(admin, issue["key"], "Start", fields={field["id"]: "a race"})
    assert r.status_code == 200 and r.json()["custom_fields"][field["id"]] == "a race"


async def test_field_matches_regex(admin, workflow_project, db):
    setup = await workflow_project(
        validated({"type": "field_matches", "field": "summary", "regex": "[A-Z]+-[0-9]+ .*"})
    )
    issue = await new_issue(admin, setup["key"], summary="lowercase summary")
    await assert_invalid(admin, db, issue, "Start", "summary", "Summary must match [A-Z]+-[0-9]+ .*", "field_matches")
    await admin.patch(f"/api/v1/issues/{issue['key']}", json={"summary": "OPS-1 upgrade"})
    assert (await run(admin, issue["key"], "Start")).status_code == 200


async def test_field_matches_number_range(admin, workflow_project, db):
    setup = await workflow_project(validated({"type": "field_matches", "field": "story_points", "min": 1, "max": 13}))
    issue = await new_issue(admin, setup["key"], story_points=21)
    await assert_invalid(
        admin, db, issue, "Start", "story_points", "Story Points must be between 1 and 13", "field_matches"
    )
    # an empty field passes field_matches (field_required is the rule for presence)
    await admin.patch(f"/api/v1/issues/{issue['key']}", json={"story_points": None})
    assert (await run(admin, issue["key"], "Start")).status_code == 200


async def test_field_matches_checks_screen_input(admin, workflow_project, db):
    field = (await admin.post("/api/v1/fields", json={"name": unique("Effort "), "type": "number"})).json()
    setup = await workflow_project(
        validated({"type": "field_matches", "field": field["id"], "max": 5}, screen=[field["id"]])
    )
    issue = await new_issue(admin, setup["key"])
    await assert_invalid(
        admin,
        db,
        issue,
        "Start",
        field["id"],
        f"{field['name']} must be between -inf and 5",
        "field_matches",
        fields={field["id"]: 8},
    )
    r = await run(admin, issue["key"], "Start", fields={field["id"]: 3})
    assert r.status_code == 200 and r.json()["custom_fields"][field["id"]] == 3


async def test_parent_in_status(admin, workflow_project, db):
    setup = await workflow_project(validated({"type": "parent_in_status", "statuses": ["In Progress"]}))
    parent = await new_issue(admin, setup["key"])
    child = await new_issue(admin, setup["key"], parent=parent["key"], type="Sub-task")
    await assert_invalid(
        admin,
        db,
        child,
        "Start",
        "parent",
        f"The parent {parent['key']} must be in status 'In Progress' (it is 'To Do')",
        "parent_in_status",
    )
    assert (await run(admin, parent["key"], "Start")).status_code == 200
    assert (await run(admin, child["key"], "Start")).status_code == 200


async def test_no_open_subtasks(admin, workflow_project, db):
    setup = await workflow_project(validated({"type": "no_open_subtasks"}, to="Done"))
    parent = await new_issue(admin, setup["key"])
    child = await new_issue(admin, setup["key"], parent=parent["key"], type="Sub-task")
    assert (await run(admin, parent["key"], "Start")).status_code == 200
    parent = (await admin.get(f"/api/v1/issues/{parent['key']}")).json()
    await assert_invalid(
        admin, db, parent, "Finish", "subtasks", f"Finish the open sub-tasks first: {child['key']}", "no_open_subtasks"
    )
    for step in ("Start", "Finish"):
        assert (await run(admin, child["key"], step)).status_code == 200
    assert (await run(admin, parent["key"], "Finish")).status_code == 200


async def test_required_screen_field_and_fields_off_the_screen(admin, workflow_project, db):
    setup = await workflow_project(validated(screen=[{"field": "assignee", "required": True}]))
    issue = await new_issue(admin, setup["key"])
    before = await written(db, issue["key"])
    r = await run(admin, issue["key"], "Start")
    assert r.status_code == 422 and r.json()["errors"] == {"assignee": "Assignee is required"}
    r = await run(admin, issue["key"], "Start", fields={"assignee": "admin", "priority": "High"})
    assert r.status_code == 422 and "fields.priority" in r.json()["errors"]
    r = await run(admin, issue["key"], "Start", fields={"assignee": "no-such-user"})
    assert r.status_code == 422 and "assignee" in r.json()["errors"]
    assert await written(db, issue["key"]) == before
    r = await run(admin, issue["key"], "Start", fields={"assignee": "admin"})
    assert r.status_code == 200 and r.json()["assignee"]["username"] == "admin"
