"""FastStream on RabbitMQ: the relay's publisher and the consumers' subscribers with retries and dead letters.

Each consumer queue gets a small typed subscriber (`event: Event` is validated by FastStream) that hands the
event to a micro-batcher and returns once the batch was applied; `RetryMiddleware` then acks it, or on any
error (a payload that does not validate included) republishes it to the queue's next retry step with
`x-tracklake-retries` incremented, or — once the retries are spent — rejects it so RabbitMQ dead-letters it to
`<queue>.dlq`. A failing message never blocks the queue: it waits in a retry queue while later ones flow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from faststream.middlewares import AckPolicy, BaseMiddleware
from faststream.rabbit import Channel, RabbitBroker, RabbitMessage, RabbitRouter

from pipelines import metrics
from pipelines.batching import MicroBatcher
from pipelines.consumer import EventConsumer, consume_isolating
from pipelines.dedup import DedupStore
from pipelines.relay import OutboxRow, PublishResult, lanes_in_order
from pipelines.topology import ERROR_HEADER, RETRIES_HEADER, Topology, declare
from tracker.events import Event

log = logging.getLogger("tracklake.pipeline")


def make_broker(url: str, **kwargs: Any) -> RabbitBroker:
    """A FastStream broker whose per-message log lines stay at DEBUG."""
    kwargs.setdefault("log_level", logging.DEBUG)
    kwargs.setdefault("graceful_timeout", 10.0)
    return RabbitBroker(url, **kwargs)


class RabbitPublisher:
    """Publishes outbox rows to the fanout exchange with publisher confirms, each lane's rows in order."""

    def __init__(
        self, broker: RabbitBroker, topology: Topology, queues: Sequence[str], *, timeout: float = 10.0
    ) -> None:
        self.broker = broker
        self.topology = topology
        self.queues = tuple(queues)
        self.timeout = timeout
        self._declared = False

    async def ensure_connected(self) -> None:
        """Connect and declare the topology (raises while RabbitMQ is unreachable)."""
        await self.broker.connect()
        if not self._declared:
            await declare(self.broker, self.topology, self.queues)
            self._declared = True

    async def publish(self, rows: Sequence[OutboxRow]) -> PublishResult:
        result = PublishResult()
        try:
            await self.ensure_connected()
        except Exception as exc:
            result.error = exc
            return result
        exchange = self.topology.exchange

        async def lane(lane_rows: list[OutboxRow]) -> None:
            for row in lane_rows:  # the next event of a lane goes only after the broker confirmed this one
                await self.broker.publish(
                    row.body.encode(),
                    exchange=exchange,
                    routing_key=row.event_type,
                    persist=True,
                    message_id=str(row.event_id),
                    content_type="application/json",
                    timeout=self.timeout,
                )
                result.sent.append(row.id)

        outcomes = await asyncio.gather(*(lane(r) for r in lanes_in_order(rows).values()), return_exceptions=True)
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        if errors:
            result.error = errors[0]
        return result


def retry_middleware(topology: Topology, queue: str, broker: RabbitBroker) -> type[BaseMiddleware]:
    """A subscriber middleware: ack on success; on failure retry with backoff, then dead-letter."""

    class RetryMiddleware(BaseMiddleware):
        async def consume_scope(self, call_next: Any, msg: Any) -> Any:
            try:
                result = await call_next(msg)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._failed(msg, exc)
                return None
            await msg.ack()
            return result

        async def _failed(self, msg: RabbitMessage, exc: Exception) -> None:
            headers = dict(msg.headers or {})
            retries = int(headers.get(RETRIES_HEADER, 0))
            headers[ERROR_HEADER] = f"{type(exc).__name__}: {exc}"[:500]
            if retries < topology.max_retries:
                headers[RETRIES_HEADER] = retries + 1
                retry_queue = topology.retry_queue(queue, retries + 1)
                try:
                    await broker.publish(
                        msg.body,
                        routing_key=retry_queue.name,
                        persist=True,
                        headers=headers,
                        message_id=msg.message_id,
                        content_type=msg.content_type,
                    )
                except Exception:
                    log.exception("could not schedule a retry on %s; requeueing", retry_queue.name)
                    await msg.nack(requeue=True)
                    return
                metrics.RETRIES.labels(queue).inc()
                log.warning("%s: %s failed (%r), retry %d", queue, msg.message_id, exc, retries + 1)
                await msg.ack()
            else:
                metrics.DEAD_LETTERED.labels(queue).inc()
                log.error("%s: %s failed after %d retries, dead-lettered: %r", queue, msg.message_id, retries, exc)
                await msg.reject(requeue=False)

    return RetryMiddleware


def consumer_router(
    topology: Topology,
    consumer: EventConsumer,
    store: DedupStore,
    broker: RabbitBroker,
    *,
    prefetch: int,
    batch_seconds: float = 0.05,
) -> RabbitRouter:
    """The FastStream router of one consumer queue."""
    batcher = MicroBatcher(
        lambda events: consume_isolating(consumer, events, store), max_size=prefetch, max_delay=batch_seconds
    )
    router = RabbitRouter(middlewares=[retry_middleware(topology, consumer.name, broker)])

    @router.subscriber(
        topology.queue(consumer.name),
        topology.exchange,
        channel=Channel(prefetch_count=prefetch),
        ack_policy=AckPolicy.MANUAL,
        title=consumer.name,
    )
    async def on_event(event: Event) -> None:
        await batcher.submit(event)

    return router


async def delete_topology(url: str, topology: Topology, queues: Sequence[str]) -> None:
    """Remove the exchanges and queues of a topology (test cleanup)."""
    import aio_pika

    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        names: list[str] = topology.all_names(tuple(queues))
        for name in names:
            await channel.queue_delete(name, if_unused=False, if_empty=False)
        for exchange in (topology.exchange.name, topology.dead_letter_exchange.name):
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()
