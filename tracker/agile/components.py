"""Components of a project (with a lead and a default assignee), and the components of issues.

Each added or removed component of an issue is its own 'Component' history item (value the id, string the name).
Writing components needs ADMINISTER_PROJECTS; setting them on an issue needs EDIT_ISSUES. A new issue created
without an assignee gets the default assignee of its first component that has one (tracker/agile/hooks.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.actions import resolve_users
from tracker.accounts.models import Actor
from tracker.agile.cache import meta_scope
from tracker.agile.common import (
    load_project_item,
    lock_issue,
    now,
    record_issue_change,
    record_item_event,
)
from tracker.agile.versions import item_changes
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import AlreadyExists, ValidationError
from tracker.events import Change
from tracker.issues.actions import check_version, load_issue
from tracker.permissions import Permission, user_may
from tracker.projects.actions import get_project

COMPONENT_FIELD = "Component"

COMPONENT_SELECT = """
SELECT c.*, p.key AS project_key,
       l.username AS lead_username, l.display_name AS lead_display_name,
       d.username AS default_assignee_username, d.display_name AS default_assignee_display_name
FROM components c JOIN projects p ON p.id = c.project_id
LEFT JOIN users l ON l.id = c.lead_id
LEFT JOIN users d ON d.id = c.default_assignee_id
"""
SELECT_COMPONENT = COMPONENT_SELECT + " WHERE c.id = %(id)s"
SELECT_PROJECT_COMPONENTS = COMPONENT_SELECT + " WHERE c.project_id = %(project_id)s ORDER BY lower(c.name), c.id"
SELECT_NAME_TAKEN = """
SELECT 1 FROM components WHERE project_id = %(project_id)s AND lower(name) = lower(%(name)s) AND id <> %(id)s
"""
INSERT_COMPONENT = """
INSERT INTO components (project_id, name, description, lead_id, default_assignee_id, created_at, updated_at)
VALUES (%(project_id)s, %(name)s, %(description)s, %(lead_id)s, %(default_assignee_id)s, %(now)s, %(now)s)
RETURNING id
"""
UPDATE_COMPONENT = """
UPDATE components SET name = %(name)s, description = %(description)s, lead_id = %(lead_id)s,
                      default_assignee_id = %(default_assignee_id)s, updated_at = %(now)s
WHERE id = %(id)s
"""
DELETE_COMPONENT = "DELETE FROM components WHERE id = %(id)s"
SELECT_COMPONENT_ISSUES = "SELECT issue_id FROM issue_components WHERE component_id = %(id)s ORDER BY issue_id"
SELECT_ISSUE_COMPONENTS = """
SELECT c.id, c.name FROM issue_components x JOIN components c ON c.id = x.component_id
WHERE x.issue_id = %(issue_id)s ORDER BY lower(c.name), c.id
"""
DELETE_ISSUE_COMPONENTS = (
    "DELETE FROM issue_components WHERE issue_id = %(issue_id)s AND component_id = ANY(%(ids)s::bigint[])"
)
INSERT_ISSUE_COMPONENT = """
INSERT INTO issue_components (issue_id, component_id) VALUES (%(issue_id)s, %(id)s) ON CONFLICT DO NOTHING
"""
LOCK_ISSUE = "SELECT id FROM issues WHERE id = %(id)s FOR UPDATE"


def component_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a component."""

    def user(prefix: str) -> dict[str, Any] | None:
        if row[f"{prefix}_id"] is None:
            return None
        return {"username": row[f"{prefix}_username"], "display_name": row[f"{prefix}_display_name"]}

    return {
        "id": row["id"],
        "project": row["project_key"],
        "name": row["name"],
        "description": row["description"],
        "lead": user("lead"),
        "default_assignee": user("default_assignee"),
    }


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Name is required", errors={"name": "is required"})
    if len(value.strip()) > 255:
        raise ValidationError("Name is too long", errors={"name": "at most 255 characters"})
    return value.strip()


