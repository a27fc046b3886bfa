"""RabbitMQ names and queue arguments of the pipeline, in one place for the relay, the worker and the tests.

    tracklake.events (fanout) ──► <queue>            consumers; rejected messages dead-letter to tracklake.dlx
                                    │  failure n ≤ max_retries: republished to <queue>.retry.<ms>ms
                                    ▼
    <queue>.retry.<ms>ms          no consumers; x-message-ttl = the backoff, then dead-lettered back to <queue>
    tracklake.dlx (direct) ──────► <queue>.dlq       after the last retry (routing key = the queue name)

One retry queue per backoff step keeps queue-level TTLs, so a long wait never holds up a short one (per-message
TTLs only expire at the head of a queue). Names carry the backoff, so changing the schedule declares new queues
instead of failing on the old queues' arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faststream.rabbit import ExchangeType, RabbitExchange, RabbitQueue

EXCHANGE = "tracklake.events"
DEAD_LETTER_EXCHANGE = "tracklake.dlx"
SEARCH = "search.index"
WAREHOUSE = "warehouse.load"
WEBHOOKS = "webhooks"
NOTIFICATIONS = "notifications"
ALL_QUEUES = (SEARCH, WAREHOUSE, WEBHOOKS, NOTIFICATIONS)
RETRIES_HEADER = "x-tracklake-retries"
ERROR_HEADER = "x-tracklake-error"


@dataclass(frozen=True)
class Topology:
    """The exchange and queues of one deployment (a prefix keeps concurrent test runs apart)."""

    prefix: str = ""
    max_retries: int = 5
    retry_base_seconds: float = 1.0

    @property
    def exchange(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}{EXCHANGE}", type=ExchangeType.FANOUT, durable=True)

    @property
    def dead_letter_exchange(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}{DEAD_LETTER_EXCHANGE}", type=ExchangeType.DIRECT, durable=True)

    def name(self, queue: str) -> str:
        return f"{self.prefix}{queue}"

    def queue(self, queue: str) -> RabbitQueue:
        """A consumer queue: durable, one active consumer at a time (so its order is the publish order)."""
        arguments: dict[str, Any] = {
            "x-dead-letter-exchange": self.dead_letter_exchange.name,
            "x-dead-letter-routing-key": self.name(queue),
            "x-single-active-consumer": True,
        }
        return RabbitQueue(self.name(queue), durable=True, arguments=arguments)  # type: ignore[call-overload]

    def dead_letter_queue(self, queue: str) -> RabbitQueue:
        return RabbitQueue(f"{self.name(queue)}.dlq", durable=True, routing_key=self.name(queue))

    def retry_delay(self, retry: int) -> float:
        """Seconds before retry number `retry` (1-based): base, 2·base, 4·base, …"""
        return float(self.retry_base_seconds * 2 ** (retry - 1))

    def retry_queue(self, queue: str, retry: int) -> RabbitQueue:
        ms = max(1, round(self.retry_delay(retry) * 1000))
        arguments: dict[str, Any] = {
            "x-message-ttl": ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": self.name(queue),
        }
        return RabbitQueue(f"{self.name(queue)}.retry.{ms}ms", durable=True, arguments=arguments)  # type: ignore[call-overload]

    def all_names(self, queues: tuple[str, ...] = ALL_QUEUES) -> list[str]:
        """Every queue name of the topology (for cleanup and metrics)."""
        names = []
        for q in queues:
            names += [self.name(q), self.dead_letter_queue(q).name]
            names += [self.retry_queue(q, n).name for n in range(1, self.max_retries + 1)]
        return names


async def declare(broker: Any, topology: Topology, queues: tuple[str, ...]) -> None:
    """Declare the exchanges and, for each consumer queue, the queue, its retry ladder and its dead-letter queue.

    The relay declares them too, so events published before any consumer starts are kept, not dropped.
    """
    exchange = await broker.declare_exchange(topology.exchange)
    dlx = await broker.declare_exchange(topology.dead_letter_exchange)
    for name in queues:
        queue = await broker.declare_queue(topology.queue(name))
        await queue.bind(exchange, routing_key="")
        dlq = await broker.declare_queue(topology.dead_letter_queue(name))
        await dlq.bind(dlx, routing_key=topology.name(name))
        for retry in range(1, topology.max_retries + 1):
            await broker.declare_queue(topology.retry_queue(name, retry))


def topology_from(settings: Any) -> Topology:
    """The topology the settings describe."""
    return Topology(
        prefix=settings.pipeline_prefix,
        max_retries=settings.consumer_max_retries,
        retry_base_seconds=settings.consumer_retry_base_seconds,
    )


def enabled_queues(settings: Any) -> tuple[str, ...]:
    """Queues with a consumer: search.index only when Elasticsearch is configured (else it would only grow)."""
    return tuple(q for q in ALL_QUEUES if q != SEARCH or settings.elasticsearch_url)
