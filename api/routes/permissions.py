"""Permissions, permission schemes and project roles under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.schemas.permissions import (
    Grant,
    PermissionSchemeCreate,
    PermissionSchemeUpdate,
    ProjectPermissionScheme,
    RoleCreate,
    RoleMembers,
)
from tracker.db import Conn
from tracker.permissions import DESCRIPTIONS, GlobalPermission, Grantee, Permission, my_permissions
from tracker.projects import permission_schemes as schemes
from tracker.projects import roles
from tracker.projects.actions import get_project

router = APIRouter(prefix="/api/v1", tags=["permissions"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/permissions", summary="Every permission and grantee type")
async def list_permissions(actor: CurrentActor) -> Response:
    return Json(
        {
            "project": [{"key": p.value, "description": DESCRIPTIONS[p]} for p in Permission],
            "global": [{"key": p.value} for p in GlobalPermission],
            "grantees": [g.value for g in Grantee],
        }
    )


@router.get("/mypermissions", summary="The caller's permissions (in a project, and global)")
async def mine(conn: DB, actor: CurrentActor, project: Annotated[str | None, Query()] = None) -> Response:
    body: dict[str, object] = {"global": [GlobalPermission.ADMINISTER.value] if actor.is_admin else []}
    if project is not None:
        row = await get_project(conn, actor, project)
        grants = await my_permissions(conn, actor, row["id"])
        body["project"] = project
        body["permissions"] = [p.value for p in grants.held()]
        body["on_own_issues"] = sorted(grants.as_reporter)
        body["on_assigned_issues"] = sorted(grants.as_assignee)
    return Json(body)


@router.get("/permissionschemes", summary="Every permission scheme (administrators)")
async def list_schemes(conn: DB, actor: CurrentActor) -> Response:
    return Json(
        [
            {"id": r["id"], "name": r["name"], "description": r["description"], "projects": list(r["projects"])}
            for r in await schemes.list_schemes(conn, actor)
        ]
    )


@router.post("/permissionschemes", status_code=201, summary="Create a permission scheme")
async def create_scheme(body: PermissionSchemeCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        view = await schemes.do_create_scheme(conn, write.actor, body.model_dump(exclude_unset=True))
        return Json(view, status_code=201, headers={"Location": f"/api/v1/permissionschemes/{view['id']}"})

    return await write(work)


@router.get("/permissionschemes/{scheme_id}", summary="A permission scheme with its grants")
async def get_scheme(scheme_id: Id, conn: DB, actor: CurrentActor) -> Response:
    return Json(await schemes.get_scheme(conn, actor, scheme_id))


@router.patch("/permissionschemes/{scheme_id}", summary="Rename a scheme or replace its grants")
async def update_scheme(scheme_id: Id, body: PermissionSchemeUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await schemes.do_update_scheme(conn, write.actor, scheme_id, body.model_dump(exclude_unset=True)))

    return await write(work)


@router.delete("/permissionschemes/{scheme_id}", status_code=204, summary="Delete a scheme no project uses")
async def delete_scheme(scheme_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await schemes.do_delete_scheme(conn, write.actor, scheme_id)
        return Response(status_code=204)

    return await write(work)


@router.post("/permissionschemes/{scheme_id}/grants", status_code=201, summary="Add a grant")
async def add_grant(scheme_id: Id, body: Grant, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await schemes.do_add_grant(conn, write.actor, scheme_id, body.model_dump()), status_code=201)

    return await write(work)


@router.delete("/permissionschemes/{scheme_id}/grants/{grant_id}", status_code=204, summary="Remove a grant")
async def remove_grant(scheme_id: Id, grant_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await schemes.do_remove_grant(conn, write.actor, scheme_id, grant_id)
        return Response(status_code=204)

    return await write(work)


@router.put("/projects/{key}/permissionscheme", summary="Make a project use a permission scheme")
async def set_project_scheme(key: str, body: ProjectPermissionScheme, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await schemes.do_set_project_scheme(conn, write.actor, key, body.scheme))

    return await write(work)


@router.get("/roles", summary="Every project role")
async def list_roles(conn: DB, actor: CurrentActor) -> Response:
    return Json([dict(r) for r in await roles.list_roles(conn)])


@router.post("/roles", status_code=201, summary="Create a project role (administrators)")
async def create_role(body: RoleCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(dict(await roles.do_create_role(conn, write.actor, body.name, body.description)), status_code=201)

    return await write(work)


@router.delete("/roles/{role}", status_code=204, summary="Delete a project role no scheme grants to")
async def delete_role(role: str, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await roles.do_delete_role(conn, write.actor, role)
        return Response(status_code=204)

    return await write(work)


@router.get("/projects/{key}/roles", summary="The roles of a project with their members")
async def project_roles(key: str, conn: DB, actor: CurrentActor) -> Response:
    return Json(await roles.project_roles(conn, actor, key))


@router.get("/projects/{key}/roles/{role}", summary="One role of a project with its members")
async def project_role(key: str, role: str, conn: DB, actor: CurrentActor) -> Response:
    return Json(await roles.project_role(conn, actor, key, role))


@router.post("/projects/{key}/roles/{role}/members", summary="Add users and groups to a role (project admins)")
async def add_role_members(key: str, role: str, body: RoleMembers, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await roles.do_add_role_members(conn, write.actor, key, role, body.users, body.groups))

    return await write(work)


@router.delete("/projects/{key}/roles/{role}/members", status_code=204, summary="Remove a user or group from a role")
async def remove_role_member(
    key: str,
    role: str,
    write: Write,
    user: Annotated[str | None, Query()] = None,
    group: Annotated[str | None, Query()] = None,
) -> Response:
    async def work(conn: Conn) -> Response:
        await roles.do_remove_role_member(conn, write.actor, key, role, user=user, group=group)
        return Response(status_code=204)

    return await write(work)
