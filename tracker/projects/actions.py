"""Project operations."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.actions import get_user
from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import AlreadyExists, NotFound, ValidationError
from tracker.events import Event, record_event
from tracker.permissions import (
    Permission,
    ProjectGrants,
    require_global_permission,
    require_project_permission,
)
from tracker.projects import repository as sql

PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
DEFAULT_WORKFLOW_SCHEME_ID = 2  # the software workflow (migrations/0003)
DEFAULT_PERMISSION_SCHEME_ID = 1  # the default permission scheme (migrations/0002)


async def get_project(conn: Conn, actor: Actor, key: str, need: Permission = Permission.BROWSE_PROJECTS) -> DictRow:
    """Load a project by key and check the actor's permission; unknown and hidden are both NotFound.

    The row carries the actor's grants (`row["grants"]`), computed by the same query.
    """
    if actor.is_admin:
        row = await fetch_one(conn, sql.SELECT_PROJECT_BY_KEY, {"key": key})
    else:
        row = await fetch_one(conn, sql.SELECT_PROJECT_WITH_GRANTS, {"key": key, "actor_id": actor.id})
    return await authorize_project(conn, actor, key, row, need)


async def authorize_project(
    conn: Conn, actor: Actor, key: str, row: DictRow | None, need: Permission = Permission.BROWSE_PROJECTS
) -> DictRow:
    """Check `need` on a project row loaded with the actor's grants (see GRANTS_LATERAL); None is NotFound."""
    if row is None:
        raise NotFound(f"No project could be found with key '{key}'.")
    row["grants"] = ProjectGrants.from_row(actor, row, row["id"])
    await require_project_permission(conn, actor, row, need)
    return row


async def list_projects(conn: Conn, actor: Actor) -> list[DictRow]:
    """Projects the actor may browse (one query)."""
    if actor.is_admin:
        return await fetch_all(conn, sql.SELECT_PROJECTS)
    return await fetch_all(conn, sql.SELECT_VISIBLE_PROJECTS, {"actor_id": actor.id})


async def project_issue_types(conn: Conn, project_id: int) -> list[DictRow]:
    """Issue types enabled in a project."""
    return await fetch_all(conn, sql.SELECT_PROJECT_ISSUE_TYPES, {"project_id": project_id})


async def project_statuses(conn: Conn, project_id: int) -> list[DictRow]:
    """Statuses of every workflow the project's issues follow."""
    return await fetch_all(conn, sql.SELECT_PROJECT_STATUSES, {"project_id": project_id})


async def do_create_project(
    conn: Conn,
    actor: Actor,
    *,
    key: str,
    name: str,
    lead: str | None = None,
    description: str = "",
    issue_types: list[str] | None = None,
    workflow_scheme: int | None = None,
    permission_scheme: int | None = None,
) -> DictRow:
    """Create a project (system administrators only); it uses the software workflow unless told otherwise."""
    require_global_permission(actor)
    if not PROJECT_KEY.match(key):
        raise ValidationError(
            "Project keys are 2-10 uppercase letters or digits and start with a letter",
            errors={"key": f"'{key}' is not a valid project key"},
        )
    lead_row = await get_user(conn, lead or actor.username)
    all_types = {t["name"]: t["id"] for t in await fetch_all(conn, sql.SELECT_ISSUE_TYPES)}
    wanted = issue_types if issue_types is not None else list(all_types)
    unknown = [t for t in wanted if t not in all_types]
    if unknown or not wanted:
        raise ValidationError(
            "Unknown issue type",
            errors={"issue_types": f"unknown: {', '.join(unknown)}" if unknown else "at least one is required"},
        )
    workflow_scheme_id = workflow_scheme or DEFAULT_WORKFLOW_SCHEME_ID
    if not await fetch_val(conn, sql.SCHEME_EXISTS, {"id": workflow_scheme_id}):
        raise ValidationError(
            "Unknown workflow scheme", errors={"workflow_scheme": f"{workflow_scheme_id} does not exist"}
        )
    permission_scheme_id = permission_scheme or DEFAULT_PERMISSION_SCHEME_ID
    if not await fetch_val(conn, sql.PERMISSION_SCHEME_EXISTS, {"id": permission_scheme_id}):
        raise ValidationError(
            "Unknown permission scheme", errors={"permission_scheme": f"{permission_scheme_id} does not exist"}
        )
    project_id = await fetch_val(
        conn,
        sql.INSERT_PROJECT,
        {
            "key": key,
            "name": name,
            "description": description,
            "lead_id": lead_row["id"],
            "workflow_scheme_id": workflow_scheme_id,
            "permission_scheme_id": permission_scheme_id,
        },
    )
    if project_id is None:
        raise AlreadyExists(f"A project with key '{key}' already exists", errors={"key": "already taken"})
    await conn.execute(
        sql.INSERT_PROJECT_ISSUE_TYPES, {"project_id": project_id, "type_ids": [all_types[t] for t in wanted]}
    )
    row = await fetch_one(conn, sql.SELECT_PROJECT_BY_ID, {"id": project_id})
    assert row is not None
    return row


async def do_update_project(conn: Conn, actor: Actor, key: str, changes: dict[str, Any]) -> DictRow:
    """Rename, describe or change the lead of a project (project administrators)."""
    project = await get_project(conn, actor, key, Permission.ADMINISTER_PROJECTS)
    lead_id = (await get_user(conn, changes["lead"]))["id"] if changes.get("lead") else None
    await conn.execute(
        sql.UPDATE_PROJECT,
        {
            "id": project["id"],
            "name": changes.get("name"),
            "description": changes.get("description"),
            "lead_id": lead_id,
        },
    )
    row = await fetch_one(conn, sql.SELECT_PROJECT_BY_ID, {"id": project["id"]})
    assert row is not None
    changed = [f for f in ("name", "description", "lead_id") if row[f] != project[f]]
    if changed:
        # For webhooks, and for the search index, whose documents hold the project's name (ORDER BY project).
        event = Event.new(
            "project.updated",
            actor=actor,
            at=datetime.now(UTC),
            project_key=row["key"],
            data={"project": {"id": row["id"], "key": row["key"], "name": row["name"]}, "changes": changed},
        )
        await record_event(conn, event)
    return row


async def metadata(conn: Conn) -> dict[str, list[DictRow]]:
    """Global issue metadata: issue types, priorities, statuses, resolutions."""
    return {
        "issue_types": await fetch_all(conn, sql.SELECT_ISSUE_TYPES),
        "priorities": await fetch_all(conn, sql.SELECT_PRIORITIES),
        "statuses": await fetch_all(conn, sql.SELECT_STATUSES),
        "resolutions": await fetch_all(conn, sql.SELECT_RESOLUTIONS),
    }
