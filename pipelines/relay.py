"""The outbox relay: claims committed, unsent outbox rows in id order and hands them to a publisher.

Ordering. Every event belongs to a lane: its issue (lane 0 for events without one). Writes to one issue are
serialized by the issue's row lock, so within a lane outbox ids follow commit order. Several relays may run:

1. each claims a batch of unsent rows in id order with `FOR UPDATE SKIP LOCKED` (rows another relay holds
   are skipped, not waited for);
2. takes a transaction-scoped advisory lock per lane of its batch (`pg_try_advisory_xact_lock`), giving up the
   lanes another relay holds;
3. for each lane it holds, publishes its rows only up to the first unsent row of that lane it does *not* hold
   (one another relay claimed, or one committed after this batch was read);
4. hands the batch to its publisher, which sends it in waves (wave k: the k-th row of every lane, as batch
   messages; wave k goes out once wave k - 1 was confirmed: pipelines.broker.publish_in_waves), then marks as
   sent each lane's rows up to its first unconfirmed one, and commits.

So no relay ever publishes an event of an issue while an earlier event of that issue is unpublished, and the
lane lock keeps two relays from publishing one lane at once. A relay that dies mid-batch never committed: its
row and lane locks vanish with its connection and the rows are claimed again (downstream dedup by event_id
absorbs what it had already published).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipelines import metrics
from pipelines.dedup import PURGE_DEDUP
from pipelines.waiting import sleep_or_stop, wait_either
from tracker.db import Conn, connect, fetch_all

log = logging.getLogger("tracklake.relay")

CHANNEL = "tracklake_outbox"
LANE_LOCK_NAMESPACE = 7315

CLAIM = """
SELECT id, event_id, event_type, issue_id, coalesce(issue_id, 0) AS lane, payload::text AS body, attempts,
       created_at
FROM outbox
WHERE sent_at IS NULL AND (available_at IS NULL OR available_at <= now())
ORDER BY id LIMIT %(limit)s
FOR UPDATE SKIP LOCKED
"""
LOCK_LANES = """
SELECT lane FROM unnest(%(lanes)s::bigint[]) AS lane
WHERE pg_try_advisory_xact_lock(%(ns)s, (lane %% 2147483647)::int)
"""
# The first unsent row of each lane that is not in this batch: nothing at or after it may be published now.
# A row waiting for an in-process retry does not hold its lane (as a broker's retry queue does not).
# One probe of the outbox_unsent_lane index per lane (a GROUP BY over every unsent row grew with the backlog).
FIRST_FOREIGN = """
SELECT l.lane, f.id AS first_id FROM unnest(%(lanes)s::bigint[]) AS l(lane)
CROSS JOIN LATERAL (
    SELECT id FROM outbox
    WHERE sent_at IS NULL AND coalesce(issue_id, 0) = l.lane AND NOT (id = ANY(%(ids)s))
      AND (available_at IS NULL OR available_at <= now())
    ORDER BY id LIMIT 1
) AS f
"""
MARK_SENT = "UPDATE outbox SET sent_at = now(), last_error = NULL WHERE id = ANY(%(ids)s)"
MARK_RETRY = """
UPDATE outbox SET attempts = attempts + 1, last_error = %(error)s,
    available_at = now() + %(delay)s * interval '1 second'
WHERE id = %(id)s
"""
DEAD_LETTER = """
INSERT INTO pipeline_dead_letters (consumer, event_id, payload, error, attempts)
SELECT %(consumer)s, event_id, payload, %(error)s, %(attempts)s FROM outbox WHERE id = %(id)s
"""
PURGE_SENT = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE sent_at < now() - %(hours)s * interval '1 hour' ORDER BY id LIMIT 10000)
"""


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    event_id: Any
    event_type: str
    issue_id: int | None
    lane: int
    body: str
    attempts: int
    created_at: Any


@dataclass
class PublishResult:
    """What a publisher did with a batch: ids to mark sent, per-row failures to retry later (with their delay),
    and a transport error that should make the relay back off."""

    sent: list[int] = field(default_factory=list)
    retry: dict[int, tuple[str, float]] = field(default_factory=dict)
    dead: list[tuple[int, str, str, int]] = field(default_factory=list)  # (row id, consumer, error, attempts)
    error: BaseException | None = None


class Publisher(Protocol):
    async def publish(self, rows: Sequence[OutboxRow]) -> PublishResult: ...


def lanes_in_order(rows: Sequence[OutboxRow]) -> dict[int, list[OutboxRow]]:
    """Rows grouped by lane, each lane in id order."""
    lanes: dict[int, list[OutboxRow]] = {}
    for row in sorted(rows, key=lambda r: r.id):
        lanes.setdefault(row.lane, []).append(row)
    return lanes


