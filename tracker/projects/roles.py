"""Project roles (Administrators, Developers, Users, ...) and their members in each project."""

from __future__ import annotations

from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import AlreadyExists, Conflict, NotFound, ValidationError
from tracker.permissions import Permission, require_global_permission
from tracker.projects.actions import get_project

SELECT_ROLES = "SELECT id, name, description FROM project_roles ORDER BY id"
SELECT_ROLE = """
SELECT id, name, description FROM project_roles WHERE lower(name) = lower(%(ref)s) OR id::text = %(ref)s
"""
INSERT_ROLE = """
INSERT INTO project_roles (name, description) VALUES (%(name)s, %(description)s) ON CONFLICT DO NOTHING
RETURNING id, name, description
"""
ROLE_IN_USE = "SELECT EXISTS (SELECT 1 FROM permission_grants WHERE role_id = %(id)s)"
DELETE_ROLE = "DELETE FROM project_roles WHERE id = %(id)s"
SELECT_ACTORS = """
SELECT a.id, a.role_id, u.username, u.display_name, g.name AS group_name
FROM project_role_actors a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN groups g ON g.id = a.group_id
WHERE a.project_id = %(project_id)s ORDER BY a.role_id, u.username NULLS LAST, g.name
"""
INSERT_USER_ACTOR = """
INSERT INTO project_role_actors (project_id, role_id, user_id)
SELECT %(project_id)s, %(role_id)s, id FROM users WHERE username = ANY(%(names)s) ON CONFLICT DO NOTHING
"""
INSERT_GROUP_ACTOR = """
INSERT INTO project_role_actors (project_id, role_id, group_id)
SELECT %(project_id)s, %(role_id)s, id FROM groups WHERE name = ANY(%(names)s) ON CONFLICT DO NOTHING
"""
DELETE_USER_ACTOR = """
DELETE FROM project_role_actors a USING users u
WHERE a.project_id = %(project_id)s AND a.role_id = %(role_id)s AND a.user_id = u.id AND u.username = %(name)s
RETURNING a.id
"""
DELETE_GROUP_ACTOR = """
DELETE FROM project_role_actors a USING groups g
WHERE a.project_id = %(project_id)s AND a.role_id = %(role_id)s AND a.group_id = g.id AND g.name = %(name)s
RETURNING a.id
"""
EXISTING_USERS = "SELECT username FROM users WHERE username = ANY(%(names)s)"
EXISTING_GROUPS = "SELECT name FROM groups WHERE name = ANY(%(names)s)"


async def list_roles(conn: Conn) -> list[DictRow]:
    """Every project role."""
    return await fetch_all(conn, SELECT_ROLES)


async def get_role(conn: Conn, ref: str | int) -> DictRow:
    """A role by name or id."""
    row = await fetch_one(conn, SELECT_ROLE, {"ref": str(ref)})
    if row is None:
        raise NotFound(f"Project role '{ref}' does not exist")
    return row


async def do_create_role(conn: Conn, actor: Actor, name: str, description: str = "") -> DictRow:
    """Add a project role (system administrators)."""
    require_global_permission(actor)
    if not name.strip() or len(name) > 255:
        raise ValidationError("Invalid role name", errors={"name": "1-255 characters"})
    row = await fetch_one(conn, INSERT_ROLE, {"name": name.strip(), "description": description})
    if row is None:
        raise AlreadyExists(f"A role called '{name}' exists", errors={"name": "already taken"})
    return row


async def do_delete_role(conn: Conn, actor: Actor, ref: str | int) -> None:
    """Delete a project role no permission scheme grants anything to."""
    require_global_permission(actor)
    role = await get_role(conn, ref)
    if await fetch_val(conn, ROLE_IN_USE, {"id": role["id"]}):
        raise Conflict(f"Permission schemes grant to the role '{role['name']}'; remove those grants first")
    await conn.execute(DELETE_ROLE, {"id": role["id"]})


def _members(rows: list[DictRow], role_id: int) -> dict[str, Any]:
    mine = [r for r in rows if r["role_id"] == role_id]
    return {
        "users": [{"username": r["username"], "display_name": r["display_name"]} for r in mine if r["username"]],
        "groups": [{"name": r["group_name"]} for r in mine if r["group_name"]],
    }


async def project_roles(conn: Conn, actor: Actor, key: str) -> list[dict[str, Any]]:
    """Every role with its members in a project the actor may browse."""
    project = await get_project(conn, actor, key)
    rows = await fetch_all(conn, SELECT_ACTORS, {"project_id": project["id"]})
    return [
        {"id": r["id"], "name": r["name"], "description": r["description"]} | _members(rows, r["id"])
        for r in await list_roles(conn)
    ]


async def project_role(conn: Conn, actor: Actor, key: str, role_ref: str | int) -> dict[str, Any]:
    """One role with its members in a project the actor may browse."""
    project = await get_project(conn, actor, key)
    role = await get_role(conn, role_ref)
    rows = await fetch_all(conn, SELECT_ACTORS, {"project_id": project["id"]})
    return {"id": role["id"], "name": role["name"], "description": role["description"]} | _members(rows, role["id"])


async def do_add_role_members(
    conn: Conn, actor: Actor, key: str, role_ref: str | int, users: list[str], groups: list[str]
) -> dict[str, Any]:
    """Add users and groups to a role in a project (project administrators)."""
    project = await get_project(conn, actor, key, Permission.ADMINISTER_PROJECTS)
    role = await get_role(conn, role_ref)
    if not users and not groups:
        raise ValidationError("Nobody to add", errors={"users": "give users and/or groups"})
    found_users = {r["username"] for r in await fetch_all(conn, EXISTING_USERS, {"names": users})}
    found_groups = {r["name"] for r in await fetch_all(conn, EXISTING_GROUPS, {"names": groups})}
    errors = {}
    if set(users) - found_users:
        errors["users"] = f"unknown users: {', '.join(sorted(set(users) - found_users))}"
    if set(groups) - found_groups:
        errors["groups"] = f"unknown groups: {', '.join(sorted(set(groups) - found_groups))}"
    if errors:
        raise ValidationError("Unknown role members", errors=errors)
    params = {"project_id": project["id"], "role_id": role["id"]}
    if users:
        await conn.execute(INSERT_USER_ACTOR, params | {"names": users})
    if groups:
        await conn.execute(INSERT_GROUP_ACTOR, params | {"names": groups})
    return await project_role(conn, actor, key, role["id"])


async def do_remove_role_member(
    conn: Conn, actor: Actor, key: str, role_ref: str | int, *, user: str | None = None, group: str | None = None
) -> None:
    """Remove a user or a group from a role in a project (project administrators)."""
    project = await get_project(conn, actor, key, Permission.ADMINISTER_PROJECTS)
    role = await get_role(conn, role_ref)
    if (user is None) == (group is None):
        raise ValidationError("Name one member", errors={"user": "give either user or group"})
    params = {"project_id": project["id"], "role_id": role["id"], "name": user or group}
    removed = await fetch_one(conn, DELETE_USER_ACTOR if user else DELETE_GROUP_ACTOR, params)
    if removed is None:
        raise NotFound(f"'{user or group}' is not a member of {role['name']} in {key}")
