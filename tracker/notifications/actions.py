"""Notifications: recipients of an event, batching into one notification per issue and window, reading."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import NotFound
from tracker.events import Event
from tracker.notifications import repository as sql

# Usernames as users.username allows them, after an @ that does not follow a word character (not e-mail).
MENTION = re.compile(r"(?<![\w@.])@([a-z0-9][a-z0-9._-]{0,59})")
TEXT_FIELDS = {"description", "comment", "summary"}
# Events about an issue that change nothing people are told of (watching is not a change of the issue).
QUIET_TYPES = frozenset({"watcher.added", "watcher.removed"})


def mentions(texts: Iterable[str | None]) -> set[str]:
    """User names @mentioned in the texts (a trailing dot belongs to the sentence, not the name)."""
    found: set[str] = set()
    for text in texts:
        for match in MENTION.finditer(text or ""):
            found.add(match.group(1).rstrip("._-"))
    return found


def _mentioned_texts(event: Event) -> list[str | None]:
    texts = [c.to_string for c in event.changes if c.field in TEXT_FIELDS]
    comment = event.data.get("comment") if isinstance(event.data, dict) else None
    if isinstance(comment, dict) and event.type != "comment.deleted":
        texts.append(comment.get("body"))
    return texts


async def recipients(conn: Conn, event: Event) -> dict[int, list[str]]:
    """User id → why they hear of the event (assignee, reporter, watcher, mention); never the actor."""
    assert event.issue_id is not None
    reasons: dict[int, list[str]] = {}

    def add(user_id: Any, reason: str) -> None:
        if user_id is not None and user_id != event.actor_id:
            reasons.setdefault(int(user_id), []).append(reason)

    snapshot = event.issue or {}
    if snapshot:
        add((snapshot.get("assignee") or {}).get("id"), "assignee")
        add((snapshot.get("reporter") or {}).get("id"), "reporter")
    else:
        row = await fetch_one(conn, sql.SELECT_ISSUE_PEOPLE, {"issue_id": event.issue_id})
        if row is not None:
            add(row["assignee_id"], "assignee")
            add(row["reporter_id"], "reporter")
    for row in await fetch_all(conn, sql.SELECT_WATCHERS, {"issue_id": event.issue_id}):
        add(row["user_id"], "watcher")
    names = mentions(_mentioned_texts(event))
    if names:
        for row in await fetch_all(conn, sql.SELECT_MENTIONED, {"names": sorted(names)}):
            add(row["id"], "mention")
    return reasons


async def notify(conn: Conn, event: Event, *, window_seconds: float) -> int:
    """Record the event in each recipient's notification for the issue (one per batch window); returns how many
    users got it. Idempotent: an event already in a user's notifications adds nothing. Runs in the caller's
    transaction."""
    if event.issue_id is None or event.issue_key is None or event.imported or event.type in QUIET_TYPES:
        return 0
    await conn.execute(sql.LOCK_ISSUE, {"issue_id": event.issue_id})
    people = await recipients(conn, event)
    if not people:
        return 0
    already = {
        r["user_id"]
        for r in await fetch_all(conn, sql.SELECT_ALREADY, {"event_id": event.event_id, "users": list(people)})
    }
    summary = (event.issue or {}).get("summary")
    base = {
        "issue_id": event.issue_id,
        "issue_key": event.issue_key,
        "project_key": event.project_key,
        "summary": summary,
        "at": event.occurred_at,
        "types": [event.type],
        "actors": [event.actor] if event.actor else [],
        "fields": sorted({c.field for c in event.changes}),
        "window": window_seconds,
    }
    told = 0
    for user_id, why in people.items():
        if user_id in already:
            continue
        params = base | {"user_id": user_id, "reasons": sorted(set(why))}
        notification_id = await fetch_val(conn, sql.SELECT_OPEN, params) if window_seconds > 0 else None
        if notification_id is None:
            notification_id = await fetch_val(conn, sql.INSERT_NOTIFICATION, params)
        else:
            await conn.execute(sql.MERGE_NOTIFICATION, params | {"id": notification_id})
        await conn.execute(sql.INSERT_EVENT, {"user_id": user_id, "event_id": event.event_id, "id": notification_id})
        told += 1
    return told


def notification_view(row: DictRow) -> dict[str, Any]:
    """The JSON representation of a notification."""
    return {
        "id": row["id"],
        "issue": {"id": row["issue_id"], "key": row["issue_key"], "summary": row["summary"]},
        "project": row["project_key"],
        "first": row["first_at"].isoformat(),
        "last": row["last_at"].isoformat(),
        "count": row["event_count"],
        "event_types": list(row["event_types"]),
        "actors": list(row["actors"]),
        "fields": list(row["fields"]),
        "reasons": list(row["reasons"]),
        "read": row["read_at"] is not None,
        "read_at": row["read_at"].isoformat() if row["read_at"] else None,
    }


async def list_notifications(
    conn: Conn, actor: Actor, *, unread_only: bool = False, start_at: int = 0, max_results: int = 50
) -> tuple[dict[str, int], list[DictRow]]:
    """The actor's notifications, latest first, with total and unread counts."""
    counts = await fetch_one(conn, sql.COUNT_NOTIFICATIONS, {"user_id": actor.id})
    assert counts is not None
    rows = await fetch_all(
        conn,
        sql.SELECT_NOTIFICATIONS,
        {"user_id": actor.id, "unread_only": unread_only, "limit": max_results, "offset": start_at},
    )
    return {"total": counts["total"], "unread": counts["unread"]}, rows


async def do_mark_read(conn: Conn, actor: Actor, ids: list[int] | None) -> int:
    """Mark the given notifications (or all, with None) read; an id that is not the actor's is NotFound and
    nothing is marked. Returns how many changed."""
    if ids is not None:
        owned = {r["id"] for r in await fetch_all(conn, sql.SELECT_OWNED, {"user_id": actor.id, "ids": ids})}
        missing = sorted(set(ids) - owned)
        if missing:
            raise NotFound(
                f"No notification {', '.join(map(str, missing[:10]))} for you",
                errors={"ids": f"unknown notification id(s): {', '.join(map(str, missing[:10]))}"},
            )
    cur = await conn.execute(sql.MARK_READ, {"user_id": actor.id, "ids": ids or [], "all": ids is None})
    return cur.rowcount
