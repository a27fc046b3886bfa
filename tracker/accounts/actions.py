"""Account operations: authentication, users, groups, tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts import repository as sql
from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one
from tracker.errors import AlreadyExists, Forbidden, NotFound, ValidationError
from tracker.events import Event, record_event

TOKEN_PREFIX = "tlk_"


def hash_token(token: str) -> str:
    """Digest under which a token is stored; tokens are 256-bit random, so a plain SHA-256 suffices."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh API token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def authenticate_digest(conn: Conn, token_hash: str) -> Actor | None:
    """The active user owning the unrevoked token with this digest (see `hash_token`), or None. Requests
    authenticate through tracker/accounts/cache.py, which calls this for tokens it has not seen lately."""
    row = await fetch_one(conn, sql.AUTHENTICATE, {"token_hash": token_hash})
    return None if row is None else Actor.from_row(row)


def require_admin(actor: Actor) -> None:
    """Raise unless the actor administers the system."""
    if not actor.is_admin:
        raise Forbidden("Only administrators may do this")


async def get_user(conn: Conn, username: str) -> DictRow:
    """A user by user name, or NotFound."""
    row = await fetch_one(conn, sql.SELECT_USER_BY_NAME, {"username": username})
    if row is None:
        raise NotFound(f"User '{username}' does not exist", errors={"username": "unknown user"})
    return row


async def resolve_users(conn: Conn, usernames: dict[str, str]) -> dict[str, Any]:
    """Map field name → user row for the given field → user name pairs; unknown names are a ValidationError."""
    wanted = sorted(set(usernames.values()))
    rows = {r["username"]: r for r in await fetch_all(conn, sql.SELECT_USERS_BY_NAMES, {"usernames": wanted})}
    return match_users(usernames, rows)


def match_users(usernames: Mapping[str, str], rows: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Map field name → user row from rows already loaded by user name; unknown names are a ValidationError."""
    errors = {field: f"User '{name}' does not exist" for field, name in usernames.items() if name not in rows}
    if errors:
        raise ValidationError("Unknown user", errors=errors)
    return {field: rows[name] for field, name in usernames.items()}


async def search_users(conn: Conn, query: str | None, limit: int, offset: int) -> list[DictRow]:
    """Users whose name, display name or email contains `query`."""
    return await fetch_all(
        conn, sql.SEARCH_USERS, {"query": query, "pattern": f"%{query or ''}%", "limit": limit, "offset": offset}
    )


async def do_create_user(
    conn: Conn,
    actor: Actor | None,
    *,
    username: str,
    display_name: str,
    email: str | None = None,
    is_admin: bool = False,
) -> DictRow:
    """Create a user (admins only; `actor=None` is the bootstrap)."""
    if actor is not None:
        require_admin(actor)
    row = await fetch_one(
        conn,
        sql.INSERT_USER,
        {"username": username, "display_name": display_name, "email": email, "is_admin": is_admin},
    )
    if row is None:
        raise AlreadyExists(f"User '{username}' already exists", errors={"username": "already taken"})
    return row


async def do_update_user(conn: Conn, actor: Actor, username: str, changes: dict[str, Any]) -> DictRow:
    """Change a user's display name, email, active or admin flag (admins only)."""
    require_admin(actor)
    before = await get_user(conn, username)
    params = {"display_name": None, "email": None, "active": None, "is_admin": None, **changes}
    row = await fetch_one(conn, sql.UPDATE_USER, {**params, "username": username})
    assert row is not None  # the row `before` was read from, in this transaction
    changed = [f for f in ("display_name", "email", "active", "is_admin") if row[f] != before[f]]
    if changed:
        # For webhooks (names of the fields only: no e-mail address leaves), and for the search index, whose
        # documents hold assignees' and reporters' display names (ORDER BY assignee).
        user = {"id": row["id"], "username": row["username"], "display_name": row["display_name"]}
        event = Event.new("user.updated", actor=actor, at=datetime.now(UTC), data={"user": user, "changes": changed})
        await record_event(conn, event)
    return row


async def do_create_token(
    conn: Conn, actor: Actor | None, username: str, name: str, token: str | None = None
) -> tuple[DictRow, str]:
    """Create an API token for a user (admins, or the user for themselves); the secret is returned once."""
    if actor is not None and actor.username != username:
        require_admin(actor)
    user = await get_user(conn, username)
    secret = token or new_token()
    row = await fetch_one(
        conn,
        sql.INSERT_TOKEN,
        {"user_id": user["id"], "name": name, "token_hash": hash_token(secret), "token_prefix": secret[:8]},
    )
    assert row is not None
    return row, secret


async def list_tokens(conn: Conn, actor: Actor, username: str) -> list[DictRow]:
    """A user's tokens, without secrets."""
    if actor.username != username:
        require_admin(actor)
    user = await get_user(conn, username)
    return await fetch_all(conn, sql.SELECT_TOKENS, {"user_id": user["id"]})


async def do_revoke_token(conn: Conn, actor: Actor, username: str, token_id: int) -> None:
    """Revoke one of a user's tokens."""
    if actor.username != username:
        require_admin(actor)
    user = await get_user(conn, username)
    if await fetch_one(conn, sql.REVOKE_TOKEN, {"token_id": token_id, "user_id": user["id"]}) is None:
        raise NotFound(f"Token {token_id} does not exist")


async def get_group(conn: Conn, name: str) -> DictRow:
    """A group by name, or NotFound."""
    row = await fetch_one(conn, sql.SELECT_GROUP, {"name": name})
    if row is None:
        raise NotFound(f"Group '{name}' does not exist")
    return row


async def list_groups(conn: Conn) -> list[DictRow]:
    """All groups."""
    return await fetch_all(conn, sql.SELECT_GROUPS)


async def group_members(conn: Conn, name: str) -> list[DictRow]:
    """Members of a group."""
    group = await get_group(conn, name)
    return await fetch_all(conn, sql.SELECT_GROUP_MEMBERS, {"group_id": group["id"]})


async def do_create_group(conn: Conn, actor: Actor, name: str) -> DictRow:
    """Create a group (admins only)."""
    require_admin(actor)
    row = await fetch_one(conn, sql.INSERT_GROUP, {"name": name})
    if row is None:
        raise AlreadyExists(f"Group '{name}' already exists", errors={"name": "already taken"})
    return row


async def do_delete_group(conn: Conn, actor: Actor, name: str) -> None:
    """Delete a group (admins only)."""
    require_admin(actor)
    group = await get_group(conn, name)
    await conn.execute(sql.DELETE_GROUP, {"group_id": group["id"]})


async def do_add_group_member(conn: Conn, actor: Actor, name: str, username: str) -> None:
    """Add a user to a group (admins only)."""
    require_admin(actor)
    group = await get_group(conn, name)
    user = await get_user(conn, username)
    await conn.execute(sql.INSERT_GROUP_MEMBER, {"group_id": group["id"], "user_id": user["id"]})


async def do_remove_group_member(conn: Conn, actor: Actor, name: str, username: str) -> None:
    """Remove a user from a group (admins only)."""
    require_admin(actor)
    group = await get_group(conn, name)
    user = await get_user(conn, username)
    if await fetch_one(conn, sql.DELETE_GROUP_MEMBER, {"group_id": group["id"], "user_id": user["id"]}) is None:
        raise NotFound(f"User '{username}' is not a member of '{name}'")
