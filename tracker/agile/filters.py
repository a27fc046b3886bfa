"""Saved filters (named JQL owned by a user, optionally shared) and the search that boards run through them."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from psycopg.rows import DictRow

import jql
from tracker.accounts.models import Actor
from tracker.agile.cache import board_scope
from tracker.agile.common import iso, touch
from tracker.db import Conn, fetch_all, fetch_one
from tracker.errors import AlreadyExists, Conflict, Forbidden, NotFound, TrackerError, ValidationError

MAX_JQL = 10000

FILTER_SELECT = """
SELECT f.*, u.username AS owner_username, u.display_name AS owner_display_name
FROM saved_filters f JOIN users u ON u.id = f.owner_id
"""
SELECT_FILTER = FILTER_SELECT + " WHERE f.id = %(id)s"
SELECT_VISIBLE_FILTERS = (
    FILTER_SELECT
    + """
WHERE f.owner_id = %(actor_id)s OR (f.shared AND NOT %(mine)s) OR (%(admin)s AND NOT %(mine)s)
ORDER BY lower(f.name), f.id
"""
)
INSERT_FILTER = """
INSERT INTO saved_filters (owner_id, name, jql, description, shared, created_at, updated_at)
VALUES (%(owner_id)s, %(name)s, %(jql)s, %(description)s, %(shared)s, now(), now())
ON CONFLICT DO NOTHING
RETURNING id
"""
UPDATE_FILTER = """
UPDATE saved_filters SET name = %(name)s, jql = %(jql)s, description = %(description)s, shared = %(shared)s,
                         updated_at = now()
WHERE id = %(id)s
"""
SELECT_NAME_TAKEN = """
SELECT 1 FROM saved_filters WHERE owner_id = %(owner_id)s AND lower(name) = lower(%(name)s) AND id <> %(id)s
"""
SELECT_FILTER_BOARDS = "SELECT id FROM boards WHERE filter_id = %(id)s AND deleted_at IS NULL ORDER BY id"
DELETE_FILTER = "DELETE FROM saved_filters WHERE id = %(id)s"


class SearchUnavailable(TrackerError):
    """JQL search (tracker.search) is not installed, so nothing defined by a filter can be shown."""

    code = "search_unavailable"
    status = 503


class SearchFunction(Protocol):
    """The contract of tracker.search.search_issue_ids."""

    def __call__(
        self,
        conn: Conn,
        actor: Actor,
        jql_text: str,
        *,
        extra_jql: str | None = None,
        start_at: int = 0,
        max_results: int | None = None,
    ) -> Awaitable[tuple[int, list[int]]]: ...


# Tests and benchmarks may install another search here; None means tracker.search.search_issue_ids.
search_override: SearchFunction | Callable[..., Awaitable[tuple[int, list[int]]]] | None = None


def _search_function() -> Callable[..., Awaitable[tuple[int, list[int]]]]:
    if search_override is not None:
        return search_override
    try:
        from tracker.search import search_issue_ids  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError as exc:
        if exc.name not in ("tracker.search", "tracker"):
            raise
        raise SearchUnavailable(
            "JQL search is not available in this installation (tracker.search is missing), so board and "
            "filter results cannot be computed"
        ) from None
    fn: Callable[..., Awaitable[tuple[int, list[int]]]] = search_issue_ids
    return fn


def search_available() -> bool:
    """Whether board views can run their filters."""
    try:
        _search_function()
    except SearchUnavailable:
        return False
    return True


def without_order(jql_text: str) -> str:
    """The JQL without its ORDER BY: boards order cards by rank themselves, whatever the filter sorts by."""
    query = jql.parse(jql_text)
    return jql.to_jql(dataclasses.replace(query, order_by=())) if query.order_by else jql_text


async def search_ids(conn: Conn, actor: Actor, jql_text: str, *, extra_jql: str | None = None) -> list[int]:
    """Ids of every issue matching the JQL (and `extra_jql`) that the actor may browse, in no particular order."""
    search = _search_function()
    try:
        text = without_order(jql_text)
        extra = without_order(extra_jql) if extra_jql else None
        _total, ids = await search(conn, actor, text, extra_jql=extra, start_at=0, max_results=None)
    except jql.JqlError as exc:
        raise ValidationError(f"The filter is not valid JQL: {exc}", errors={"jql": str(exc)}) from None
    return list(ids)


def check_jql(text: Any, field: str = "jql") -> str:
    """A syntactically valid JQL text, or a ValidationError pointing at the error."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("JQL is required", errors={field: "is required"})
    if len(text) > MAX_JQL:
        raise ValidationError("JQL is too long", errors={field: f"at most {MAX_JQL} characters"})
    try:
        jql.parse(text)
    except jql.JqlError as exc:
        raise ValidationError(f"Invalid JQL: {exc}", errors={field: str(exc)}) from None
    return text.strip()


