"""Epics and sub-tasks: the rules (called directly, as issue create/update will call them) and the create hooks."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.agile.conftest import rows
from tracker.accounts.models import Actor
from tracker.agile import hooks
from tracker.agile.hierarchy import check_children, check_issue_hierarchy, check_parent
from tracker.errors import ValidationError
from tracker.issues.actions import load_issue

TASK = {"id": 10001, "name": "Task", "subtask": False, "hierarchy_level": 0}
EPIC = {"id": 10004, "name": "Epic", "subtask": False, "hierarchy_level": 1}
SUBTASK = {"id": 10005, "name": "Sub-task", "subtask": True, "hierarchy_level": -1}


def parent(type_row, project_id=1, key="P-1"):
    return {"key": key, "project_id": project_id, "type_name": type_row["name"], **type_row}


def test_the_parent_rules():
    check_parent(TASK, None, project_id=1)
    check_parent(TASK, parent(EPIC, project_id=2), project_id=1)  # epics may gather issues of other projects
    check_parent(SUBTASK, parent(TASK), project_id=1)
    check_parent(SUBTASK, parent(EPIC), project_id=1)
    check_parent(EPIC, None, project_id=1)
    problems = [
        (SUBTASK, None, "needs a parent"),
        (SUBTASK, parent(TASK, project_id=2), "same project"),
        (SUBTASK, parent(SUBTASK), "cannot have children"),
        (TASK, parent(SUBTASK), "cannot have children"),
        (TASK, parent(TASK), "cannot be its child"),
        (EPIC, parent(EPIC), "cannot be its child"),
    ]
    for type_row, parent_row, message in problems:
        with pytest.raises(ValidationError) as info:
            check_parent(type_row, parent_row, project_id=1)
        assert message in info.value.errors["parent"], (type_row, parent_row)


def test_the_children_rules():
    sub_child = {"type_name": "Sub-task", "subtask": True, "hierarchy_level": -1, "example_key": "P-2", "n": 1}
    task_child = {"type_name": "Task", "subtask": False, "hierarchy_level": 0, "example_key": "P-3", "n": 2}
    check_children(TASK, [sub_child])
    check_children(EPIC, [task_child, sub_child])
    with pytest.raises(ValidationError, match="sub-tasks cannot have children"):
        check_children(SUBTASK, [sub_child])
    with pytest.raises(ValidationError, match="P-3 is a Task"):
        check_children(TASK, [task_child])


@pytest.fixture
async def tx(database_url):
    """A connection inside a transaction that is rolled back: the hooks run as issue actions would run them."""
    async with await psycopg.AsyncConnection.connect(database_url, row_factory=dict_row) as conn:
        yield conn
        await conn.rollback()


async def issue_row(tx, key):
    found = await rows(tx, "SELECT id FROM issues WHERE key = %s", key)
    return await load_issue(tx, found[0]["id"])


async def test_check_issue_hierarchy_on_create_and_on_change(admin, make_issue, project, tx):
    epic = await issue_row(tx, (await make_issue(type="Epic"))["key"])
    story = await issue_row(tx, (await make_issue(type="Story", parent=epic["key"]))["key"])
    sub = await issue_row(tx, (await make_issue(type="Sub-task", parent=story["key"]))["key"])
    pid = project["id"]
    await check_issue_hierarchy(tx, project_id=pid, issue_type_id=10005, parent_id=story["id"])
    with pytest.raises(ValidationError, match="needs a parent"):
        await check_issue_hierarchy(tx, project_id=pid, issue_type_id=10005, parent_id=None)
    with pytest.raises(ValidationError, match="cannot have children"):
        await check_issue_hierarchy(tx, project_id=pid, issue_type_id=10005, parent_id=sub["id"])
    with pytest.raises(ValidationError, match="its parent must be of type Epic"):
        await check_issue_hierarchy(tx, project_id=pid, issue_type_id=10001, parent_id=story["id"])
    with pytest.raises(ValidationError, match="same project"):
        await check_issue_hierarchy(tx, project_id=pid + 100000, issue_type_id=10005, parent_id=story["id"])
    # Changing a story with sub-tasks into a sub-task, or an epic with stories into a task, breaks its children.
    with pytest.raises(ValidationError) as info:
        await hooks.before_update(tx, story, {"issue_type_id": 10005, "parent_id": epic["id"]})
    assert "type" in info.value.errors
    with pytest.raises(ValidationError, match="which a Task cannot hold"):
        await hooks.before_update(tx, epic, {"issue_type_id": 10001})
    with pytest.raises(ValidationError, match="needs a parent"):
        await hooks.before_update(tx, sub, {"parent_id": None})
    await hooks.before_update(tx, story, {"summary": "no hierarchy change"})


async def test_create_hooks_set_agile_fields_and_sub_tasks_join_the_parent_sprint(
    admin, make_issue, make_board, make_sprint, make_user, project, tx
):
    lead, _ = await make_user()
    v1 = (await admin.post(f"/api/v1/projects/{project['key']}/versions", json={"name": "1.0"})).json()
    comp = (
        await admin.post(
            f"/api/v1/projects/{project['key']}/components", json={"name": "API", "default_assignee": lead}
        )
    ).json()
    board = await make_board()
    sprint = await make_sprint(board["id"], name="S")
    story = await make_issue(type="Story")
    await admin.post(f"/api/v1/sprints/{sprint['id']}/issues", json={"issues": [story["key"]]})
    admin_row = (await rows(tx, "SELECT id FROM users WHERE username = 'admin'"))[0]
    actor = Actor(id=admin_row["id"], username="admin", display_name="Admin", is_admin=True)

    fields = {"summary": "x", "type": "Task", "sprint": sprint["id"], "fix_versions": ["1.0"], "components": ["api"]}
    agile = hooks.split_create_fields(fields)
    assert set(fields) == {"summary", "type"} and set(agile) == {"sprint", "fix_versions", "components"}
    values = {"issue_type_id": 10001, "type_subtask": False}
    await hooks.before_create(tx, actor, project, values, agile)
    assert values["assignee_username"] == lead  # the component's default assignee
    explicit = {"issue_type_id": 10001, "type_subtask": False, "assignee_id": None}
    await hooks.before_create(tx, actor, project, explicit, agile)
    assert explicit["assignee_id"] is None  # explicitly unassigned stays unassigned

    plain = await issue_row(tx, (await make_issue())["key"])
    changes = await hooks.after_insert(tx, actor, plain, agile)
    assert [(c.field, c.to, c.to_string) for c in changes] == [
        ("Sprint", str(sprint["id"]), "S"),
        ("Fix Version", str(v1["id"]), "1.0"),
        ("Component", str(comp["id"]), "API"),
    ]
    sub = await issue_row(tx, (await make_issue(type="Sub-task", parent=story["key"]))["key"])
    changes = await hooks.after_insert(tx, actor, sub, {})
    assert [(c.field, c.from_, c.to) for c in changes] == [("Sprint", None, str(sprint["id"]))]
    assert (await rows(tx, "SELECT sprint_id FROM issue_sprints WHERE issue_id = %s", sub["id"])) == [
        {"sprint_id": sprint["id"]}
    ]

    bad = [
        ({"sprint": 99999999}, {"issue_type_id": 10001}, "sprint"),
        ({"sprint": sprint["id"]}, {"issue_type_id": 10005, "type_subtask": True, "parent_id": story["id"]}, "sprint"),
        ({"fix_versions": ["9.9"]}, {"issue_type_id": 10001}, "fix_versions"),
        ({"components": ["Nope"]}, {"issue_type_id": 10001}, "components"),
        ({}, {"issue_type_id": 10005}, "parent"),
    ]
    for data, values, field in bad:
        with pytest.raises(ValidationError) as info:
            await hooks.before_create(tx, actor, project, values, data)
        assert field in info.value.errors, (data, info.value.errors)


async def test_children_of_an_epic_in_rank_order(admin, make_issue):
    epic = await make_issue(type="Epic")
    a = await make_issue(type="Story", parent=epic["key"])
    b = await make_issue(type="Bug", parent=epic["key"])
    await admin.put("/api/v1/rank", json={"issues": [b["key"]], "rank_before_issue": a["key"]})
    children = (await admin.get(f"/api/v1/issues/{epic['key']}/children")).json()["issues"]
    assert [c["key"] for c in children] == [b["key"], a["key"]]
    assert children[0]["epic"] == {"key": epic["key"], "summary": epic["summary"]}
    agile = (await admin.get(f"/api/v1/issues/{a['key']}/agile")).json()
    assert agile["epic"]["key"] == epic["key"] and agile["parent"] == epic["key"]
