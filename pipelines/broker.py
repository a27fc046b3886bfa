"""FastStream on RabbitMQ: the relay's publisher and the consumers' subscribers with retries and dead letters.

Each consumer queue gets a small subscriber that hands the raw body to a micro-batcher (which validates the
events of a batch in one go) and returns once the batch was applied; `RetryMiddleware` then acks it (in bulk,
through the channel's ack window), or on any
error (a payload that does not validate included) republishes it to the queue's next retry step with
`x-tracklake-retries` incremented, or — once the retries are spent — rejects it so RabbitMQ dead-letters it to
`<queue>.dlq`. A failing message never blocks the queue: it waits in a retry queue while later ones flow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiormq import spec
from faststream.middlewares import AckPolicy, BaseMiddleware
from faststream.rabbit import Channel, RabbitBroker, RabbitMessage, RabbitRouter

from pipelines import metrics
from pipelines.acks import AckWindow, window_of
from pipelines.batching import MicroBatcher
from pipelines.consumer import EventConsumer, consume_isolating
from pipelines.dedup import DedupStore
from pipelines.relay import OutboxRow, PublishResult
from pipelines.topology import ERROR_HEADER, RETRIES_HEADER, Topology, declare

log = logging.getLogger("tracklake.pipeline")


def make_broker(url: str, **kwargs: Any) -> RabbitBroker:
    """A FastStream broker whose per-message log lines stay at DEBUG.

    Handlers get their arguments as decoded (no FastDepends per message): the consumers' handler takes the raw
    body and the micro-batcher validates events in bulk, which cost a fraction of per-message validation.
    """
    kwargs.setdefault("log_level", logging.DEBUG)
    kwargs.setdefault("apply_types", False)
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
        """Publish a batch pipelined on one confirming channel, then await every confirm together.

        FastStream's connection, channel and declared exchange carry the messages, but the hot path writes the
        frames through the channel's underlying aiormq channel: the per-message work of `broker.publish`
        (middlewares, encoding, message objects) cost more than RabbitMQ itself. Frames go out in id order on
        one channel, so RabbitMQ enqueues each lane's rows in order; a lane's rows after its first unconfirmed
        one are not marked sent (they are published again later, and consumers' dedup absorbs the copy).
        """
        result = PublishResult()
        try:
            await self.ensure_connected()
            exchange = await self.broker.declare_exchange(self.topology.exchange)
            channel = await exchange.channel.get_underlay_channel()
        except Exception as exc:
            result.error = exc
            return result
        ordered = sorted(rows, key=lambda r: r.id)
        # Tasks start in this order and take the channel's FIFO lock before their first suspension, so the
        # frames are written in id order.
        confirms = [
            asyncio.ensure_future(
                channel.basic_publish(
                    row.body.encode(),
                    exchange=exchange.name,
                    routing_key=row.event_type,
                    # correlation_id too: FastStream generates one (a uuid4) for every message without it
                    properties=spec.Basic.Properties(
                        delivery_mode=2,
                        message_id=str(row.event_id),
                        correlation_id=str(row.event_id),
                        content_type="application/json",
                    ),
                    timeout=self.timeout,
                )
            )
            for row in ordered
        ]
        outcomes = await asyncio.gather(*confirms, return_exceptions=True)
        blocked: set[int] = set()  # lanes with an unconfirmed row: nothing after it is marked sent
        for row, outcome in zip(ordered, outcomes, strict=True):
            if row.lane in blocked:
                continue
            if isinstance(outcome, BaseException) or not isinstance(outcome, spec.Basic.Ack):
                blocked.add(row.lane)
                if result.error is None:
                    result.error = outcome if isinstance(outcome, BaseException) else RuntimeError(repr(outcome))
                continue
            result.sent.append(row.id)
        return result


def _window(msg: RabbitMessage) -> tuple[AckWindow | None, int]:
    """The ack window of a delivery's channel (see pipelines.acks) and its tag; no window once it closed."""
    raw = msg.raw_message
    try:
        channel = raw.channel
    except Exception:
        return None, 0  # the channel closed: the delivery comes again on the next one
    if raw.delivery_tag is None:
        return None, 0
    return window_of(channel), raw.delivery_tag


def _window_start(msg: RabbitMessage) -> None:
    window, tag = _window(msg)
    if window is not None:
        window.start(tag)


def _window_mark(msg: RabbitMessage, *, ack: bool) -> None:
    """Hand a processed delivery to its channel's ack window."""
    window, tag = _window(msg)
    if window is None:
        return
    if ack:
        window.ack(tag)
    else:
        window.settled(tag)


def retry_middleware(topology: Topology, queue: str, broker: RabbitBroker) -> type[BaseMiddleware]:
    """A subscriber middleware: ack on success; on failure retry with backoff, then dead-letter."""

    class RetryMiddleware(BaseMiddleware):
        async def consume_scope(self, call_next: Any, msg: Any) -> Any:
            _window_start(msg)
            try:
                result = await call_next(msg)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                try:
                    await self._failed(msg, exc)
                finally:
                    _window_mark(msg, ack=False)
                return None
            _window_mark(msg, ack=True)
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


async def raw_body(msg: RabbitMessage) -> bytes:
    """Subscriber decoder: the body as it came; the micro-batcher validates events a batch at a time."""
    return bytes(msg.body)


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
    # Twice the batch is in flight, so the next batch is delivered while one is being applied.
    batcher = MicroBatcher(
        lambda events: consume_isolating(consumer, events, store),
        max_size=max(1, prefetch // 2),
        max_delay=batch_seconds,
    )
    router = RabbitRouter(middlewares=[retry_middleware(topology, consumer.name, broker)])

    @router.subscriber(
        topology.queue(consumer.name),
        topology.exchange,
        channel=Channel(prefetch_count=prefetch),
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_body,
        title=consumer.name,
        description="tracker events (tracker.events.Event as JSON), validated a batch at a time",
    )
    async def on_event(body: bytes) -> None:
        await batcher.submit(body)

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
