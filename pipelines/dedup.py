"""Idempotency records of the consumers: event_id claims and per-issue version watermarks.

A claim is `SET NX` of the event id with the claiming batch's token; once the batch's effect is durable the value
becomes `done`. A claim still holding another batch's token after a crash is *pending*: the consumer decides
whether that batch's effect happened (the warehouse looks for the batch's file) before applying it again.
Redis (24 h TTL) when configured, else rows in PostgreSQL purged after 24 h.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tracker.db import Conn, connect

DEDUP_TTL_SECONDS = 24 * 3600
DONE = "done"


class ClaimState(enum.Enum):
    NEW = "new"  # claimed by this batch
    DONE = "done"  # an earlier batch applied it
    PENDING = "pending"  # an earlier batch claimed it and did not finish (crashed or failed)


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    token: str | None = None


class DedupStore(Protocol):
    async def claim(self, consumer: str, event_ids: Sequence[uuid.UUID], token: str) -> dict[uuid.UUID, Claim]: ...

    async def take_over(self, consumer: str, event_ids: Sequence[uuid.UUID], token: str) -> None: ...

    async def complete(self, consumer: str, event_ids: Sequence[uuid.UUID]) -> None: ...

    async def release(self, consumer: str, event_ids: Sequence[uuid.UUID], token: str) -> None: ...

    async def versions(self, consumer: str, issue_ids: Sequence[int]) -> dict[int, int]: ...

    async def advance(self, consumer: str, versions: Mapping[int, int]) -> None: ...

    async def close(self) -> None: ...


def _claim_of(value: str | None) -> Claim:
    if value is None:
        return Claim(ClaimState.NEW)
    if value == DONE:
        return Claim(ClaimState.DONE)
    return Claim(ClaimState.PENDING, value)


_CLAIM_LUA = """
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'EX', ARGV[2]) then
    out[i] = ''
  else
    out[i] = redis.call('GET', key) or ''
  end
end
return out
"""
_RELEASE_LUA = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0
"""
# One round trip and one reply for a whole batch (a pipeline of SETs parsed a reply per key).
_SET_LUA = """
for _, key in ipairs(KEYS) do
  if ARGV[3] == 'xx' then redis.call('SET', key, ARGV[1], 'EX', ARGV[2], 'XX')
  else redis.call('SET', key, ARGV[1], 'EX', ARGV[2]) end
end
return 0
"""
_ADVANCE_LUA = """
for i = 1, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if current < tonumber(ARGV[i + 1]) then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 0
"""


class RedisDedup:
    """Claims as Redis keys `<prefix>tracklake:dedup:<consumer>:<event_id>` with a 24 h TTL."""

    def __init__(self, redis: Any, prefix: str = "", *, owns_client: bool = False) -> None:
        self.redis = redis
        self.prefix = prefix
        self.owns_client = owns_client
        self._claim = redis.register_script(_CLAIM_LUA)
        self._release = redis.register_script(_RELEASE_LUA)
        self._advance = redis.register_script(_ADVANCE_LUA)
        self._set = redis.register_script(_SET_LUA)

    @classmethod
    def from_url(cls, url: str, prefix: str = "") -> RedisDedup:
        import redis.asyncio as aioredis

        return cls(aioredis.from_url(url), prefix, owns_client=True)

    def _key(self, consumer: str, event_id: uuid.UUID) -> str:
        return f"{self.prefix}tracklake:dedup:{consumer}:{event_id}"

    async def claim(self, consumer: str, event_ids: Sequence[uuid.UUID], token: str) -> dict[uuid.UUID, Claim]:
        if not event_ids:
            return {}
        values = await self._claim(keys=[self._key(consumer, e) for e in event_ids], args=[token, DEDUP_TTL_SECONDS])
        out = {}
        for event_id, raw in zip(event_ids, values, strict=True):
            value = raw.decode() if isinstance(raw, bytes) else str(raw)
            out[event_id] = Claim(ClaimState.NEW) if value == "" else _claim_of(value)
        return out

    async def take_over(self, consumer: str, event_ids: Sequence[uuid.UUID], token: str) -> None:
        if event_ids:
            keys = [self._key(consumer, e) for e in event_ids]
            await self._set(keys=keys, args=[token, DEDUP_TTL_SECONDS, "xx"])

    async def complete(self, consumer: str, event_ids: Sequence[uuid.UUID]) -> None:
        if event_ids:
            keys = [self._key(consumer, e) for e in event_ids]
            await self._set(keys=keys, args=[DONE, DEDUP_TTL_SECONDS, ""])

    async def release(self, consumer: str, event_ids: Sequence[uuid.UUID], token: str) -> None:
        if event_ids:
            await self._release(keys=[self._key(consumer, e) for e in event_ids], args=[token])

    def _versions_key(self, consumer: str) -> str:
        return f"{self.prefix}tracklake:versions:{consumer}"

    async def versions(self, consumer: str, issue_ids: Sequence[int]) -> dict[int, int]:
        if not issue_ids:
            return {}
        values = await self.redis.hmget(self._versions_key(consumer), [str(i) for i in issue_ids])
        return {i: int(v) for i, v in zip(issue_ids, values, strict=True) if v is not None}

    async def advance(self, consumer: str, versions: Mapping[int, int]) -> None:
        if versions:
            args: list[Any] = []
            for issue_id, version in versions.items():
                args += [str(issue_id), version]
            await self._advance(keys=[self._versions_key(consumer)], args=args)

    async def close(self) -> None:
        if self.owns_client:
            await self.redis.aclose()


