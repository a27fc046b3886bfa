"""Each condition kind: the transition is hidden and refused (naming the condition) until it holds."""

from __future__ import annotations

from typing import Any

from tests.conftest import unique
from tests.workflows.conftest import new_issue, run, transition_names, written


def guarded(*conditions: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": "Start", "from": ["To Do"], "to": "In Progress", "conditions": list(conditions)},
        {"name": "Finish", "from": ["In Progress"], "to": "Done"},
        {"name": "Reopen", "from": ["Done"], "to": "To Do"},
    ]


async def assert_refused(client, db, issue, fragment: str, kind: str) -> None:
    before = await written(db, issue["key"])
    assert "Start" not in await transition_names(client, issue["key"])
    r = await run(client, issue["key"], "Start")
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "transition_not_allowed" and fragment in problem["title"], problem
    assert problem["failed"]["type"] == kind and kind in next(iter(problem["errors"].values()))
    assert await written(db, issue["key"]) == before
    current = await client.get(f"/api/v1/issues/{issue['key']}")
    assert current.json()["status"]["name"] == "To Do" and current.json()["version"] == issue["version"]


async def test_user_in_role_directly_or_through_a_group(admin, workflow_project, make_user, db):
    setup = await workflow_project(guarded({"type": "user_in_role", "role": "Developers"}))
    name, client = await make_user()
    issue = await new_issue(client, setup["key"])
    await assert_refused(client, db, issue, "project role 'Developers'", "user_in_role")
    group = unique("devs-")
    await admin.post("/api/v1/groups", json={"name": group})
    await admin.post(f"/api/v1/groups/{group}/members", json={"username": name})
    r = await admin.post(f"/api/v1/projects/{setup['key']}/roles/Developers/members", json={"groups": [group]})
    assert r.status_code == 200 and r.json()["groups"] == [{"name": group}]
    assert "Start" in await transition_names(client, issue["key"])
    assert (await run(client, issue["key"], "Start")).status_code == 200
    # a role member in another project does not count
    other = await workflow_project(guarded({"type": "user_in_role", "role": "10001"}))
    other_issue = await new_issue(client, other["key"])
    assert "Start" not in await transition_names(client, other_issue["key"])
    r = await admin.post(f"/api/v1/projects/{other['key']}/roles/Developers/members", json={"users": [name]})
    assert r.status_code == 200
    assert (await run(client, other_issue["key"], "Start")).status_code == 200


async def test_user_in_group(admin, workflow_project, make_user, db):
    group = unique("qa-")
    await admin.post("/api/v1/groups", json={"name": group})
    setup = await workflow_project(guarded({"type": "user_in_group", "group": group}))
    name, client = await make_user()
    issue = await new_issue(client, setup["key"])
    await assert_refused(client, db, issue, f"group '{group}'", "user_in_group")
    await admin.post(f"/api/v1/groups/{group}/members", json={"username": name})
    assert (await run(client, issue["key"], "Start")).status_code == 200


async def test_has_permission(admin, workflow_project, make_user, db):
    setup = await workflow_project(guarded({"type": "has_permission", "permission": "ADMINISTER_PROJECTS"}))
    name, client = await make_user()
    issue = await new_issue(client, setup["key"])
    await assert_refused(client, db, issue, "ADMINISTER_PROJECTS", "has_permission")
    r = await admin.post(f"/api/v1/projects/{setup['key']}/roles/Administrators/members", json={"users": [name]})
    assert r.status_code == 200
    assert (await run(client, issue["key"], "Start")).status_code == 200


async def test_is_assignee(admin, workflow_project, make_user, db):
    setup = await workflow_project(guarded({"type": "is_assignee"}))
    name, client = await make_user()
    issue = await new_issue(client, setup["key"])
    await assert_refused(client, db, issue, "only the assignee", "is_assignee")
    r = await admin.put(f"/api/v1/issues/{issue['key']}/assignee", json={"assignee": name})
    assert r.status_code == 200
    assert (await run(client, issue["key"], "Start")).status_code == 200


async def test_is_reporter(admin, workflow_project, make_user, db):
    setup = await workflow_project(guarded({"type": "is_reporter"}))
    _, reporter_client = await make_user()
    _, other = await make_user()
    issue = await new_issue(reporter_client, setup["key"])
    await assert_refused(other, db, issue, "only the reporter", "is_reporter")
    assert (await run(reporter_client, issue["key"], "Start")).status_code == 200


async def test_field_equals_system_and_custom_fields(admin, workflow_project, db):
    r = await admin.post(
        "/api/v1/fields", json={"name": unique("Severity "), "type": "select", "options": ["Minor", "Major"]}
    )
    field = r.json()
    setup = await workflow_project(
        guarded(
            {"type": "field_equals", "field": "priority", "value": "High"},
            {"type": "field_equals", "field": field["id"], "value": "major"},
        )
    )
    issue = await new_issue(admin, setup["key"], custom_fields={field["id"]: "Minor"})
    await assert_refused(admin, db, issue, "Priority must be 'High'", "field_equals")
    issue = (await admin.patch(f"/api/v1/issues/{issue['key']}", json={"priority": "High"})).json()
    await assert_refused(admin, db, issue, f"{field['name']} must be 'major'", "field_equals")
    await admin.patch(f"/api/v1/issues/{issue['key']}", json={"custom_fields": {field["id"]: "Major"}})
    assert (await run(admin, issue["key"], "Start")).status_code == 200


async def test_field_equals_null_means_empty(admin, workflow_project, make_user, db):
    setup = await workflow_project(guarded({"type": "field_equals", "field": "assignee", "value": None}))
    name, _ = await make_user()
    issue = await new_issue(admin, setup["key"], assignee=name)
    await assert_refused(admin, db, issue, "Assignee must be empty", "field_equals")
    await admin.put(f"/api/v1/issues/{issue['key']}/assignee", json={"assignee": None})
    assert (await run(admin, issue["key"], "Start")).status_code == 200


async def test_subtasks_done(admin, workflow_project, db):
    setup = await workflow_project(guarded({"type": "subtasks_done"}))
    parent = await new_issue(admin, setup["key"])
    child = await new_issue(admin, setup["key"], parent=parent["key"], type="Sub-task")
    await assert_refused(admin, db, parent, child["key"], "subtasks_done")
    for step in ("Start", "Finish"):
        assert (await run(admin, child["key"], step)).status_code == 200
    child_now = (await admin.get(f"/api/v1/issues/{child['key']}")).json()
    assert child_now["status"]["category"] == "done"
    assert (await run(admin, parent["key"], "Start")).status_code == 200
