"""Permissions: one load-and-authorize path for every action and read.

Until permission schemes land, the built-in policy is Jira's default scheme: every logged-in user may
browse and work on issues; project administration belongs to the project lead and system administrators.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from tracker.accounts.models import Actor
from tracker.db import Conn
from tracker.errors import Forbidden, NotFound


class Permission(enum.StrEnum):
    BROWSE_PROJECTS = "BROWSE_PROJECTS"
    CREATE_ISSUES = "CREATE_ISSUES"
    EDIT_ISSUES = "EDIT_ISSUES"
    DELETE_ISSUES = "DELETE_ISSUES"
    ASSIGN_ISSUES = "ASSIGN_ISSUES"
    ASSIGNABLE_USER = "ASSIGNABLE_USER"
    TRANSITION_ISSUES = "TRANSITION_ISSUES"
    RESOLVE_ISSUES = "RESOLVE_ISSUES"
    CLOSE_ISSUES = "CLOSE_ISSUES"
    ADD_COMMENTS = "ADD_COMMENTS"
    EDIT_OWN_COMMENTS = "EDIT_OWN_COMMENTS"
    EDIT_ALL_COMMENTS = "EDIT_ALL_COMMENTS"
    DELETE_OWN_COMMENTS = "DELETE_OWN_COMMENTS"
    DELETE_ALL_COMMENTS = "DELETE_ALL_COMMENTS"
    LINK_ISSUES = "LINK_ISSUES"
    MANAGE_SPRINTS = "MANAGE_SPRINTS"
    ADMINISTER_PROJECTS = "ADMINISTER_PROJECTS"


_LEAD_ONLY = {Permission.ADMINISTER_PROJECTS, Permission.EDIT_ALL_COMMENTS, Permission.DELETE_ALL_COMMENTS}


async def has_project_permission(conn: Conn, actor: Actor, project: Mapping[str, Any], permission: Permission) -> bool:
    """Whether the actor holds `permission` in the project."""
    if actor.is_admin:
        return True
    if permission in _LEAD_ONLY:
        return bool(project.get("lead_username") == actor.username)
    return True


async def require_project_permission(
    conn: Conn, actor: Actor, project: Mapping[str, Any], permission: Permission
) -> None:
    """Raise NotFound when the actor may not browse the project, Forbidden when it lacks `permission`."""
    if not await has_project_permission(conn, actor, project, Permission.BROWSE_PROJECTS):
        raise NotFound(f"No project could be found with key '{project['key']}'.")
    if permission is not Permission.BROWSE_PROJECTS and not await has_project_permission(
        conn, actor, project, permission
    ):
        raise Forbidden(f"You do not have the permission {permission.value} in project {project['key']}")


async def browsable_project_ids(conn: Conn, actor: Actor) -> set[int] | None:
    """Ids of projects the actor may browse; None means every project."""
    return None