async def _people(conn: Conn, project_id: int, data: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """lead_id / default_assignee_id from user names (None clears); the default assignee must be assignable."""
    out = {"lead_id": current.get("lead_id"), "default_assignee_id": current.get("default_assignee_id")}
    names = {f: data[f] for f in ("lead", "default_assignee") if data.get(f) is not None}
    for field, user in (await resolve_users(conn, names)).items():
        if not user["active"]:
            raise ValidationError("Inactive user", errors={field: f"User '{user['username']}' is inactive"})
        if field == "default_assignee" and not await user_may(conn, user["id"], project_id, Permission.ASSIGNABLE_USER):
            raise ValidationError(
                "The default assignee must be assignable in the project",
                errors={field: f"User '{user['username']}' cannot be assigned issues here"},
            )
        out[f"{field}_id"] = user["id"]
    for field in ("lead", "default_assignee"):
        if field in data and data[field] is None:
            out[f"{field}_id"] = None
    return out


async def list_components(conn: Conn, actor: Actor, project_key: str) -> list[DictRow]:
    """A project's components by name."""
    project = await get_project(conn, actor, project_key)
    return await fetch_all(conn, SELECT_PROJECT_COMPONENTS, {"project_id": project["id"]})


async def get_component(
    conn: Conn, actor: Actor, component_id: int, need: Permission = Permission.BROWSE_PROJECTS
) -> DictRow:
    """A component of a project the actor may see, checked for `need` there."""
    return await load_project_item(conn, actor, SELECT_COMPONENT, component_id, "Component", need)


async def _changed(conn: Conn, actor: Actor, event_type: str, component_id: int, at: datetime) -> DictRow:
    return await record_item_event(
        conn,
        actor,
        event_type,
        select=SELECT_COMPONENT,
        item_id=component_id,
        scope=lambda row: meta_scope(row["project_id"]),
        view=component_view,
        at=at,
    )


async def do_create_component(
    conn: Conn,
    actor: Actor,
    project_key: str,
    *,
    name: str,
    description: str | None = None,
    lead: str | None = None,
    default_assignee: str | None = None,
    at: datetime | None = None,
) -> DictRow:
    """Add a component to a project."""
    when = at or now()
    project = await get_project(conn, actor, project_key, Permission.ADMINISTER_PROJECTS)
    params = {
        "id": 0,
        "project_id": project["id"],
        "name": _name(name),
        "description": description or "",
        "now": when,
        **await _people(conn, project["id"], {"lead": lead, "default_assignee": default_assignee}, {}),
    }
    if await fetch_one(conn, SELECT_NAME_TAKEN, params):
        raise AlreadyExists(
            f"Project {project['key']} already has a component '{params['name']}'", errors={"name": "taken"}
        )
    component_id = await fetch_val(conn, INSERT_COMPONENT, params)
    return await _changed(conn, actor, "component.created", component_id, when)


async def do_update_component(
    conn: Conn, actor: Actor, component_id: int, changes: Mapping[str, Any], *, at: datetime | None = None
) -> DictRow:
    """Rename or describe a component, or change its lead or default assignee (null clears them)."""
    when = at or now()
    row = await get_component(conn, actor, component_id, Permission.ADMINISTER_PROJECTS)
    params = {
        "id": row["id"],
        "project_id": row["project_id"],
        "name": _name(changes["name"]) if "name" in changes else row["name"],
        "description": (changes.get("description") or "") if "description" in changes else row["description"],
        "now": when,
        **await _people(conn, row["project_id"], changes, row),
    }
    if await fetch_one(conn, SELECT_NAME_TAKEN, params):
        raise AlreadyExists(f"The project already has a component '{params['name']}'", errors={"name": "taken"})
    await conn.execute(UPDATE_COMPONENT, params)
    return await _changed(conn, actor, "component.updated", row["id"], when)


async def do_delete_component(conn: Conn, actor: Actor, component_id: int, *, at: datetime | None = None) -> None:
    """Delete a component; every issue that had it records the removal."""
    when = at or now()
    row = await get_component(conn, actor, component_id, Permission.ADMINISTER_PROJECTS)
    for r in await fetch_all(conn, SELECT_COMPONENT_ISSUES, {"id": row["id"]}):
        await conn.execute(LOCK_ISSUE, {"id": r["issue_id"]})
        issue = await load_issue(conn, r["issue_id"])
        await conn.execute(DELETE_ISSUE_COMPONENTS, {"issue_id": issue["id"], "ids": [row["id"]]})
        change = Change.of(COMPONENT_FIELD, str(row["id"]), None, before_string=row["name"])
        await record_issue_change(conn, actor, issue, [change], at=when)
    await _changed(conn, actor, "component.deleted", row["id"], when)
    await conn.execute(DELETE_COMPONENT, {"id": row["id"]})


async def resolve_components(
    conn: Conn, project_id: int, project_key: str, refs: Sequence[Any], field: str = "components"
) -> list[DictRow]:
    """Components of a project by name or id, in the given order without repeats."""
    if not isinstance(refs, list | tuple) or len(refs) > 100:
        raise ValidationError("Invalid components", errors={field: "a list of at most 100 component names or ids"})
    if not refs:
        return []
    rows = await fetch_all(conn, SELECT_PROJECT_COMPONENTS, {"project_id": project_id})
    by_id = {str(r["id"]): r for r in rows}
    by_name = {r["name"].lower(): r for r in rows}
    out: list[DictRow] = []
    for ref in refs:
        row = by_id.get(str(ref)) or by_name.get(str(ref).strip().lower())
        if row is None:
            raise ValidationError("Unknown component", errors={field: f"'{ref}' is not a component of {project_key}"})
        if row not in out:
            out.append(row)
    return out


async def issue_components(conn: Conn, issue_id: int) -> list[DictRow]:
    """Components of an issue by name."""
    return await fetch_all(conn, SELECT_ISSUE_COMPONENTS, {"issue_id": issue_id})


async def component_changes(conn: Conn, issue: Mapping[str, Any], refs: Sequence[Any]) -> list[Change]:
    """Set an issue's components (the whole list) and return the history items."""
    current = {c["id"]: c["name"] for c in await issue_components(conn, issue["id"])}
    after = {
        c["id"]: c["name"] for c in await resolve_components(conn, issue["project_id"], issue["project_key"], refs)
    }
    removed = sorted(set(current) - set(after))
    if removed:
        await conn.execute(DELETE_ISSUE_COMPONENTS, {"issue_id": issue["id"], "ids": removed})
    for component_id in sorted(set(after) - set(current)):
        await conn.execute(INSERT_ISSUE_COMPONENT, {"issue_id": issue["id"], "id": component_id})
    return item_changes(COMPONENT_FIELD, current, after)


async def do_set_issue_components(
    conn: Conn,
    actor: Actor,
    ref: str | int,
    components: Sequence[Any],
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> DictRow:
    """Replace an issue's components."""
    when = at or now()
    issue = await lock_issue(conn, actor, ref, Permission.EDIT_ISSUES)
    check_version(issue, expected_version)
    changes = await component_changes(conn, issue, components)
    if not changes:
        return issue
    return await record_issue_change(conn, actor, issue, changes, at=when)