async def claim_batch(conn: Conn, limit: int) -> list[OutboxRow]:
    """Inside the caller's transaction: the rows this relay may publish now, in id order (see the module doc)."""
    rows = [OutboxRow(**r) for r in await fetch_all(conn, CLAIM, {"limit": limit})]
    if not rows:
        return []
    lanes = sorted({r.lane for r in rows})
    held = {r["lane"] for r in await fetch_all(conn, LOCK_LANES, {"lanes": lanes, "ns": LANE_LOCK_NAMESPACE})}
    if not held:
        return []
    ids = [r.id for r in rows if r.lane in held]
    stops = {
        r["lane"]: r["first_id"] for r in await fetch_all(conn, FIRST_FOREIGN, {"lanes": sorted(held), "ids": ids})
    }
    return [r for r in rows if r.lane in held and r.id < stops.get(r.lane, r.id + 1)]


class OutboxRelay:
    """Relays the outbox through a publisher until stopped; woken by NOTIFY, polling as a fallback."""

    def __init__(
        self,
        database_url: str,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        retention_hours: float = 168.0,
        purge_every_seconds: float = 600.0,
        max_backoff: float = 5.0,
        concurrency: int = 2,
    ) -> None:
        self.database_url = database_url
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.retention_hours = retention_hours
        self.purge_every_seconds = purge_every_seconds
        self.max_backoff = max_backoff
        self.concurrency = max(1, concurrency)
        self.wake = asyncio.Event()
        self.connected = asyncio.Event()  # set while the relay has a working database connection
        self._last_purge = 0.0

    async def relay_once(self, conn: Conn) -> tuple[int, bool]:
        """One batch: (events sent, whether the publisher failed)."""
        start = time.perf_counter()
        async with conn.transaction():
            rows = await claim_batch(conn, self.batch_size)
            if not rows:
                return 0, False
            result = await self.publisher.publish(rows)
            if result.sent:
                await conn.execute(MARK_SENT, {"ids": result.sent})
            for row_id, (error, delay) in result.retry.items():
                await conn.execute(MARK_RETRY, {"id": row_id, "error": error[:2000], "delay": delay})
            for row_id, consumer, error, attempts in result.dead:
                await conn.execute(
                    DEAD_LETTER, {"id": row_id, "consumer": consumer, "error": error[:2000], "attempts": attempts}
                )
        metrics.PUBLISHED.inc(len(result.sent))
        metrics.RELAY_BATCH_SECONDS.observe(time.perf_counter() - start)
        if result.error is not None:
            metrics.PUBLISH_FAILURES.inc()
            log.warning("relay: publishing failed, %d of %d sent: %r", len(result.sent), len(rows), result.error)
        return len(result.sent), result.error is not None

    async def drain(self) -> int:
        """Relay until nothing is publishable right now (tests, CLI); returns the number sent."""
        total = 0
        async with await connect(self.database_url, autocommit=True) as conn:
            while True:
                sent, failed = await self.relay_once(conn)
                total += sent
                if failed:
                    raise RuntimeError("publishing failed")
                if sent == 0:
                    return total

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set, surviving database and broker outages with capped backoff.

        `concurrency` loops run on their own connections, exactly like that many relays: while one waits for
        its batch's confirms, the next claims and publishes another batch (lanes the first holds are skipped).
        """
        listener = asyncio.create_task(self._listen(stop))
        self._last_purge = 0.0
        loops = [asyncio.create_task(self._loop(stop)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*loops)
        finally:
            for task in (*loops, listener):
                task.cancel()
            for task in (*loops, listener):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _loop(self, stop: asyncio.Event) -> None:
        backoff = 0.0
        while not stop.is_set():
            try:
                async with await connect(self.database_url, autocommit=True) as conn:
                    self.connected.set()
                    while not stop.is_set():
                        if time.monotonic() - self._last_purge > self.purge_every_seconds:
                            self._last_purge = time.monotonic()
                            await self.purge(conn)
                        self.wake.clear()
                        sent, failed = await self.relay_once(conn)
                        if failed:
                            backoff = min(self.max_backoff, max(0.05, backoff * 2))
                            await sleep_or_stop(stop, backoff)
                            continue
                        backoff = 0.0
                        if sent == 0:
                            await wait_either(self.wake, stop, self.poll_seconds)
                        elif self.concurrency > 1:
                            self.wake.set()  # lanes this batch held are free: a waiting loop may take them
            except Exception as exc:  # the database connection failed: reconnect
                self.connected.clear()
                if stop.is_set():
                    break
                backoff = min(self.max_backoff, max(0.1, backoff * 2))
                log.warning("relay: %r; reconnecting in %.1fs", exc, backoff)
                await sleep_or_stop(stop, backoff)

    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN on the outbox channel and wake the relay on every notification (reconnecting on failure)."""
        while not stop.is_set():
            try:
                async with await connect(self.database_url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.wake.set()  # catch up on anything committed while we were not listening
                    async for _ in conn.notifies():
                        self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("relay listener: %r", exc)
                await sleep_or_stop(stop, 1.0)

    async def purge(self, conn: Conn) -> int:
        """Delete sent rows older than the retention period and expired dedup records."""
        cur = await conn.execute(PURGE_SENT, {"hours": self.retention_hours})
        purged = cur.rowcount
        await conn.execute(PURGE_DEDUP)
        return purged