def _name(value: Any, field: str = "name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Name is required", errors={field: "is required"})
    if len(value.strip()) > 255:
        raise ValidationError("Name is too long", errors={field: "at most 255 characters"})
    return value.strip()


def filter_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a saved filter."""
    return {
        "id": row["id"],
        "name": row["name"],
        "jql": row["jql"],
        "description": row["description"],
        "shared": row["shared"],
        "owner": {"username": row["owner_username"], "display_name": row["owner_display_name"]},
        "created": iso(row["created_at"]),
        "updated": iso(row["updated_at"]),
    }


def may_see(actor: Actor, row: Mapping[str, Any]) -> bool:
    """Owners, administrators and (for shared filters) everyone see a filter."""
    return bool(row["shared"] or row["owner_id"] == actor.id or actor.is_admin)


async def get_filter(conn: Conn, actor: Actor, filter_id: int) -> DictRow:
    """A filter the actor may see; others are NotFound."""
    row = await fetch_one(conn, SELECT_FILTER, {"id": filter_id})
    if row is None or not may_see(actor, row):
        raise NotFound(f"Filter {filter_id} does not exist")
    return row


async def list_filters(conn: Conn, actor: Actor, *, mine: bool = False) -> list[DictRow]:
    """The actor's own filters, plus shared ones unless `mine`."""
    return await fetch_all(conn, SELECT_VISIBLE_FILTERS, {"actor_id": actor.id, "mine": mine, "admin": actor.is_admin})


async def do_create_filter(
    conn: Conn, actor: Actor, *, name: str, jql: str, description: str = "", shared: bool = False
) -> DictRow:
    """Save a JQL query under a name unique among the owner's filters."""
    params = {
        "owner_id": actor.id,
        "name": _name(name),
        "jql": check_jql(jql),
        "description": description or "",
        "shared": bool(shared),
    }
    filter_id = await fetch_one(conn, INSERT_FILTER, params)
    if filter_id is None:
        raise AlreadyExists(f"You already have a filter named '{params['name']}'", errors={"name": "already used"})
    return await get_filter(conn, actor, filter_id["id"])


async def _owned(conn: Conn, actor: Actor, filter_id: int) -> DictRow:
    row = await get_filter(conn, actor, filter_id)
    if row["owner_id"] != actor.id and not actor.is_admin:
        raise Forbidden("Only the owner of a filter may change it")
    return row


async def do_update_filter(conn: Conn, actor: Actor, filter_id: int, changes: Mapping[str, Any]) -> DictRow:
    """Rename, re-query, describe or share a filter (its owner or an administrator)."""
    row = await _owned(conn, actor, filter_id)
    params = {
        "id": row["id"],
        "owner_id": row["owner_id"],
        "name": _name(changes["name"]) if "name" in changes else row["name"],
        "jql": check_jql(changes["jql"]) if "jql" in changes else row["jql"],
        "description": (changes.get("description") or "") if "description" in changes else row["description"],
        "shared": bool(changes["shared"]) if "shared" in changes else row["shared"],
    }
    if await fetch_one(conn, SELECT_NAME_TAKEN, params):
        raise AlreadyExists(f"You already have a filter named '{params['name']}'", errors={"name": "already used"})
    await conn.execute(UPDATE_FILTER, params)
    for board in await fetch_all(conn, SELECT_FILTER_BOARDS, {"id": row["id"]}):
        await touch(conn, board_scope(board["id"]))
    return await get_filter(conn, actor, row["id"])


async def do_delete_filter(conn: Conn, actor: Actor, filter_id: int) -> None:
    """Delete a filter no board uses."""
    row = await _owned(conn, actor, filter_id)
    boards = await fetch_all(conn, SELECT_FILTER_BOARDS, {"id": row["id"]})
    if boards:
        raise Conflict(
            f"Filter {row['id']} is used by board(s) {', '.join(str(b['id']) for b in boards)}",
            errors={"filter": "in use by a board"},
        )
    await conn.execute(DELETE_FILTER, {"id": row["id"]})
