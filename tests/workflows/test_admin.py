"""Workflow administration: validation, versions, drafts, publishing with a status mapping, schemes."""

from __future__ import annotations

import pytest

from tests.conftest import unique
from tests.workflows.conftest import back_and_forth, new_issue, run, transition_names


async def test_default_software_workflow_is_seeded_and_used_by_new_projects(admin, project):
    wf = (await admin.get("/api/v1/workflows/2")).json()
    assert wf["name"] == "Software workflow" and wf["initial_status"]["name"] == "To Do"
    assert [s["name"] for s in wf["statuses"]] == ["To Do", "In Progress", "In Review", "Done"]
    by_name = {t["name"]: t for t in wf["transitions"]}
    assert by_name["Done"]["global"] is True and by_name["Done"]["to"]["name"] == "Done"
    assert [s["name"] for s in by_name["Request Changes"]["from"]] == ["In Review"]
    assert project["workflow_scheme"] == 2
    assert [s["name"] for s in project["statuses"]] == ["To Do", "In Progress", "In Review", "Done"]


async def test_default_workflow_moves(admin, make_issue):
    issue = await make_issue()
    key = issue["key"]
    assert await transition_names(admin, key) == ["Start Progress", "Done"]
    await run(admin, key, "Start Progress")
    assert await transition_names(admin, key) == ["Request Review", "Stop Progress", "Done"]
    await run(admin, key, "Request Review")
    assert await transition_names(admin, key) == ["Request Changes", "Done"]
    r = await run(admin, key, "Done")
    assert r.json()["status"]["name"] == "Done" and r.json()["resolution"]["name"] == "Done"
    assert await transition_names(admin, key) == ["Reopen"]


@pytest.mark.parametrize(
    ("body", "path", "fragment"),
    [
        ({"statuses": ["To Do", "Done"], "initial_status": "To Do", "transitions": []}, "statuses.Done", "reached"),
        (
            {"statuses": ["To Do", "Done"], "transitions": [{"name": "Go", "from": ["To Do"], "to": "Done"}]},
            "initial_status",
            "initial status",
        ),
        (
            {
                "statuses": ["To Do", "Done"],
                "initial_status": "To Do",
                "transitions": [{"name": "Go", "from": ["To Do"], "to": "In Progress"}],
            },
            "transitions[0].to",
            "not a status of this workflow",
        ),
        (
            {
                "statuses": ["To Do", "Done"],
                "initial_status": "Done",
                "transitions": [{"name": "Go", "from": ["Nowhere"], "to": "To Do"}],
            },
            "transitions[0].from[0]",
            "not a status of this workflow",
        ),
        (
            {"statuses": ["To Do"], "initial_status": "To Do", "transitions": [{"name": "Go", "to": "To Do"}]},
            "transitions[0].from",
            "at least one status",
        ),
        (
            {
                "statuses": ["To Do", "Done"],
                "initial_status": "To Do",
                "transitions": [{"name": "Go", "from": ["To Do"], "to": "Done", "conditions": [{"type": "telepathy"}]}],
            },
            "transitions[0].conditions[0].type",
            "unknown condition",
        ),
        (
            {
                "statuses": ["To Do", "Done"],
                "initial_status": "To Do",
                "transitions": [
                    {"name": "Go", "from": ["To Do"], "to": "Done", "validators": [{"type": "field_required"}]}
                ],
            },
            "transitions[0].validators[0].field",
            "Field required",
        ),
        (
            {
                "statuses": ["To Do", "Done"],
                "initial_status": "To Do",
                "transitions": [
                    {
                        "name": "Go",
                        "from": ["To Do"],
                        "to": "Done",
                        "validators": [{"type": "field_matches", "field": "summary", "regex": "("}],
                    }
                ],
            },
            "transitions[0].validators[0].regex",
            "not a regular expression",
        ),
        (
            {
                "statuses": ["To Do", "Done"],
                "initial_status": "To Do",
                "transitions": [
                    {
                        "name": "Go",
                        "from": ["To Do"],
                        "to": "Done",
                        "post_functions": [{"type": "set_field", "field": "customfield_999999", "value": 1}],
                    }
                ],
            },
            "transitions[0].post_functions[0].field",
            "does not exist",
        ),
        (
            {
                "statuses": ["To Do", "Done"],
                "initial_status": "To Do",
                "transitions": [
                    {"name": "Go", "from": ["To Do"], "to": "Done"},
                    {"name": "go", "global": True, "to": "Done"},
                ],
            },
            "transitions.go",
            "names must differ",
        ),
        (
            {"statuses": ["To Do", "Nonexistent status"], "initial_status": "To Do"},
            "statuses[1]",
            "give a category",
        ),
    ],
)
async def test_invalid_workflows_are_rejected_with_the_path_and_nothing_is_stored(admin, db, body, path, fragment):
    name = unique("bad-")
    r = await admin.post("/api/v1/workflows", json={"name": name, **body})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert fragment in problem["errors"][path], problem
    cur = await db.execute("SELECT count(*) AS n FROM workflows WHERE name = %s", (name,))
    assert (await cur.fetchone())["n"] == 0


