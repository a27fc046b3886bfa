"""FastStream on RabbitMQ: the relay's publisher and the consumers' subscribers with retries and dead letters.

The relay publishes each wave of a batch as batch messages (a JSON array of events; a lone event travels as its
own JSON). Each consumer queue gets a small subscriber that hands the events of a message to a micro-batcher
and returns once they were applied; `RetryMiddleware` then acks it (in bulk, through the channel's ack window),
or on any error (a payload that does not validate included) republishes it to the queue's next retry step with
`x-tracklake-retries` incremented, or — once the retries are spent — rejects it so RabbitMQ dead-letters it to
`<queue>.dlq`. When only some events of a batch message failed, each of those is republished alone instead. A
failing message never blocks the queue: it waits in a retry queue while later ones flow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from aiormq import spec
from faststream.middlewares import AckPolicy, BaseMiddleware
from faststream.rabbit import Channel, RabbitBroker, RabbitMessage, RabbitRouter
from pydantic import TypeAdapter

from pipelines import metrics
from pipelines.acks import AckWindow, window_of
from pipelines.batching import MicroBatcher
from pipelines.consumer import EventConsumer, consume_isolating
from pipelines.dedup import DedupStore
from pipelines.relay import OutboxRow, PublishResult
from pipelines.topology import ERROR_HEADER, RETRIES_HEADER, Topology, declare
from tracker.events import Event

log = logging.getLogger("tracklake.pipeline")

# A batch message (a JSON array of events) carries at most this many events and about this many bytes.
MAX_BATCH_EVENTS = 500
MAX_BATCH_BYTES = 1 << 20
EVENTS_HEADER = "x-tracklake-events"  # on a batch message: how many events it carries
BATCH_ROUTING_KEY = "batch"  # the fanout exchange ignores routing keys; this one names what travels
BATCH_EVENTS = 500  # a consumer applies up to this many events at once


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

        async def send(rows: Sequence[OutboxRow]) -> object:
            if len(rows) == 1:  # one event: its own JSON, as any single event travels
                body, message_id = rows[0].body.encode(), str(rows[0].event_id)
            else:
                body, message_id = batch_body(rows), f"{rows[0].event_id}+{len(rows) - 1}"
            return await channel.basic_publish(
                body,
                exchange=exchange.name,
                routing_key=rows[0].event_type if len(rows) == 1 else BATCH_ROUTING_KEY,
                # correlation_id too: FastStream generates one (a uuid4) for every message without it
                properties=spec.Basic.Properties(
                    delivery_mode=2,
                    message_id=message_id,
                    correlation_id=message_id,
                    content_type="application/json",
                    headers=None if len(rows) == 1 else {EVENTS_HEADER: len(rows)},
                ),
                timeout=self.timeout,
            )

        return await publish_in_waves(rows, send)


def batch_body(rows: Sequence[OutboxRow]) -> bytes:
    """The JSON array of the rows' events (each body is already an event's JSON)."""
    return b"[" + b",".join(row.body.encode() for row in rows) + b"]"


def _chunks(rows: list[OutboxRow]) -> list[list[OutboxRow]]:
    """A wave cut into messages of at most MAX_BATCH_EVENTS events and about MAX_BATCH_BYTES."""
    chunks: list[list[OutboxRow]] = [[]]
    size = 0
    for row in rows:
        if chunks[-1] and (len(chunks[-1]) >= MAX_BATCH_EVENTS or size + len(row.body) > MAX_BATCH_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(row)
        size += len(row.body) + 1
    return chunks


async def publish_in_waves(
    rows: Sequence[OutboxRow], send: Callable[[Sequence[OutboxRow]], Awaitable[object]]
) -> PublishResult:
    """Publish rows so that each lane's (issue's) rows reach the broker in order, every lane at once.

    Wave k holds the k-th row of every lane; it goes out as one message per chunk (a JSON array of events, see
    `_chunks`), and its confirms are awaited together: a lane's next row goes out only once the broker confirmed
    the one before (`spec.Basic.Ack`). A lane whose row failed sends nothing more in this batch: a later row must
    never be in a queue while an earlier one is not. Typical batches hold one row per issue, so they take a
    single wave: one message.
    """
    result = PublishResult()
    lanes: dict[int, list[OutboxRow]] = {}
    for row in sorted(rows, key=lambda r: r.id):
        lanes.setdefault(row.lane, []).append(row)
    depth = 0
    while True:
        wave = sorted((q[depth] for q in lanes.values() if depth < len(q)), key=lambda r: r.id)
        if not wave:
            return result
        chunks = _chunks(wave)
        # Tasks start in order and take the channel's FIFO lock before their first suspension, so the messages
        # of a wave are written in id order.
        outcomes = await asyncio.gather(*(send(chunk) for chunk in chunks), return_exceptions=True)
        for chunk, outcome in zip(chunks, outcomes, strict=True):
            if isinstance(outcome, BaseException) or not isinstance(outcome, spec.Basic.Ack):
                for row in chunk:
                    del lanes[row.lane]
                if result.error is None:
                    result.error = outcome if isinstance(outcome, BaseException) else RuntimeError(repr(outcome))
            else:
                result.sent.extend(row.id for row in chunk)
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


class PartialFailure(Exception):
    """Some events of a batch message failed; each (its JSON, its error) takes the retry ladder on its own."""

    def __init__(self, failed: list[tuple[bytes, BaseException]]) -> None:
        super().__init__(f"{len(failed)} events of a batch message failed")
        self.failed = failed


def retry_middleware(topology: Topology, queue: str, broker: RabbitBroker) -> type[BaseMiddleware]:
    """A subscriber middleware: ack on success; on failure retry with backoff, then dead-letter.

    A batch message whose events partly failed is acked once each failed event was republished alone, to its next
    retry step or (its retries spent) straight to the dead-letter queue: the events that were applied are not
    applied again, and only the bad ones wait.
    """

    class RetryMiddleware(BaseMiddleware):
        async def consume_scope(self, call_next: Any, msg: Any) -> Any:
            _window_start(msg)
            try:
                result = await call_next(msg)
            except asyncio.CancelledError:
                raise
            except PartialFailure as partial:
                await self._failed_apart(msg, partial)
                _window_mark(msg, ack=False)
                return None
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
            retries = _retries_of(headers)
            if retries < topology.max_retries:
                try:
                    await self._republish(msg.body, headers, msg.message_id, msg.content_type, exc, retries)
                except Exception:
                    log.exception("could not schedule a retry of %s on %s; requeueing", msg.message_id, queue)
                    await msg.nack(requeue=True)
                    return
                await msg.ack()
            else:
                metrics.DEAD_LETTERED.labels(queue).inc()
                log.error("%s: %s failed after %d retries, dead-lettered: %r", queue, msg.message_id, retries, exc)
                await msg.reject(requeue=False)

        async def _failed_apart(self, msg: RabbitMessage, partial: PartialFailure) -> None:
            headers = dict(msg.headers or {})
            headers.pop(EVENTS_HEADER, None)
            retries = _retries_of(headers)
            try:
                for body, exc in partial.failed:
                    await self._republish(body, dict(headers), None, msg.content_type, exc, retries)
            except Exception:
                # The whole message comes again; its applied events are duplicates that dedup drops.
                log.exception("%s: could not retry the failed events of %s; requeueing it", queue, msg.message_id)
                await msg.nack(requeue=True)
                return
            await msg.ack()

        async def _republish(
            self,
            body: bytes,
            headers: dict[str, Any],
            message_id: str | None,
            content_type: str | None,
            exc: BaseException,
            retries: int,
        ) -> None:
            """To the next retry step, or to the dead-letter queue once the retries are spent."""
            headers[ERROR_HEADER] = f"{type(exc).__name__}: {exc}"[:500]
            if retries < topology.max_retries:
                headers[RETRIES_HEADER] = retries + 1
                await broker.publish(
                    body,
                    routing_key=topology.retry_queue(queue, retries + 1).name,
                    persist=True,
                    headers=headers,
                    message_id=message_id,
                    content_type=content_type,
                )
                metrics.RETRIES.labels(queue).inc()
                log.warning("%s: %s failed (%r), retry %d", queue, message_id or "an event", exc, retries + 1)
            else:
                headers[RETRIES_HEADER] = min(retries, topology.max_retries)
                await broker.publish(
                    body,
                    exchange=topology.dead_letter_exchange,
                    routing_key=topology.name(queue),
                    persist=True,
                    headers=headers,
                    message_id=message_id,
                    content_type=content_type,
                )
                metrics.DEAD_LETTERED.labels(queue).inc()
                log.error("%s: an event failed after %d retries, dead-lettered: %r", queue, retries, exc)

    return RetryMiddleware


def _retries_of(headers: dict[str, Any]) -> int:
    try:
        return int(headers.get(RETRIES_HEADER, 0))
    except (TypeError, ValueError):
        return 1 << 30  # a header we did not write: no more retries


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
    # A batch closes at BATCH_EVENTS events, once every delivery the prefetch allows is waiting in it, or after
    # `batch_seconds`; a batch message (the relay's usual) is one delivery of many events.
    batcher = MicroBatcher(
        lambda events: consume_isolating(consumer, events, store),
        max_size=BATCH_EVENTS,
        max_delay=batch_seconds,
        max_waiting=prefetch,
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
        if not body.startswith(b"["):
            await batcher.submit(body)
            return
        events, bad = split_batch(body)
        outcomes = await batcher.submit_many(events)
        failed = bad + [
            (orjson.dumps(e.to_json()), error) for e, error in zip(events, outcomes, strict=True) if error is not None
        ]
        if failed and len(failed) == len(events) + len(bad):
            raise failed[0][1]  # nothing applied: the message takes the retry ladder whole
        if failed:
            raise PartialFailure(failed)

    return router


_EVENTS = TypeAdapter(list[Event])


def split_batch(body: bytes) -> tuple[list[Event], list[tuple[bytes, BaseException]]]:
    """The events of a batch message (a JSON array), and each element that is not a valid event with its error.

    Raises for a body that is not a JSON array: then the message as a whole is bad.
    """
    try:
        return _EVENTS.validate_json(body), []
    except ValueError:
        pass  # one bad element (or no array at all): find out which, below
    elements = orjson.loads(body)
    if not isinstance(elements, list):
        raise ValueError("a batch message is a JSON array of events")
    events: list[Event] = []
    bad: list[tuple[bytes, BaseException]] = []
    for element in elements:
        raw = orjson.dumps(element)
        try:
            events.append(Event.model_validate_json(raw))
        except ValueError as exc:
            bad.append((raw, exc))
    return events, bad


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
