"""Webhook registrations (administrators only) and the deliveries the pipeline enqueues for them."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, get_args
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import Conflict, Forbidden, NotFound, ValidationError
from tracker.events import Event, EventType
from tracker.webhooks import repository as sql

log = logging.getLogger("tracklake.webhooks")

EVENT_TYPES = frozenset(get_args(EventType))
ALL_EVENTS = "*"
MAX_URL = 2048


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """Whether `host` is on the allow-list: exact names, `*.example.com` for subdomains, `*` for any host."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.strip().lower().rstrip(".")
        if not entry:
            continue
        if entry == "*" or entry == host:
            return True
        if entry.startswith("*.") and host.endswith(entry[1:]):
            return True
    return False


def parse_allowed_hosts(value: str) -> list[str]:
    """The allow-list setting (comma-separated) as a list."""
    return [h.strip() for h in value.split(",") if h.strip()]


def check_url(url: Any, allowed: Sequence[str]) -> str:
    """A webhook URL: http(s), with a host the administrator allowed."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise ValidationError("Invalid webhook URL", errors={"url": f"an http(s) URL of at most {MAX_URL} characters"})
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port out of range
    except ValueError:
        raise ValidationError("Invalid webhook URL", errors={"url": "not a valid URL"}) from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError("Invalid webhook URL", errors={"url": "only http and https URLs are allowed"})
    if not parts.hostname:
        raise ValidationError("Invalid webhook URL", errors={"url": "the URL has no host"})
    if parts.username or parts.password:
        raise ValidationError("Invalid webhook URL", errors={"url": "credentials in the URL are not allowed"})
    if not host_allowed(parts.hostname, allowed):
        raise ValidationError(
            "Webhook host not allowed",
            errors={
                "url": f"host '{parts.hostname}' is not allowed; an administrator must add it to "
                "TRACKLAKE_WEBHOOK_ALLOWED_HOSTS"
            },
        )
    return url


def check_events(events: Any) -> list[str]:
    """Event types a webhook subscribes to: known types, or ['*'] for all."""
    if not isinstance(events, list) or not events:
        raise ValidationError("Events are required", errors={"events": "a non-empty list of event types, or ['*']"})
    unknown = sorted({e for e in events if e != ALL_EVENTS and e not in EVENT_TYPES})
    if unknown:
        raise ValidationError(
            "Unknown event type",
            errors={"events": f"unknown: {', '.join(unknown)}; known: {', '.join(sorted(EVENT_TYPES))}"},
        )
    return sorted(set(events))


# A condition no issue meets: validating a filter compiles it in full but looks at no rows.
_NO_ISSUE = "issue = 0"
_FILTER_CHUNK = 500  # issue ids per filter query (search caps a page at 1000)


async def check_jql(conn: Conn, owner: Actor, jql: Any) -> str | None:
    """The optional JQL filter, compiled as its owner would run it (syntax, fields, values, functions).

    An invalid filter raises `jql.JqlError`, which the API answers with 400 and the error's position.
    """
    if jql is None or (isinstance(jql, str) and not jql.strip()):
        return None
    if not isinstance(jql, str) or len(jql) > 10_000:
        raise ValidationError("Invalid JQL", errors={"jql": "a JQL query of at most 10000 characters"})
    from tracker.search.execute import search

    await search(conn, owner, jql, extra_jql=_NO_ISSUE, max_results=1)
    return jql


async def filter_matches(conn: Conn, owner: Actor | None, jql: str, issue_ids: Sequence[int]) -> set[int]:
    """Of these issues, those the filter matches as `owner` sees them now (none without an active owner)."""
    if owner is None or not issue_ids:
        return set()
    from jql import JqlError
    from tracker.search.execute import search

    ids = sorted(set(issue_ids))
    matched: set[int] = set()
    for start in range(0, len(ids), _FILTER_CHUNK):
        chunk = ids[start : start + _FILTER_CHUNK]
        extra = f"issue in ({', '.join(str(i) for i in chunk)})"
        try:
            async with conn.transaction():  # a savepoint: a failing filter leaves the enqueueing intact
                page = await search(conn, owner, jql, extra_jql=extra, max_results=len(chunk))
        except (JqlError, psycopg.DataError, psycopg.ProgrammingError) as exc:
            # The filter was valid when registered; a project, field or value it names is gone since (or the
            # query fails on the data). It matches nothing until it is fixed: delivering everything would
            # ignore what the owner asked for.
            log.warning("webhook filter %r fails (%s); it matches nothing", jql, exc)
            return set()
        matched.update(page.issue_ids)
    return matched


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only administrators manage webhooks")


def webhook_view(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "url": row["url"],
        "events": list(row["events"]),
        "jql": row["jql"],
        "active": row["active"],
        "created": row["created_at"].isoformat(),
    }


async def do_create_webhook(
    conn: Conn, actor: Actor, data: Mapping[str, Any], allowed_hosts: Sequence[str]
) -> tuple[DictRow, str]:
    """Register a webhook; returns it and its secret (generated when not given; shown only now)."""
    _require_admin(actor)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise ValidationError("Name is required", errors={"name": "1-255 characters"})
    secret = data.get("secret") or secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not 16 <= len(secret) <= 255:
        raise ValidationError("Invalid secret", errors={"secret": "16-255 characters"})
    row = await fetch_one(
        conn,
        sql.INSERT_WEBHOOK,
        {
            "name": name.strip(),
            "url": check_url(data.get("url"), allowed_hosts),
            "events": check_events(data.get("events")),
            "jql": await check_jql(conn, actor, data.get("jql")),
            "secret": secret,
            "active": bool(data.get("active", True)),
            "created_by": actor.id,
        },
    )
    assert row is not None
    return row, secret


async def list_webhooks(conn: Conn, actor: Actor) -> list[DictRow]:
    _require_admin(actor)
    return await fetch_all(conn, sql.SELECT_WEBHOOKS)


async def get_webhook(conn: Conn, actor: Actor, webhook_id: int) -> DictRow:
    _require_admin(actor)
    row = await fetch_one(conn, sql.SELECT_WEBHOOK, {"id": webhook_id})
    if row is None:
        raise NotFound(f"Webhook {webhook_id} does not exist")
    return row


async def do_update_webhook(
    conn: Conn, actor: Actor, webhook_id: int, data: Mapping[str, Any], allowed_hosts: Sequence[str]
) -> DictRow:
    """Change name, url, events, jql, secret or active; fields absent are kept."""
    hook = await get_webhook(conn, actor, webhook_id)
    values: dict[str, Any] = {}
    if "name" in data:
        if not isinstance(data["name"], str) or not data["name"].strip() or len(data["name"]) > 255:
            raise ValidationError("Name is required", errors={"name": "1-255 characters"})
        values["name"] = data["name"].strip()
    if "url" in data:
        values["url"] = check_url(data["url"], allowed_hosts)
    if "events" in data:
        values["events"] = check_events(data["events"])
    if "jql" in data:
        values["jql"] = await check_jql(conn, await _owner_or(conn, hook, actor), data["jql"])
    if "secret" in data:
        if not isinstance(data["secret"], str) or not 16 <= len(data["secret"]) <= 255:
            raise ValidationError("Invalid secret", errors={"secret": "16-255 characters"})
        values["secret"] = data["secret"]
    if "active" in data:
        values["active"] = bool(data["active"])
    if values:
        assignments = ", ".join(f"{c} = %({c})s" for c in values)  # column names come from the code above
        await conn.execute(f"UPDATE webhooks SET {assignments} WHERE id = %(id)s", values | {"id": webhook_id})  # type: ignore[arg-type]
    return await get_webhook(conn, actor, webhook_id)


async def do_delete_webhook(conn: Conn, actor: Actor, webhook_id: int) -> None:
    await get_webhook(conn, actor, webhook_id)
    await conn.execute(sql.DELETE_WEBHOOK, {"id": webhook_id})


def delivery_view(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "webhook_id": row["webhook_id"],
        "event_id": str(row["event_id"]),
        "event_type": row["event_type"],
        "issue_id": row["issue_id"],
        "status": row["status"],
        "attempts": row["attempts"],
        "last_status_code": row["last_status_code"],
        "last_error": row["last_error"],
        "delivered": row["delivered_at"].isoformat() if row["delivered_at"] else None,
        "created": row["created_at"].isoformat(),
    }


async def list_deliveries(
    conn: Conn, actor: Actor, webhook_id: int, *, status: str | None, start_at: int, max_results: int
) -> tuple[int, list[DictRow]]:
    await get_webhook(conn, actor, webhook_id)
    params = {"webhook_id": webhook_id, "status": status, "limit": max_results, "offset": start_at}
    return await fetch_val(conn, sql.COUNT_DELIVERIES, params), await fetch_all(conn, sql.SELECT_DELIVERIES, params)


async def get_delivery(conn: Conn, actor: Actor, webhook_id: int, delivery_id: int) -> tuple[DictRow, list[DictRow]]:
    """A delivery with its attempts."""
    await get_webhook(conn, actor, webhook_id)
    row = await fetch_one(conn, sql.SELECT_DELIVERY, {"id": delivery_id, "webhook_id": webhook_id})
    if row is None:
        raise NotFound(f"Delivery {delivery_id} of webhook {webhook_id} does not exist")
    return row, await fetch_all(conn, sql.SELECT_ATTEMPTS, {"id": delivery_id})


async def do_redeliver(conn: Conn, actor: Actor, webhook_id: int, delivery_id: int) -> None:
    """Queue a finished (failed or delivered) delivery again, with a fresh set of attempts."""
    row, _ = await get_delivery(conn, actor, webhook_id, delivery_id)
    if await fetch_val(conn, sql.REDELIVER, {"id": delivery_id, "webhook_id": webhook_id}) is None:
        raise Conflict(f"Delivery {delivery_id} is still {row['status']}; only a finished delivery can be redelivered")


def wants(webhook: Mapping[str, Any], event: Event) -> bool:
    """Whether a webhook subscribes to the event's type (its JQL filter is checked by `enqueue_deliveries`)."""
    if event.imported:
        return False  # an import replays years of history: receivers are not sent the past
    events = webhook["events"]
    return ALL_EVENTS in events or event.type in events


