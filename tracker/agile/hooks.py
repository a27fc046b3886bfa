"""Agile rules that run inside issue create and update (called from tracker/issues/actions.py).

- `split_create_fields(fields)`: take sprint / fix_versions / affects_versions / components out of create data.
- `before_create(conn, actor, project, values, agile)`: hierarchy rules, agile field validation, and the
  component default assignee when the issue is created without an assignee (fills `values`).
- `after_insert(conn, actor, row, agile)`: writes sprint, versions and components of the new issue (a sub-task
  joins its parent's open sprint) and returns their history items for the creation's change.
- `before_update(conn, issue, values)`: hierarchy rules when the type or the parent changes.
A new issue's rank needs no hook: the column default puts it at the bottom.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_one
from tracker.errors import ValidationError
from tracker.events import Change

# tracker/issues/actions.py imports this module, and the agile modules import tracker.issues.actions: they are
# imported inside the functions, so importing this module never imports the issues domain.

CREATE_FIELDS = ("sprint", "fix_versions", "affects_versions", "components")

SELECT_PARENT_OPEN_SPRINT = """
SELECT s.id, s.name FROM issue_sprints x JOIN sprints s ON s.id = x.sprint_id
WHERE x.issue_id = %(parent_id)s AND s.state <> 'closed' ORDER BY s.id LIMIT 1
"""
SELECT_USER = "SELECT id, username, display_name FROM users WHERE id = %(id)s"


def split_create_fields(fields: MutableMapping[str, Any]) -> dict[str, Any]:
    """Remove the agile fields from issue create data and return them."""
    return {f: fields.pop(f) for f in CREATE_FIELDS if f in fields}


async def _open_sprint(conn: Conn, ref: Any) -> DictRow:
    from tracker.agile.sprints import SELECT_SPRINT

    if isinstance(ref, bool) or not isinstance(ref, int | str) or not str(ref).isdigit():
        raise ValidationError("Invalid sprint", errors={"sprint": "a sprint id"})
    row = await fetch_one(conn, SELECT_SPRINT, {"id": int(ref)}) if 0 < int(ref) < 2**63 else None
    if row is None:
        raise ValidationError("Unknown sprint", errors={"sprint": f"sprint {ref} does not exist"})
    if row["state"] == "closed":
        raise ValidationError("Issues cannot be added to a closed sprint", errors={"sprint": f"sprint {ref} is closed"})
    return row


async def before_create(
    conn: Conn,
    actor: Actor,
    project: Mapping[str, Any],
    values: MutableMapping[str, Any],
    agile: Mapping[str, Any],
    *,
    issue_type: Mapping[str, Any] | None = None,
) -> None:
    """Check a new issue's hierarchy and agile fields; apply its components' default assignee.

    `issue_type` is the row of the new issue's type when the caller has it (saves a lookup).
    """
    from tracker.agile.components import resolve_components
    from tracker.agile.hierarchy import check_issue_hierarchy
    from tracker.agile.versions import resolve_versions

    await check_issue_hierarchy(
        conn,
        project_id=project["id"],
        issue_type_id=values["issue_type_id"],
        parent_id=values.get("parent_id"),
        issue_type=issue_type,
    )
    if agile.get("sprint") is not None:
        if values.get("type_subtask"):
            raise ValidationError("Sub-tasks follow their parent's sprint", errors={"sprint": "not for sub-tasks"})
        await _open_sprint(conn, agile["sprint"])
    for kind in ("fix_versions", "affects_versions"):
        if agile.get(kind) is not None:
            await resolve_versions(conn, project["id"], project["key"], agile[kind], kind)
    components = await resolve_components(conn, project["id"], project["key"], agile.get("components") or [])
    if "assignee_id" not in values:
        default = next((c["default_assignee_id"] for c in components if c["default_assignee_id"]), None)
        user = None if default is None else await fetch_one(conn, SELECT_USER, {"id": default})
        if user is not None:
            values.update(
                assignee_id=user["id"], assignee_username=user["username"], assignee_display_name=user["display_name"]
            )


async def after_insert(conn: Conn, actor: Actor, row: DictRow, agile: Mapping[str, Any]) -> list[Change]:
    """Write a new issue's sprint, versions and components; return their history items (part of the creation)."""
    from tracker.agile.components import component_changes
    from tracker.agile.sprints import INSERT_MEMBERSHIP, sprint_change
    from tracker.agile.versions import version_changes

    changes: list[Change] = []
    sprint: Mapping[str, Any] | None = None
    if agile.get("sprint") is not None:
        sprint = await _open_sprint(conn, agile["sprint"])
    elif row["type_subtask"] and row["parent_id"] is not None:
        sprint = await fetch_one(conn, SELECT_PARENT_OPEN_SPRINT, {"parent_id": row["parent_id"]})
    if sprint is not None:
        await conn.execute(INSERT_MEMBERSHIP, {"issue_id": row["id"], "sprint_id": sprint["id"]})
        changes.append(sprint_change(set(), {sprint["id"]}, {sprint["id"]: sprint["name"]}))
    changes += await version_changes(
        conn, row, {k: agile[k] for k in ("fix_versions", "affects_versions") if agile.get(k) is not None}
    )
    if agile.get("components"):
        changes += await component_changes(conn, row, agile["components"])
    return changes


async def before_update(conn: Conn, issue: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Check the hierarchy when an update changes an issue's type or parent."""
    from tracker.agile.hierarchy import check_issue_hierarchy

    if "issue_type_id" not in values and "parent_id" not in values:
        return
    await check_issue_hierarchy(
        conn,
        project_id=issue["project_id"],
        issue_type_id=values.get("issue_type_id", issue["issue_type_id"]),
        parent_id=values.get("parent_id", issue["parent_id"]),
        issue_id=issue["id"],
    )
