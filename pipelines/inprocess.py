"""The pipeline without a broker: the relay hands each batch straight to the consumer functions.

Same guarantees as with RabbitMQ: a row is marked sent only after every consumer applied its event (so a crash
redelivers, and the consumers' dedup absorbs what was already applied); an event a consumer fails on is retried
with exponential backoff (`outbox.available_at`), and after the last retry it is recorded in
`pipeline_dead_letters` for that consumer and the row is released. As with a broker's retry queues, an event
waiting for its retry holds nothing up: later events (of its issue too) go on, and the consumers that keep
per-issue state ignore it if it comes back older than what they applied.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from pydantic import ValidationError

from pipelines import metrics
from pipelines.consumer import EventConsumer, consume_isolating
from pipelines.dedup import DedupStore
from pipelines.relay import OutboxRow, PublishResult
from tracker.events import Event

log = logging.getLogger("tracklake.pipeline")


class InProcessDelivery:
    """A relay publisher that applies the batch through each consumer in turn."""

    def __init__(
        self,
        consumers: Sequence[tuple[EventConsumer, DedupStore]],
        *,
        max_retries: int = 5,
        retry_base_seconds: float = 1.0,
    ) -> None:
        self.consumers = list(consumers)
        self.max_retries = max_retries
        self.retry_base_seconds = retry_base_seconds

    async def publish(self, rows: Sequence[OutboxRow]) -> PublishResult:
        events: dict[int, Event] = {}
        failures: dict[int, list[tuple[str, BaseException]]] = {}
        for row in rows:
            try:
                events[row.id] = Event.model_validate_json(row.body)
            except ValidationError as invalid:
                failures[row.id] = [("*", invalid)]
        by_event: dict[uuid.UUID, int] = {e.event_id: row_id for row_id, e in events.items()}
        batch = [events[r.id] for r in rows if r.id in events]
        for consumer, store in self.consumers:
            failed = await consume_isolating(consumer, batch, store)
            for event_id, error in failed.items():
                failures.setdefault(by_event[event_id], []).append((consumer.name, error))
        result = PublishResult()
        for row in rows:
            problems = failures.get(row.id)
            if not problems:
                result.sent.append(row.id)
                continue
            summary = "; ".join(f"{name}: {type(exc).__name__}: {exc}" for name, exc in problems)
            if row.attempts < self.max_retries:
                result.retry[row.id] = (summary, self.retry_base_seconds * 2**row.attempts)
                for name, _ in problems:
                    metrics.RETRIES.labels(name).inc()
            else:
                for name, exc in problems:
                    result.dead.append((row.id, name, f"{type(exc).__name__}: {exc}", row.attempts + 1))
                    metrics.DEAD_LETTERED.labels(name).inc()
                log.error(
                    "event of outbox row %d dead-lettered after %d attempts: %s", row.id, row.attempts + 1, summary
                )
                result.sent.append(row.id)
        return result
