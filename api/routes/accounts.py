"""Users, groups and API tokens under /api/v1."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write, Writer, app_state
from api.responses import Json
from api.schemas.accounts import GroupCreate, GroupMember, TokenCreate, UserCreate, UserUpdate
from tracker.accounts import actions
from tracker.db import Conn

router = APIRouter(prefix="/api/v1", tags=["accounts"])
TokenId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def user_view(row: Any, *, full: bool = False) -> dict[str, Any]:
    view = {"username": row["username"], "display_name": row["display_name"], "active": row["active"]}
    if full:
        view |= {
            "id": row["id"],
            "email": row["email"],
            "is_admin": row["is_admin"],
            "created": row["created_at"].isoformat(),
        }
    return view


def forgetting_tokens(write: Writer, response: Response) -> Response:
    """`response`, once this process has forgotten the tokens it remembered (a change to a user or token has just
    committed; other processes hear of it from the database, tracker/accounts/cache.py)."""
    app_state(write.request).auth.forget()
    return response


def token_view(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "prefix": row["token_prefix"],
        "created": row["created_at"].isoformat(),
        "last_used": row["last_used_at"].isoformat() if row["last_used_at"] else None,
        "revoked": row["revoked_at"].isoformat() if row["revoked_at"] else None,
    }


@router.get("/myself", summary="The authenticated user")
async def myself(conn: DB, actor: CurrentActor) -> Response:
    return Json(user_view(await actions.get_user(conn, actor.username), full=True))


@router.get("/users", summary="Find users")
async def list_users(
    conn: DB,
    actor: CurrentActor,
    query: str | None = None,
    start_at: Annotated[int, Query(alias="startAt", ge=0)] = 0,
    max_results: Annotated[int, Query(alias="maxResults", ge=1, le=1000)] = 50,
) -> Response:
    rows = await actions.search_users(conn, query, max_results, start_at)
    return Json([user_view(r, full=actor.is_admin) for r in rows])


@router.post("/users", status_code=201, summary="Create a user (admins)")
async def create_user(body: UserCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await actions.do_create_user(conn, write.actor, **body.model_dump())
        return Json(
            user_view(row, full=True), status_code=201, headers={"Location": f"/api/v1/users/{row['username']}"}
        )

    return await write(work)


@router.get("/users/{username}", summary="One user")
async def get_user(username: str, conn: DB, actor: CurrentActor) -> Response:
    row = await actions.get_user(conn, username)
    return Json(user_view(row, full=actor.is_admin or actor.username == username))


@router.patch("/users/{username}", summary="Change a user (admins)")
async def update_user(username: str, body: UserUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await actions.do_update_user(conn, write.actor, username, body.model_dump(exclude_unset=True))
        return Json(user_view(row, full=True))

    return forgetting_tokens(write, await write(work))


@router.get("/users/{username}/tokens", summary="A user's API tokens (without secrets)")
async def list_tokens(username: str, conn: DB, actor: CurrentActor) -> Response:
    return Json([token_view(r) for r in await actions.list_tokens(conn, actor, username)])


@router.post("/users/{username}/tokens", status_code=201, summary="Create an API token; the secret is shown once")
async def create_token(username: str, body: TokenCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row, secret = await actions.do_create_token(conn, write.actor, username, body.name)
        return Json(token_view(row) | {"token": secret}, status_code=201)

    return await write(work)


@router.delete("/users/{username}/tokens/{token_id}", status_code=204, summary="Revoke an API token")
async def revoke_token(username: str, token_id: TokenId, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await actions.do_revoke_token(conn, write.actor, username, token_id)
        return Response(status_code=204)

    return forgetting_tokens(write, await write(work))


@router.get("/groups", summary="All groups")
async def list_groups(conn: DB, actor: CurrentActor) -> Response:
    return Json([{"name": g["name"]} for g in await actions.list_groups(conn)])


@router.post("/groups", status_code=201, summary="Create a group (admins)")
async def create_group(body: GroupCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await actions.do_create_group(conn, write.actor, body.name)
        return Json({"name": row["name"], "members": []}, status_code=201)

    return await write(work)


@router.get("/groups/{name}", summary="A group and its members")
async def get_group(name: str, conn: DB, actor: CurrentActor) -> Response:
    members = await actions.group_members(conn, name)
    return Json(
        {"name": name, "members": [{"username": m["username"], "display_name": m["display_name"]} for m in members]}
    )


@router.delete("/groups/{name}", status_code=204, summary="Delete a group (admins)")
async def delete_group(name: str, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await actions.do_delete_group(conn, write.actor, name)
        return Response(status_code=204)

    return await write(work)


@router.post("/groups/{name}/members", status_code=204, summary="Add a user to a group (admins)")
async def add_member(name: str, body: GroupMember, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await actions.do_add_group_member(conn, write.actor, name, body.username)
        return Response(status_code=204)

    return await write(work)


@router.delete("/groups/{name}/members/{username}", status_code=204, summary="Remove a user from a group (admins)")
async def remove_member(name: str, username: str, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await actions.do_remove_group_member(conn, write.actor, name, username)
        return Response(status_code=204)

    return await write(work)
