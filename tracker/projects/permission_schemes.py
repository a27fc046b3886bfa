"""Permission schemes: named sets of grants (permission, grantee), and which scheme a project uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import AlreadyExists, Conflict, NotFound, ValidationError
from tracker.permissions import Grantee, Permission, require_global_permission

SELECT_SCHEMES = """
SELECT s.id, s.name, s.description,
       (SELECT coalesce(array_agg(p.key ORDER BY p.key), '{}') FROM projects p WHERE p.permission_scheme_id = s.id)
           AS projects
FROM permission_schemes s
"""
SELECT_GRANTS = """
SELECT g.id, g.permission, g.grantee_type, u.username, g.group_id, gr.name AS group_name, g.role_id,
       r.name AS role_name
FROM permission_grants g
LEFT JOIN users u ON u.id = g.user_id LEFT JOIN groups gr ON gr.id = g.group_id
LEFT JOIN project_roles r ON r.id = g.role_id
WHERE g.scheme_id = %(id)s ORDER BY g.permission, g.grantee_type, g.id
"""
INSERT_SCHEME = """
INSERT INTO permission_schemes (name, description) VALUES (%(name)s, %(description)s) ON CONFLICT DO NOTHING
RETURNING id
"""
UPDATE_SCHEME = """
UPDATE permission_schemes SET name = coalesce(%(name)s, name), description = coalesce(%(description)s, description)
WHERE id = %(id)s
"""
NAME_TAKEN = "SELECT id FROM permission_schemes WHERE lower(name) = lower(%(name)s) AND id <> %(id)s"
DELETE_SCHEME = "DELETE FROM permission_schemes WHERE id = %(id)s"
SCHEME_USED = "SELECT EXISTS (SELECT 1 FROM projects WHERE permission_scheme_id = %(id)s)"
INSERT_GRANT = """
INSERT INTO permission_grants (scheme_id, permission, grantee_type, user_id, group_id, role_id)
VALUES (%(scheme_id)s, %(permission)s, %(grantee_type)s, %(user_id)s, %(group_id)s, %(role_id)s)
ON CONFLICT DO NOTHING RETURNING id
"""
DELETE_GRANT = "DELETE FROM permission_grants WHERE id = %(grant_id)s AND scheme_id = %(id)s RETURNING id"
DELETE_GRANTS = "DELETE FROM permission_grants WHERE scheme_id = %(id)s"
COPY_GRANTS = """
INSERT INTO permission_grants (scheme_id, permission, grantee_type, user_id, group_id, role_id)
SELECT %(id)s, permission, grantee_type, user_id, group_id, role_id FROM permission_grants WHERE scheme_id = %(source)s
"""
SET_PROJECT_SCHEME = "UPDATE projects SET permission_scheme_id = %(scheme_id)s WHERE key = %(key)s RETURNING id"


def grant_view(row: Mapping[str, Any]) -> dict[str, Any]:
    grantee: dict[str, Any] = {"type": row["grantee_type"]}
    if row["grantee_type"] == Grantee.USER:
        grantee["user"] = row["username"]
    elif row["grantee_type"] == Grantee.GROUP:
        grantee["group"] = row["group_name"]
    elif row["grantee_type"] == Grantee.PROJECT_ROLE:
        grantee["role"] = {"id": row["role_id"], "name": row["role_name"]}
    return {"id": row["id"], "permission": row["permission"], "grantee": grantee}


async def _scheme_row(conn: Conn, scheme_id: int) -> DictRow:
    row = await fetch_one(conn, SELECT_SCHEMES + " WHERE s.id = %(id)s", {"id": scheme_id})
    if row is None:
        raise NotFound(f"Permission scheme {scheme_id} does not exist")
    return row


async def scheme_view(conn: Conn, scheme_id: int) -> dict[str, Any]:
    """A scheme with its grants and the projects using it."""
    row = await _scheme_row(conn, scheme_id)
    grants = await fetch_all(conn, SELECT_GRANTS, {"id": scheme_id})
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "projects": list(row["projects"]),
        "grants": [grant_view(g) for g in grants],
    }


async def list_schemes(conn: Conn, actor: Actor) -> list[DictRow]:
    """Every permission scheme (system administrators)."""
    require_global_permission(actor)
    return await fetch_all(conn, SELECT_SCHEMES + " ORDER BY s.id")


async def get_scheme(conn: Conn, actor: Actor, scheme_id: int) -> dict[str, Any]:
    """One scheme with its grants (system administrators)."""
    require_global_permission(actor)
    return await scheme_view(conn, scheme_id)


async def _grant_params(conn: Conn, scheme_id: int, raw: Any, path: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or set(raw) - {"permission", "grantee"}:
        raise ValidationError("Invalid grant", errors={path: '{"permission": ..., "grantee": {...}}'})
    permission = raw.get("permission")
    if permission not in set(Permission):
        raise ValidationError(
            "Unknown permission",
            errors={f"{path}.permission": f"'{permission}' is not one of {', '.join(p.value for p in Permission)}"},
        )
    grantee = raw.get("grantee")
    if isinstance(grantee, str):
        grantee = {"type": grantee}
    if not isinstance(grantee, Mapping) or grantee.get("type") not in set(Grantee):
        raise ValidationError(
            "Unknown grantee",
            errors={f"{path}.grantee": f"a type among {', '.join(g.value for g in Grantee)}"},
        )
    kind = Grantee(grantee["type"])
    params: dict[str, Any] = {
        "scheme_id": scheme_id,
        "permission": permission,
        "grantee_type": kind.value,
        "user_id": None,
        "group_id": None,
        "role_id": None,
    }
    needs = {Grantee.USER: "user", Grantee.GROUP: "group", Grantee.PROJECT_ROLE: "role"}.get(kind)
    extra = set(grantee) - {"type"} - ({needs} if needs else set())
    if extra:
        raise ValidationError("Invalid grantee", errors={f"{path}.grantee": f"unexpected: {', '.join(sorted(extra))}"})
    if needs is None:
        return params
    ref = grantee.get(needs)
    if ref is None:
        raise ValidationError(
            "Invalid grantee", errors={f"{path}.grantee.{needs}": f"a {kind.value} grant names a {needs}"}
        )
    if kind is Grantee.USER:
        params["user_id"] = await fetch_val(conn, "SELECT id FROM users WHERE username = %(n)s", {"n": str(ref)})
    elif kind is Grantee.GROUP:
        params["group_id"] = await fetch_val(conn, "SELECT id FROM groups WHERE name = %(n)s", {"n": str(ref)})
    else:
        params["role_id"] = await fetch_val(
            conn,
            "SELECT id FROM project_roles WHERE lower(name) = lower(%(n)s) OR id::text = %(n)s",
            {"n": str(ref if not isinstance(ref, Mapping) else ref.get("id", ref.get("name")))},
        )
    if params[f"{needs}_id"] is None:
        raise ValidationError(f"Unknown {needs}", errors={f"{path}.grantee.{needs}": f"'{ref}' does not exist"})
    return params


async def do_create_scheme(conn: Conn, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Create a scheme, empty, with the given grants, or as a copy of another (`copy_from`)."""
    require_global_permission(actor)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise ValidationError("Invalid name", errors={"name": "1-255 characters"})
    scheme_id = await fetch_val(
        conn, INSERT_SCHEME, {"name": name.strip(), "description": data.get("description") or ""}
    )
    if scheme_id is None:
        raise AlreadyExists(f"A permission scheme called '{name}' exists", errors={"name": "already taken"})
    if data.get("copy_from") is not None:
        await _scheme_row(conn, data["copy_from"])
        await conn.execute(COPY_GRANTS, {"id": scheme_id, "source": data["copy_from"]})
    for n, grant in enumerate(data.get("grants") or []):
        await conn.execute(INSERT_GRANT, await _grant_params(conn, scheme_id, grant, f"grants[{n}]"))
    return await scheme_view(conn, scheme_id)