async def _owners(conn: Conn, ids: Sequence[int]) -> dict[int, Actor]:
    rows = await fetch_all(conn, sql.SELECT_OWNERS, {"ids": sorted(set(ids))}) if ids else []
    return {r["id"]: Actor.from_row(r) for r in rows}


async def _owner_or(conn: Conn, hook: Mapping[str, Any], actor: Actor) -> Actor:
    """The webhook's owner (who registered it) while active, else the administrator changing it."""
    owner = (await _owners(conn, [hook["created_by"]])).get(hook["created_by"]) if hook["created_by"] else None
    return owner or actor


async def enqueue_deliveries(conn: Conn, events: Sequence[Event]) -> int:
    """One pending delivery per active webhook wanting each event; enqueueing twice adds nothing.

    A webhook with a JQL filter gets an issue's event only when the issue matches the filter, evaluated as the
    webhook's owner (their browse permission applies) against the issue as it is when the event is processed:
    one query per filtered webhook and batch, the filter AND `issue in (<the batch's issues>)`. An event without
    an issue (a sprint's) is not filtered; a deleted issue matches no filter.
    """
    hooks = await fetch_all(conn, sql.SELECT_ACTIVE)
    rows = [(h, e) for e in events for h in hooks if wants(h, e)]
    filtered = {h["id"]: h for h, e in rows if h["jql"] and e.issue_id is not None}
    if filtered:
        owners = await _owners(conn, [h["created_by"] for h in filtered.values() if h["created_by"] is not None])
        matches = {
            hook_id: await filter_matches(
                conn,
                owners.get(h["created_by"]),
                h["jql"],
                [e.issue_id for x, e in rows if x["id"] == hook_id and e.issue_id is not None],
            )
            for hook_id, h in filtered.items()
        }
        rows = [
            (h, e) for h, e in rows if h["id"] not in filtered or e.issue_id is None or e.issue_id in matches[h["id"]]
        ]
    if not rows:
        return 0
    cur = await conn.execute(
        sql.INSERT_DELIVERIES,
        {
            "webhooks": [h["id"] for h, _ in rows],
            "events": [e.event_id for _, e in rows],
            "types": [e.type for _, e in rows],
            "issues": [e.issue_id for _, e in rows],
            "payloads": [Jsonb(e.to_json()) for _, e in rows],
        },
    )
    return cur.rowcount
