"""Wiring of the pipeline's parts from the settings, for `tracklake worker` and in-process `tracklake serve`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from pipelines import metrics
from pipelines.consumer import EventConsumer
from pipelines.consumers.notifications import Notifier
from pipelines.consumers.warehouse import WarehouseSink
from pipelines.consumers.webhooks import WebhookEnqueuer
from pipelines.dedup import DedupStore, dedup_store
from pipelines.inprocess import InProcessDelivery
from pipelines.relay import OutboxRelay, Publisher
from pipelines.topology import enabled_queues, topology_from
from pipelines.webhook_sender import WebhookDispatcher
from tracker.db import connect
from tracker.search.es import elasticsearch_client
from tracker.webhooks.actions import parse_allowed_hosts

log = logging.getLogger("tracklake.pipeline")


def build_consumers(
    settings: Any, database_url: str, wake: asyncio.Event | None
) -> tuple[list[EventConsumer], list[Any]]:
    """The consumers the settings enable (search only with Elasticsearch), and clients to close afterwards."""
    consumers: list[EventConsumer] = []
    closeables: list[Any] = []
    if settings.elasticsearch_url:
        from pipelines.consumers.search import SearchIndexer

        es = elasticsearch_client(settings.elasticsearch_url)
        closeables.append(es)
        consumers.append(SearchIndexer(es, database_url))
    consumers.append(WarehouseSink(settings.warehouse_dir / "landing"))
    consumers.append(WebhookEnqueuer(database_url, wake))
    consumers.append(Notifier(database_url, settings.notification_batch_seconds))
    return consumers, closeables


def webhook_dispatcher(settings: Any, database_url: str) -> WebhookDispatcher:
    return WebhookDispatcher(
        database_url,
        allowed_hosts=parse_allowed_hosts(settings.webhook_allowed_hosts),
        timeout=settings.webhook_timeout_seconds,
        delays=settings.webhook_retry_delays,
        poll_seconds=settings.relay_poll_seconds,
    )


class Pipeline:
    """The running pipeline: relay, consumers and webhook dispatcher as background tasks.

    With `settings.rabbitmq_url` the relay publishes to RabbitMQ and FastStream subscribers consume; without it
    (in-process mode) the relay applies batches straight through the same consumer functions.
    """

    def __init__(
        self,
        settings: Any,
        database_url: str,
        *,
        relay: bool = True,
        consumers: bool = True,
        dispatcher: bool = True,
        metrics_refresh_seconds: float = 5.0,
    ) -> None:
        self.settings = settings
        self.database_url = database_url
        self.with_relay = relay
        self.with_consumers = consumers
        self.with_dispatcher = dispatcher
        self.metrics_refresh_seconds = metrics_refresh_seconds
        self.broker_mode = bool(settings.rabbitmq_url)
        self.topology = topology_from(settings)
        self.queues = enabled_queues(settings)
        self.stop_event = asyncio.Event()
        self.dispatcher = webhook_dispatcher(settings, database_url)
        self.relay: OutboxRelay | None = None
        self.consumer_broker: Any = None
        self.publisher_broker: Any = None
        self.consumers_ready = asyncio.Event()
        self._stores: list[DedupStore] = []
        self._closeables: list[Any] = []
        self._tasks: list[asyncio.Task[None]] = []

    def _store(self) -> DedupStore:
        store = dedup_store(self.settings, self.database_url)
        self._stores.append(store)
        return store

    def _spawn(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        async def guarded() -> None:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("pipeline task %s crashed", name)

        self._tasks.append(asyncio.create_task(guarded(), name=f"pipeline-{name}"))

    async def start(self) -> None:
        s = self.settings
        consumers, self._closeables = build_consumers(s, self.database_url, self.dispatcher.wake)
        if self.broker_mode:
            from pipelines.broker import RabbitPublisher, consumer_router, make_broker

            if self.with_relay:
                self.publisher_broker = make_broker(s.rabbitmq_url)
                publisher: Publisher = RabbitPublisher(self.publisher_broker, self.topology, self.queues)
                self.relay = self._make_relay(publisher)
            if self.with_consumers:
                self.consumer_broker = broker = make_broker(s.rabbitmq_url)
                for consumer in consumers:
                    broker.include_router(
                        consumer_router(
                            self.topology,
                            consumer,
                            self._store(),
                            broker,
                            prefetch=s.consumer_prefetch,
                            batch_seconds=s.warehouse_batch_seconds,
                        )
                    )
                self._spawn("consumers", self._start_consumers)
        elif self.with_relay:
            delivery = InProcessDelivery(
                [(c, self._store()) for c in consumers],
                max_retries=s.consumer_max_retries,
                retry_base_seconds=s.consumer_retry_base_seconds,
            )
            self.relay = self._make_relay(delivery)
            self.consumers_ready.set()
        if self.relay is not None:
            relay = self.relay
            self._spawn("relay", lambda: relay.run(self.stop_event))
        if self.with_dispatcher:
            self._spawn("webhooks", lambda: self.dispatcher.run(self.stop_event))
        self._spawn("metrics", self._refresh_metrics)

    def _make_relay(self, publisher: Publisher) -> OutboxRelay:
        s = self.settings
        return OutboxRelay(
            self.database_url,
            publisher,
            batch_size=s.relay_batch_size,
            poll_seconds=s.relay_poll_seconds,
            retention_hours=s.outbox_retention_hours,
            max_backoff=s.relay_max_backoff_seconds,
            # Through a broker, two claim loops overlap one batch's confirms with the next batch's claim.
            # In-process delivery applies batches itself: one loop keeps its consumers' work sequential.
            concurrency=2 if self.broker_mode else 1,
        )

    async def _start_consumers(self) -> None:
        """Start the subscribers, retrying while RabbitMQ is unreachable (the robust connection then reconnects)."""
        from pipelines.topology import declare

        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.2, max=5), retry=retry_if_exception_type(Exception)
        ):
            with attempt:
                if self.stop_event.is_set():
                    return
                await self.consumer_broker.connect()
                await declare(self.consumer_broker, self.topology, self.queues)
                await self.consumer_broker.start()
        self.consumers_ready.set()

    async def _refresh_metrics(self) -> None:
        while not self.stop_event.is_set():
            with contextlib.suppress(Exception):
                async with await connect(self.database_url, autocommit=True) as conn:
                    await metrics.refresh_outbox_gauges(conn)
                if self.broker_mode:
                    await metrics.refresh_queue_gauges(self.settings.rabbitmq_url, self.topology, self.queues)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), self.metrics_refresh_seconds)

    async def stop(self) -> None:
        self.stop_event.set()
        for broker in (self.consumer_broker, self.publisher_broker):
            if broker is not None:
                with contextlib.suppress(Exception):
                    await broker.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for store in self._stores:
            with contextlib.suppress(Exception):
                await store.close()
        for client in self._closeables:
            with contextlib.suppress(Exception):
                await client.close()

    async def __aenter__(self) -> Pipeline:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def run_worker(
    settings: Any,
    database_url: str,
    *,
    relay: bool = True,
    consumers: bool = True,
    processes: int = 1,
    configure_logging: Callable[[str], None] | None = None,
    parent_sentinel: int | None = None,
) -> None:
    """`tracklake worker`: run until SIGINT/SIGTERM (or, in the relay's child process, until SIGTERM or the
    parent's exit: `parent_sentinel` becomes readable when it dies, even by SIGKILL).

    With `processes=2` (and both parts asked for) the relay runs in a child process and the consumers in this
    one, so the two use two cores: in one process they share one event loop and one core. The child sets up
    its logging with `configure_logging(settings.log_level)` (a module-level function, passed by reference).
    """
    import signal

    if not settings.rabbitmq_url:
        raise SystemExit("tracklake worker needs TRACKLAKE_RABBITMQ_URL (without a broker, `serve` runs the pipeline)")
    child: Any = None
    if processes > 1 and relay and consumers:
        child = start_relay_process(settings, database_url, configure_logging)
        relay = False
    if settings.worker_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port, registry=metrics.REGISTRY)
    pipeline = Pipeline(settings, database_url, relay=relay, consumers=consumers, dispatcher=consumers)
    loop = asyncio.get_running_loop()
    # The relay's child ignores SIGINT (a Ctrl-C reaches the whole process group): the parent stops it.
    for sig in (signal.SIGTERM,) if parent_sentinel is not None else (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, pipeline.stop_event.set)
    if parent_sentinel is not None:
        loop.add_reader(parent_sentinel, pipeline.stop_event.set)
    refresher = None
    if consumers and settings.warehouse_refresh_seconds > 0:
        from warehouse.refresh import RefreshThread

        refresher = RefreshThread(
            settings.warehouse_dir, database_url, interval_seconds=settings.warehouse_refresh_seconds
        )
    watcher = None if child is None else asyncio.create_task(_watch_child(child, pipeline.stop_event))
    try:
        async with pipeline:
            log.info("tracklake worker running (relay=%s, consumers=%s, relay process=%s)", relay, consumers, child)
            await pipeline.stop_event.wait()
    finally:
        if refresher is not None:
            refresher.stop()
        if watcher is not None:
            watcher.cancel()
        if child is not None:
            await asyncio.to_thread(_stop_child, child)
    if child is not None and child.exitcode not in (0, -signal.SIGTERM):
        raise SystemExit(f"the relay process exited with {child.exitcode}")


def _relay_process_main(
    settings: Any, database_url: str, configure_logging: Callable[[str], None] | None = None
) -> None:
    """The relay's own process (`worker --processes 2`): the relay alone, until SIGTERM or the worker's exit."""
    import multiprocessing
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if configure_logging is not None:
        configure_logging(settings.log_level)
    parent = multiprocessing.parent_process()
    sentinel = parent.sentinel if parent is not None else None
    asyncio.run(run_worker(settings, database_url, relay=True, consumers=False, parent_sentinel=sentinel))


def start_relay_process(
    settings: Any, database_url: str, configure_logging: Callable[[str], None] | None = None
) -> Any:
    """Start the relay in a fresh (spawned) process; its metrics stay off (the port belongs to this one)."""
    import multiprocessing

    child_settings = settings.model_copy(update={"worker_metrics_port": None})
    process = multiprocessing.get_context("spawn").Process(
        target=_relay_process_main,
        args=(child_settings, database_url, configure_logging),
        name="tracklake-relay",
        daemon=True,
    )
    process.start()
    return process


async def _watch_child(child: Any, stop: asyncio.Event) -> None:
    """Stop the worker when the relay process dies, so a supervisor restarts the whole worker."""
    # The process's sentinel becomes readable when it exits: no thread joins it (a second waiter would race
    # _stop_child's join for the exit status).
    loop = asyncio.get_running_loop()
    exited: asyncio.Future[None] = loop.create_future()

    def on_exit() -> None:
        if not exited.done():
            exited.set_result(None)

    loop.add_reader(child.sentinel, on_exit)
    try:
        await exited
    finally:
        loop.remove_reader(child.sentinel)
    child.join(1.0)  # reap it (it has exited) for its exit code
    if not stop.is_set():
        log.error("the relay process exited (%s); stopping the worker", child.exitcode)
    stop.set()


def _stop_child(child: Any, timeout: float = 15.0) -> None:
    if child.is_alive():
        child.terminate()  # SIGTERM: the relay finishes its batch and exits
        child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