async def test_new_statuses_are_created_with_their_category(admin, db):
    status = unique("QA ")
    r = await admin.post(
        "/api/v1/workflows",
        json={
            "name": unique("wf-"),
            "statuses": ["To Do", {"name": status, "category": "in_progress"}],
            "initial_status": "To Do",
            "transitions": [
                {"name": "Test", "from": ["To Do"], "to": status},
                {"name": "Back", "global": True, "to": 1},
            ],
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["statuses"][1]["name"] == status and r.json()["statuses"][1]["category"] == "in_progress"
    assert any(s["name"] == status for s in (await admin.get("/api/v1/statuses")).json())


async def test_editing_an_unused_workflow_applies_at_once(admin):
    body = {"name": unique("wf-"), "statuses": ["To Do", "In Progress", "Done"], "initial_status": "To Do"}
    created = (await admin.post("/api/v1/workflows", json=body | {"transitions": back_and_forth()})).json()
    assert created["version"] == 1 and created["in_use"] is False
    changed = back_and_forth()
    changed[0]["name"] = "Begin"
    changed[0]["id"] = created["transitions"][0]["id"]
    r = await admin.put(f"/api/v1/workflows/{created['id']}", json=body | {"transitions": changed})
    assert r.status_code == 200, r.text
    wf = r.json()
    assert wf["version"] == 2 and wf["draft"] is None and wf["transitions"][0]["name"] == "Begin"
    assert wf["transitions"][0]["id"] == created["transitions"][0]["id"]
    assert [v["version"] for v in wf["versions"]] == [1]


async def test_workflow_change_with_status_mapping(admin, workflow_project, db):
    qa = unique("QA ")
    transitions = [
        {"name": "Start", "from": ["To Do"], "to": "In Progress"},
        {"name": "Test", "from": ["In Progress"], "to": qa},
        {"name": "Finish", "from": [qa, "In Progress"], "to": "Done"},
        {"name": "Reopen", "from": ["Done"], "to": "To Do"},
    ]
    statuses = ["To Do", "In Progress", {"name": qa, "category": "in_progress"}, "Done"]
    setup = await workflow_project(transitions, statuses=statuses)
    wf = setup["workflow"]
    in_qa = await new_issue(admin, setup["key"], summary="in QA")
    waiting = await new_issue(admin, setup["key"], summary="waiting")
    await run(admin, in_qa["key"], "Start")
    await run(admin, in_qa["key"], "Test")

    # the edit drops the QA status; issues follow the workflow, so it becomes a draft
    ids = {t["name"]: t["id"] for t in wf["transitions"]}
    new_transitions = [
        {"id": ids["Start"], "name": "Start", "from": ["To Do"], "to": "In Progress"},
        {"id": ids["Finish"], "name": "Finish", "from": ["In Progress"], "to": "Done"},
        {"id": ids["Reopen"], "name": "Reopen", "from": ["Done"], "to": "To Do"},
        {"name": "Pause", "from": ["In Progress"], "to": "To Do"},
    ]
    body = {"name": wf["name"], "statuses": ["To Do", "In Progress", "Done"], "initial_status": "To Do"}
    r = await admin.put(f"/api/v1/workflows/{wf['id']}", json=body | {"transitions": new_transitions})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["in_use"] and view["version"] == 1 and view["draft"]["version"] == 2
    assert [t["name"] for t in view["draft"]["transitions"]] == ["Start", "Finish", "Reopen", "Pause"]
    # the published version is untouched until publish
    assert (await admin.get(f"/api/v1/issues/{in_qa['key']}")).json()["status"]["name"] == qa
    assert await transition_names(admin, in_qa["key"]) == ["Finish"]

    # publishing without a mapping for the status issues are in is refused and changes nothing
    before = (await admin.get(f"/api/v1/issues/{in_qa['key']}")).json()
    r = await admin.post(f"/api/v1/workflows/{wf['id']}/publish", json={})
    assert r.status_code == 422
    message = r.json()["errors"][f"status_mapping.{qa}"]
    assert "1 issue(s)" in message and "In Progress" in message
    r = await admin.post(f"/api/v1/workflows/{wf['id']}/publish", json={"status_mapping": {qa: "Nowhere"}})
    assert r.status_code == 422
    assert (await admin.get(f"/api/v1/issues/{in_qa['key']}")).json() == before
    assert (await admin.get(f"/api/v1/workflows/{wf['id']}")).json()["draft"] is not None

    r = await admin.post(f"/api/v1/workflows/{wf['id']}/publish", json={"status_mapping": {qa: "In Progress"}})
    assert r.status_code == 200, r.text
    published = r.json()
    assert published["moved_issues"] == 1 and published["version"] == 2 and published["draft"] is None
    assert [(v["version"], v["state"]) for v in published["versions"]] == [(1, "archived")]
    assert {t["name"]: t["id"] for t in published["transitions"]}["Start"] == ids["Start"]
    moved = (await admin.get(f"/api/v1/issues/{in_qa['key']}")).json()
    assert moved["status"]["name"] == "In Progress" and moved["version"] == before["version"] + 1
    assert (await admin.get(f"/api/v1/issues/{waiting['key']}")).json()["version"] == waiting["version"]
    cur = await db.execute(
        "SELECT h.from_string, h.to_string, o.event_type, o.payload->'data'->'workflow_migration' AS migration"
        " FROM issue_history h JOIN outbox o ON o.event_id = h.change_id"
        " WHERE h.issue_key = %s AND h.field = 'status' ORDER BY h.id DESC LIMIT 1",
        (in_qa["key"],),
    )
    row = await cur.fetchone()
    assert (row["from_string"], row["to_string"], row["event_type"]) == (qa, "In Progress", "issue.updated")
    assert row["migration"] == {"from": qa, "to": "In Progress"}
    assert await transition_names(admin, in_qa["key"]) == ["Finish", "Pause"]
    r = await admin.post(f"/api/v1/workflows/{wf['id']}/publish", json={})
    assert r.status_code == 409


async def test_discard_draft_and_delete_rules(admin, workflow_project):
    setup = await workflow_project(back_and_forth())
    wf = setup["workflow"]
    await new_issue(admin, setup["key"])
    body = {"name": wf["name"], "statuses": ["To Do", "In Progress", "Done"], "initial_status": "To Do"}
    r = await admin.put(f"/api/v1/workflows/{wf['id']}", json=body | {"transitions": back_and_forth()})
    assert r.json()["draft"] is not None
    assert (await admin.delete(f"/api/v1/workflows/{wf['id']}/draft")).status_code == 204
    assert (await admin.get(f"/api/v1/workflows/{wf['id']}")).json()["draft"] is None
    assert (await admin.delete(f"/api/v1/workflows/{wf['id']}/draft")).status_code == 404
    r = await admin.delete(f"/api/v1/workflows/{wf['id']}")
    assert r.status_code == 409 and setup["scheme"]["name"] in r.json()["title"]


async def test_scheme_maps_issue_types_and_moving_a_project_needs_a_mapping(admin, workflow_project, project):
    bug_flow = (
        await admin.post(
            "/api/v1/workflows",
            json={
                "name": unique("bugs-"),
                "statuses": ["To Do", "Done"],
                "initial_status": "To Do",
                "transitions": [
                    {"name": "Fix", "from": ["To Do"], "to": "Done"},
                    {"name": "Reopen", "from": ["Done"], "to": "To Do"},
                ],
            },
        )
    ).json()
    r = await admin.post(
        "/api/v1/workflowschemes",
        json={"name": unique("mixed-"), "default_workflow": 2, "mappings": {"Bug": bug_flow["id"]}},
    )
    assert r.status_code == 201, r.text
    scheme = r.json()
    assert scheme["mappings"] == [{"issue_type": "Bug", "workflow": {"id": bug_flow["id"], "name": bug_flow["name"]}}]
    task = await new_issue(admin, project["key"])
    await run(admin, task["key"], "Start Progress")
    await run(admin, task["key"], "Request Review")
    r = await admin.put(f"/api/v1/projects/{project['key']}/workflowscheme", json={"scheme": scheme["id"]})
    assert r.status_code == 200 and r.json()["moved_issues"] == 0  # tasks keep the software workflow
    bug = await new_issue(admin, project["key"], type="Bug")
    assert await transition_names(admin, bug["key"]) == ["Fix"]
    assert await transition_names(admin, task["key"]) == ["Request Changes", "Done"]
    # a task in review cannot become a bug: the bug workflow has no In Review
    r = await admin.patch(f"/api/v1/issues/{task['key']}", json={"type": "Bug"})
    assert r.status_code == 422 and "In Review" in r.json()["errors"]["type"]
    # the project now moves to a simple scheme where In Review does not exist: a mapping is required
    r = await admin.put(f"/api/v1/projects/{project['key']}/workflowscheme", json={"scheme": 1})
    assert r.status_code == 422 and "status_mapping.In Review" in r.json()["errors"]
    assert (await admin.get(f"/api/v1/projects/{project['key']}")).json()["workflow_scheme"] == scheme["id"]
    r = await admin.put(
        f"/api/v1/projects/{project['key']}/workflowscheme",
        json={"scheme": 1, "status_mapping": {"In Review": "In Progress"}},
    )
    assert r.status_code == 200 and r.json()["moved_issues"] == 1
    assert (await admin.get(f"/api/v1/issues/{task['key']}")).json()["status"]["name"] == "In Progress"
    assert (await admin.delete(f"/api/v1/workflowschemes/{scheme['id']}")).status_code == 204


async def test_rule_kinds_are_listed(admin):
    kinds = (await admin.get("/api/v1/workflows/rules")).json()
    assert {k["type"] for k in kinds["condition"]} == {
        "user_in_role", "user_in_group", "has_permission", "is_assignee", "is_reporter", "field_equals",
        "subtasks_done",
    }  # fmt: skip
    assert {k["type"] for k in kinds["validator"]} == {
        "field_required", "field_matches", "parent_in_status", "no_open_subtasks",
    }  # fmt: skip
    assert {k["type"] for k in kinds["post_function"]} == {
        "assign_to_current_user", "assign_to_reporter", "set_field", "clear_field", "set_resolution",
        "clear_resolution", "add_comment", "fire_event",
    }  # fmt: skip