class PostgresDedup:
    """Claims as rows of `pipeline_dedup`, watermarks in `pipeline_versions` (one autocommit connection)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._conn: Conn | None = None

    async def _db(self) -> Conn:
        if self._conn is None or self._conn.closed:
            self._conn = await connect(self.database_url, autocommit=True)
        return self._conn

    async def claim(self, consumer: str, event_ids: Sequence[uuid.UUID], token: str) -> dict[uuid.UUID, Claim]:
        if not event_ids:
            return {}
        conn = await self._db()
        cur = await conn.execute(
            "INSERT INTO pipeline_dedup (consumer, event_id, token) SELECT %(c)s, e, %(t)s FROM unnest(%(ids)s::uuid[]) e"
            " ON CONFLICT DO NOTHING RETURNING event_id",
            {"c": consumer, "ids": list(event_ids), "t": token},
        )
        new = {r["event_id"] for r in await cur.fetchall()}
        out = {e: Claim(ClaimState.NEW) for e in new}
        rest = [e for e in event_ids if e not in new]
        if rest:
            cur = await conn.execute(
                "SELECT event_id, token, done FROM pipeline_dedup WHERE consumer = %(c)s AND event_id = ANY(%(ids)s)",
                {"c": consumer, "ids": rest},
            )
            for r in await cur.fetchall():
                out[r["event_id"]] = _claim_of(DONE if r["done"] else r["token"])
        for e in rest:  # purged between the two statements: claim it again next time
            out.setdefault(e, Claim(ClaimState.PENDING, ""))
        return out

    async def take_over(self, consumer: str, event_ids: Sequence[uuid.UUID], token: str) -> None:
        if event_ids:
            await (await self._db()).execute(
                "UPDATE pipeline_dedup SET token = %(t)s WHERE consumer = %(c)s AND event_id = ANY(%(ids)s)"
                " AND NOT done",
                {"c": consumer, "ids": list(event_ids), "t": token},
            )

    async def complete(self, consumer: str, event_ids: Sequence[uuid.UUID]) -> None:
        if event_ids:
            await (await self._db()).execute(
                "INSERT INTO pipeline_dedup (consumer, event_id, token, done) SELECT %(c)s, e, '', true"
                " FROM unnest(%(ids)s::uuid[]) e ON CONFLICT (consumer, event_id) DO UPDATE SET done = true",
                {"c": consumer, "ids": list(event_ids)},
            )

    async def release(self, consumer: str, event_ids: Sequence[uuid.UUID], token: str) -> None:
        if event_ids:
            await (await self._db()).execute(
                "DELETE FROM pipeline_dedup WHERE consumer = %(c)s AND event_id = ANY(%(ids)s) AND token = %(t)s"
                " AND NOT done",
                {"c": consumer, "ids": list(event_ids), "t": token},
            )

    async def versions(self, consumer: str, issue_ids: Sequence[int]) -> dict[int, int]:
        if not issue_ids:
            return {}
        cur = await (await self._db()).execute(
            "SELECT issue_id, version FROM pipeline_versions WHERE consumer = %(c)s AND issue_id = ANY(%(ids)s)",
            {"c": consumer, "ids": list(issue_ids)},
        )
        return {r["issue_id"]: r["version"] for r in await cur.fetchall()}

    async def advance(self, consumer: str, versions: Mapping[int, int]) -> None:
        if versions:
            await (await self._db()).execute(
                "INSERT INTO pipeline_versions (consumer, issue_id, version)"
                " SELECT %(c)s, i, v FROM unnest(%(ids)s::bigint[], %(vs)s::int[]) AS t(i, v)"
                " ON CONFLICT (consumer, issue_id) DO UPDATE"
                " SET version = greatest(pipeline_versions.version, EXCLUDED.version)",
                {"c": consumer, "ids": list(versions), "vs": list(versions.values())},
            )

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()


def dedup_store(settings: Any, database_url: str) -> DedupStore:
    """Redis when TRACKLAKE_REDIS_URL is set, else PostgreSQL."""
    if settings.redis_url:
        return RedisDedup.from_url(settings.redis_url, settings.pipeline_prefix)
    return PostgresDedup(database_url)


PURGE_DEDUP = "DELETE FROM pipeline_dedup WHERE created_at < now() - interval '24 hours'"
