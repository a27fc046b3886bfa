"""The idempotency wrapper every consumer runs through, with or without a broker.

`consume(consumer, events, store)` applies a batch exactly once in effect: duplicates (same event_id) inside the
batch or already applied are dropped, claims left by a crashed batch are resolved by the consumer, and consumers
that keep per-issue state ignore events older than the version they already applied.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pipelines import metrics
from pipelines.dedup import ClaimState, DedupStore
from tracker.events import Event

log = logging.getLogger("tracklake.pipeline")


class EventConsumer(Protocol):
    """A pipeline consumer: a name (its queue) and a plain async function over a batch of events."""

    name: str
    # True for consumers that keep the latest state of an issue (search, notifications): an event older than
    # the version already applied would go back in time. Consumers that record every event (the warehouse's
    # change log, webhooks) keep each one; the events carry `version` for ordering downstream.
    skip_stale: bool

    async def apply(self, events: Sequence[Event], token: str) -> None:
        """Apply the events (in order); raise to have the whole batch retried."""
        ...

    async def landed(self, pending: Sequence[tuple[Event, str]]) -> set[uuid.UUID]:
        """Of events claimed by an unfinished earlier batch (event, its token), those whose effect happened."""
        ...


@dataclass(frozen=True, slots=True)
class Outcome:
    applied: int
    duplicates: int
    stale: int


async def consume(consumer: EventConsumer, events: Sequence[Event], store: DedupStore) -> Outcome:
    """Apply a batch through the consumer exactly once in effect (see the module docstring)."""
    unique: dict[uuid.UUID, Event] = {}
    for event in events:
        unique.setdefault(event.event_id, event)
    token = uuid.uuid4().hex
    claims = await store.claim(consumer.name, list(unique), token)
    fresh = {e for e, c in claims.items() if c.state is ClaimState.NEW}
    pending = [(unique[e], c.token or "") for e, c in claims.items() if c.state is ClaimState.PENDING]
    landed: set[uuid.UUID] = set()
    if pending:
        landed = await consumer.landed(pending)
        if landed:
            await store.complete(consumer.name, list(landed))
        retaken = [e.event_id for e, _ in pending if e.event_id not in landed]
        await store.take_over(consumer.name, retaken, token)
        fresh.update(retaken)
    todo = [e for e in unique.values() if e.event_id in fresh]
    stale: list[Event] = []
    if consumer.skip_stale and todo:
        applied = await store.versions(consumer.name, sorted({e.issue_id for e in todo if e.issue_id is not None}))
        stale = [e for e in todo if e.issue_id in applied and (e.version or 0) < applied[e.issue_id]]
        todo = [e for e in todo if e not in stale]
    try:
        if todo:
            await consumer.apply(todo, token)
    except BaseException:
        await store.release(consumer.name, [e.event_id for e in todo + stale], token)
        raise
    await store.complete(consumer.name, [e.event_id for e in todo + stale])
    if consumer.skip_stale:
        newest: dict[int, int] = {}
        for e in todo:
            if e.issue_id is not None and e.version is not None:
                newest[e.issue_id] = max(newest.get(e.issue_id, 0), e.version)
        await store.advance(consumer.name, newest)
    duplicates = len(events) - len(todo) - len(stale)
    metrics.CONSUMED.labels(consumer.name, "applied").inc(len(todo))
    metrics.CONSUMED.labels(consumer.name, "duplicate").inc(duplicates)
    metrics.CONSUMED.labels(consumer.name, "stale").inc(len(stale))
    return Outcome(applied=len(todo), duplicates=duplicates, stale=len(stale))


async def consume_isolating(
    consumer: EventConsumer, events: Sequence[Event], store: DedupStore
) -> dict[uuid.UUID, BaseException]:
    """Apply a batch; when it fails, apply its events one by one so one bad event does not fail the others.

    Returns the events that still failed, with their errors.
    """
    try:
        await consume(consumer, events, store)
        return {}
    except Exception as exc:
        if len(events) == 1:
            return {events[0].event_id: exc}
        log.warning("batch of %d failed in %s, retrying one by one: %r", len(events), consumer.name, exc)
    failed: dict[uuid.UUID, BaseException] = {}
    for event in events:
        try:
            await consume(consumer, [event], store)
        except Exception as exc:
            failed[event.event_id] = exc
    return failed
