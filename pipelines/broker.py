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
from collections.abc import Awaitable, Callable, Sequence
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
        """Publish a batch on one confirming channel, in waves (see `publish_in_waves`).

        FastStream's connection, channel and declared exchange carry the messages, but the hot path writes the
        frames through the channel's underlying aiormq channel: the per-message work of `broker.publish`
        (middlewares, encoding, message objects) cost more than RabbitMQ itself.
        """
        try:
            await self.ensure_connected()
            exchange = await self.broker.declare_exchange(self.topology.exchange)
            channel = await exchange.channel.get_underlay_channel()
        except Exception as exc:
            return PublishResult(error=exc)

        async def send(row: OutboxRow) -> object:
            return await channel.basic_publish(
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

        return await publish_in_waves(rows, send)


async def publish_in_waves(rows: Sequence[OutboxRow], send: Callable[[OutboxRow], Awaitable[object]]) -> PublishResult:
    """Publish rows so that each lane's (issue's) rows reach the broker in order, every lane at once.

    Wave k sends the k-th row of every lane together and awaits their confirms; a lane's next row goes out only
    once the broker confirmed the one before (`spec.Basic.Ack`). A lane whose row failed sends nothing more in
    this batch: a later row must never be in a queue while an earlier one is not. Typical batches hold one row
    per issue, so they take a single wave.
    """
    result = PublishResult()
    lanes: dict[int, list[OutboxRow]] = {}
    for row in sorted(rows, key=lambda r: r.id):
        lanes.setdefault(row.lane, []).append(row)
    depth = 0
    while True:
        # Tasks start in id order and take the channel's FIFO lock before their first suspension, so the frames
        # of a wave are written in id order.
        wave = sorted((q[depth] for q in lanes.values() if depth < len(q)), key=lambda r: r.id)
        if not wave:
            return result
        outcomes = await asyncio.gather(*(send(row) for row in wave), return_exceptions=True)
        for row, outcome in zip(wave, outcomes, strict=True):
            if isinstance(outcome, BaseException) or not isinstance(outcome, spec.Basic.Ack):
                del lanes[row.lane]
                if result.error is None:
                    result.error = outcome if isinstance(outcome, BaseException) else RuntimeError(repr(outcome))
            else:
                result.sent.append(row.id)
        depth += 1


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
                except Exception:
                    # Not settled: dead-letter it rather than let a later multiple ack cover (and lose) it.
                    log.exception("%s: could not retry %s; dead-lettering it", queue, msg.message_id)
                    try:
                        await msg.reject(requeue=False)
                    except Exception:
                        return None  # the channel is gone: the delivery comes again on the next one
                _window_mark(msg, ack=False)
                return None
            _window_mark(msg, ack=True)
            return result

        async def _failed(self, msg: RabbitMessage, exc: Exception) -> None:
            headers = dict(msg.headers or {})
            try:
                retries = int(headers.get(RETRIES_HEADER, 0))
            except (TypeError, ValueError):
                retries = topology.max_retries  # a header we did not write: no more retries
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