async def do_update_scheme(conn: Conn, actor: Actor, scheme_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Rename or describe a scheme; with `grants`, replace all its grants."""
    require_global_permission(actor)
    await _scheme_row(conn, scheme_id)
    name = data.get("name")
    if name is not None:
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise ValidationError("Invalid name", errors={"name": "1-255 characters"})
        if await fetch_one(conn, NAME_TAKEN, {"name": name.strip(), "id": scheme_id}):
            raise AlreadyExists(f"A permission scheme called '{name}' exists", errors={"name": "already taken"})
        name = name.strip()
    await conn.execute(UPDATE_SCHEME, {"id": scheme_id, "name": name, "description": data.get("description")})
    if data.get("grants") is not None:
        params = [await _grant_params(conn, scheme_id, g, f"grants[{n}]") for n, g in enumerate(data["grants"])]
        await conn.execute(DELETE_GRANTS, {"id": scheme_id})
        for p in params:
            await conn.execute(INSERT_GRANT, p)
    return await scheme_view(conn, scheme_id)


async def do_delete_scheme(conn: Conn, actor: Actor, scheme_id: int) -> None:
    """Delete a scheme no project uses."""
    require_global_permission(actor)
    await _scheme_row(conn, scheme_id)
    if await fetch_val(conn, SCHEME_USED, {"id": scheme_id}):
        raise Conflict(f"Projects use permission scheme {scheme_id}; give them another scheme first")
    await conn.execute(DELETE_SCHEME, {"id": scheme_id})


async def do_add_grant(conn: Conn, actor: Actor, scheme_id: int, grant: Any) -> dict[str, Any]:
    """Add one grant (adding an existing grant is a no-op)."""
    require_global_permission(actor)
    await _scheme_row(conn, scheme_id)
    await conn.execute(INSERT_GRANT, await _grant_params(conn, scheme_id, grant, "grant"))
    return await scheme_view(conn, scheme_id)


async def do_remove_grant(conn: Conn, actor: Actor, scheme_id: int, grant_id: int) -> None:
    """Remove one grant."""
    require_global_permission(actor)
    await _scheme_row(conn, scheme_id)
    if await fetch_one(conn, DELETE_GRANT, {"id": scheme_id, "grant_id": grant_id}) is None:
        raise NotFound(f"Grant {grant_id} does not exist in permission scheme {scheme_id}")


async def do_set_project_scheme(conn: Conn, actor: Actor, key: str, scheme_id: int) -> dict[str, Any]:
    """Make a project use a permission scheme (system administrators)."""
    require_global_permission(actor)
    await _scheme_row(conn, scheme_id)
    if await fetch_one(conn, SET_PROJECT_SCHEME, {"scheme_id": scheme_id, "key": key}) is None:
        raise NotFound(f"No project could be found with key '{key}'.")
    return await scheme_view(conn, scheme_id)
