"""Prometheus metrics of the pipeline.

Counters live in the process that does the work (the relay and consumers of `tracklake worker`, or `tracklake
serve` in in-process mode); gauges about shared state (outbox backlog and age, queue depths, dead letters) are
refreshed from PostgreSQL and RabbitMQ when scraped, so any process reports the same figures.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from tracker.db import Conn, fetch_one

log = logging.getLogger("tracklake.pipeline")

REGISTRY = CollectorRegistry(auto_describe=True)

PUBLISHED = Counter(
    "tracklake_outbox_published_total", "Outbox events published (or delivered in-process)", registry=REGISTRY
)
PUBLISH_FAILURES = Counter(
    "tracklake_outbox_publish_failures_total", "Relay batches that failed to publish", registry=REGISTRY
)
RELAY_BATCH_SECONDS = Histogram(
    "tracklake_relay_batch_seconds",
    "Claim, publish with confirms and mark sent, per batch",
    registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_BACKLOG = Gauge("tracklake_outbox_backlog", "Outbox events not yet published", registry=REGISTRY)
OUTBOX_OLDEST_AGE = Gauge(
    "tracklake_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox event", registry=REGISTRY
)
CONSUMED = Counter(
    "tracklake_consumer_events_total", "Events seen by a consumer, by outcome", ["queue", "outcome"], registry=REGISTRY
)
CONSUMER_LAG = Histogram(
    "tracklake_consumer_lag_seconds",
    "From the write (occurred_at) to the consumer having applied the event",
    ["queue"],
    registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
QUEUE_DEPTH = Gauge("tracklake_queue_messages", "Messages waiting in a pipeline queue", ["queue"], registry=REGISTRY)
RETRIES = Counter(
    "tracklake_consumer_retries_total", "Events scheduled for another attempt", ["queue"], registry=REGISTRY
)
DEAD_LETTERED = Counter(
    "tracklake_consumer_dead_letters_total", "Events given up after their retries", ["queue"], registry=REGISTRY
)
DEAD_LETTERS = Gauge("tracklake_dead_letters", "Events waiting in dead-letter storage", ["queue"], registry=REGISTRY)
WEBHOOK_DELIVERIES = Counter(
    "tracklake_webhook_deliveries_total", "Webhook deliveries by final outcome", ["outcome"], registry=REGISTRY
)


def observe_lag(queue: str, occurred_at: Iterable[Any]) -> None:
    now = time.time()
    for at in occurred_at:
        CONSUMER_LAG.labels(queue).observe(max(0.0, now - at.timestamp()))


BACKLOG_SQL = """
SELECT count(*) AS backlog, extract(epoch FROM now() - min(created_at)) AS oldest
FROM outbox WHERE sent_at IS NULL
"""


async def refresh_outbox_gauges(conn: Conn) -> None:
    """Backlog and age of the oldest unpublished event."""
    row = await fetch_one(conn, BACKLOG_SQL)
    assert row is not None
    OUTBOX_BACKLOG.set(row["backlog"])
    OUTBOX_OLDEST_AGE.set(float(row["oldest"] or 0.0))
    cur = await conn.execute("SELECT consumer, count(*) AS n FROM pipeline_dead_letters GROUP BY consumer")
    for r in await cur.fetchall():
        DEAD_LETTERS.labels(r["consumer"]).set(r["n"])


async def refresh_queue_gauges(
    rabbitmq_url: str, topology: Any, queues: Iterable[str], connect_timeout: float = 2.0
) -> None:
    """Depth of each consumer queue (consumer lag in messages) and of its dead-letter queue."""
    import aio_pika

    connection = await aio_pika.connect(rabbitmq_url, timeout=connect_timeout)
    try:
        channel = await connection.channel()
        for name in queues:
            for queue_name, gauge in (
                (topology.name(name), QUEUE_DEPTH),
                (topology.dead_letter_queue(name).name, DEAD_LETTERS),
            ):
                try:
                    q = await channel.declare_queue(queue_name, passive=True)
                except Exception:  # not declared yet: nothing waits there
                    channel = await connection.channel()
                    continue
                gauge.labels(name).set(q.declaration_result.message_count or 0)
    finally:
        await connection.close()
