"""Redis cache-aside for board views and project metadata, keyed by the cache stamps of what they show.

Invalidation needs no call after commit: every cached entry's key carries the stamps it was computed under, and
a stamp changes inside the transaction that changes the data (a deferred trigger on `issues` for every issue
write, whoever makes it; `touch()` for boards, sprints, versions and components). A reader reads the stamps
BEFORE the data, so an entry is never labelled newer than its content; once a write commits, its new stamp
sends every later reader to a fresh key. Old entries are never read again and expire after the TTL.

Without Redis (`redis is None`) the callers compute every view; stamps are still kept, they cost one row
update per writing transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from tracker.db import Conn, fetch_all

log = logging.getLogger("tracklake.agile.cache")

DEFAULT_PREFIX = "tracklake:agile:"
DEFAULT_TTL_SECONDS = 300
HEADER_END = b"\n"

SELECT_STAMPS = "SELECT scope, stamp FROM cache_stamps WHERE scope = ANY(%(scopes)s::text[])"
SELECT_PROJECT_STAMPS = "SELECT scope, stamp FROM cache_stamps WHERE scope LIKE 'project:%%'"


def project_scope(project_id: int) -> str:
    """Stamp scope of the issues of a project."""
    return f"project:{project_id}"


def board_scope(board_id: int) -> str:
    """Stamp scope of a board's configuration, quick filters and sprints."""
    return f"board:{board_id}"


def meta_scope(project_id: int) -> str:
    """Stamp scope of a project's versions and components."""
    return f"meta:{project_id}"


async def read_stamps(conn: Conn, scopes: Iterable[str]) -> dict[str, int]:
    """Current stamps of scopes; a scope never written has stamp 0."""
    wanted = sorted(set(scopes))
    found = {r["scope"]: r["stamp"] for r in await fetch_all(conn, SELECT_STAMPS, {"scopes": wanted})}
    return {s: found.get(s, 0) for s in wanted}


async def project_stamps(conn: Conn) -> dict[str, int]:
    """Stamps of every project's issues (read before computing a view that may span projects)."""
    return {r["scope"]: r["stamp"] for r in await fetch_all(conn, SELECT_PROJECT_STAMPS)}


def entry_key(prefix: str, kind: str, parts: Mapping[str, Any]) -> str:
    """A cache key: readable kind, then a digest of everything the entry depends on."""
    digest = hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
    return f"{prefix}{kind}:{digest}"


class AgileCache:
    """A thin cache-aside store. Entries are a JSON header line (stamps to re-check) and the body bytes."""

    def __init__(self, redis: Any, *, prefix: str = DEFAULT_PREFIX, ttl: int = DEFAULT_TTL_SECONDS) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl

    def key(self, kind: str, parts: Mapping[str, Any]) -> str:
        """The key of an entry of `kind` depending on `parts` (stamps included)."""
        return entry_key(self.prefix, kind, parts)

    async def get(self, key: str) -> tuple[dict[str, int], bytes] | None:
        """(stamps to re-check, body) of an entry, or None; a Redis failure is a miss, never an error."""
        try:
            raw = await self.redis.get(key)
        except Exception as exc:  # the cache is optional: serve from PostgreSQL when Redis misbehaves
            log.warning("redis get failed: %s", exc)
            return None
        if raw is None:
            return None
        head, _, body = bytes(raw).partition(HEADER_END)
        checks: dict[str, int] = orjson.loads(head) if head else {}
        return checks, body

    async def set(self, key: str, body: bytes, checks: Mapping[str, int] | None = None) -> None:
        """Store an entry with the stamps a reader must find unchanged besides those in its key."""
        head = orjson.dumps(dict(checks or {}))
        try:
            await self.redis.set(key, head + HEADER_END + body, ex=self.ttl)
        except Exception as exc:
            log.warning("redis set failed: %s", exc)

    async def valid(self, conn: Conn, checks: Mapping[str, int]) -> bool:
        """Whether the extra stamps an entry depends on are unchanged."""
        if not checks:
            return True
        return await read_stamps(conn, checks) == dict(checks)
