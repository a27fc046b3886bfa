"""Issue hierarchy: epics (level 1) hold standard issues (level 0), which hold sub-tasks (sub-task types).

Rules, checked on create and on every change of type or parent:
- an issue of a sub-task type must have a parent, in the same project, that is not itself a sub-task;
- sub-tasks cannot have children;
- any other issue's parent, when it has one, is one level up (a story's parent is an epic; an epic has none).
Cycles are impossible under these rules: a parent is always strictly higher.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.agile.cards import CARD_SELECT, card_view, visible
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import ValidationError
from tracker.issues.actions import access_issue

SELECT_TYPE = "SELECT id, name, subtask, hierarchy_level FROM issue_types WHERE id = %(id)s"
SELECT_PARENT = """
SELECT i.id, i.key, i.project_id, i.parent_id, t.name AS type_name, t.subtask, t.hierarchy_level
FROM issues i JOIN issue_types t ON t.id = i.issue_type_id
WHERE i.id = %(id)s
"""
SELECT_CHILD_KINDS = """
SELECT t.name AS type_name, t.subtask, t.hierarchy_level, min(i.key) AS example_key, count(*) AS n
FROM issues i JOIN issue_types t ON t.id = i.issue_type_id
WHERE i.parent_id = %(id)s
GROUP BY t.name, t.subtask, t.hierarchy_level
"""
SELECT_LEVEL_NAMES = """
SELECT string_agg(name, ' or ' ORDER BY id) FROM issue_types WHERE hierarchy_level = %(level)s AND NOT subtask
"""
SELECT_CHILDREN = CARD_SELECT + " WHERE i.parent_id = %(id)s ORDER BY i.rank"


def parent_problem(issue_type: Mapping[str, Any], parent: Mapping[str, Any] | None, project_id: int) -> str | None:
    """Why `parent` cannot be the parent of an issue of `issue_type` in project `project_id` (None: it can)."""
    if issue_type["subtask"]:
        if parent is None:
            return f"an issue of type {issue_type['name']} is a sub-task and needs a parent"
        if parent["project_id"] != project_id:
            return f"a sub-task's parent must be in the same project; {parent['key']} is not"
        if parent["subtask"]:
            return f"{parent['key']} is a sub-task, and sub-tasks cannot have children"
        return None
    if parent is None:
        return None
    if parent["subtask"]:
        return f"{parent['key']} is a sub-task, and sub-tasks cannot have children"
    if parent["hierarchy_level"] != issue_type["hierarchy_level"] + 1:
        return f"{parent['key']} is a {parent['type_name']}; a {issue_type['name']} cannot be its child"
    return None


def check_parent(issue_type: Mapping[str, Any], parent: Mapping[str, Any] | None, *, project_id: int) -> None:
    """Raise ValidationError unless `parent` (None: no parent) may hold an issue of `issue_type`."""
    problem = parent_problem(issue_type, parent, project_id)
    if problem is not None:
        raise ValidationError(problem[0].upper() + problem[1:], errors={"parent": problem})


def check_children(issue_type: Mapping[str, Any], children: Sequence[Mapping[str, Any]]) -> None:
    """Raise ValidationError unless an issue of `issue_type` may keep its current children (grouped by type)."""
    for child in children:
        if issue_type["subtask"]:
            problem = f"the issue has children ({child['example_key']}), and sub-tasks cannot have children"
        elif child["subtask"] or child["hierarchy_level"] + 1 == issue_type["hierarchy_level"]:
            continue
        else:
            problem = (
                f"its child {child['example_key']} is a {child['type_name']}, which a {issue_type['name']} cannot hold"
            )
        raise ValidationError(f"The issue cannot become a {issue_type['name']}: {problem}", errors={"type": problem})


async def check_issue_hierarchy(
    conn: Conn,
    *,
    project_id: int,
    issue_type_id: int,
    parent_id: int | None,
    issue_id: int | None = None,
    issue_type: Mapping[str, Any] | None = None,
) -> None:
    """The hierarchy rules for an issue of a type and parent (and, for an existing issue, its children).

    `issue_type` is the type's row (id, name, subtask, hierarchy_level) when the caller has already loaded it.
    """
    if issue_type is None or issue_type["id"] != issue_type_id:
        issue_type = await fetch_one(conn, SELECT_TYPE, {"id": issue_type_id})
    if issue_type is None:
        raise ValidationError("Unknown issue type", errors={"type": f"issue type {issue_type_id} does not exist"})
    parent = None if parent_id is None else await fetch_one(conn, SELECT_PARENT, {"id": parent_id})
    if parent_id is not None and parent is None:
        raise ValidationError("Unknown parent", errors={"parent": f"issue {parent_id} does not exist"})
    problem = parent_problem(issue_type, parent, project_id)
    if problem is not None and parent is not None and not parent["subtask"] and not issue_type["subtask"]:
        names = await fetch_val(conn, SELECT_LEVEL_NAMES, {"level": issue_type["hierarchy_level"] + 1})
        problem += f" (its parent must be of type {names})" if names else " (it cannot have a parent)"
    if problem is not None:
        raise ValidationError(problem[0].upper() + problem[1:], errors={"parent": problem})
    if issue_id is not None:
        check_children(issue_type, await fetch_all(conn, SELECT_CHILD_KINDS, {"id": issue_id}))


async def list_children(conn: Conn, actor: Actor, ref: str) -> tuple[DictRow, list[dict[str, Any]]]:
    """An issue and its children (an epic's issues, a story's sub-tasks) that the actor may browse, ranked."""
    issue = await access_issue(conn, actor, ref)
    rows = await fetch_all(conn, SELECT_CHILDREN, {"id": issue["id"]})
    return issue, [card_view(r) for r in await visible(conn, actor, rows)]
