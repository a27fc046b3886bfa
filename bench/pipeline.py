"""Pipeline benchmark: outbox → relay → RabbitMQ (publisher confirms) → warehouse.load → Parquet landing zone.

Prints one JSON object:
- `sustained`: a backlog of N committed outbox events drained end to end (relay publishing with confirms, the
  warehouse consumer landing them), in events/s;
- `lag`: events committed one transaction each at a steady 1,000 events/s; lag = the landing file holding the
  event became visible (its mtime, set before the atomic rename) minus the commit; p50/p99 in ms;
- `baseline`: raw aio-pika publish-with-confirms of the same events, one persistent message each as a plain
  publisher sends them (to a durable fanout exchange with one durable queue, in windows of the relay's batch
  size), measured in the same run, and the ratio. The relay itself sends a batch's events as batch messages (a
  JSON array of up to 500 events, see docs/pipeline.md), so the pipeline can outrun this baseline.
Targets (issue 6): lag p99 ≤ 250 ms; sustained throughput within 2x of the baseline.

The relay and the consumer run in worker processes of their own (`--processes 2`: one each, as `tracklake worker
--processes 2`; `--processes 1`: one for both), apart from this process, which writes (as the API would) and
measures. The clock of the sustained run starts when the processes are up and the relay is told to start.

    python bench/pipeline.py [--events 20000] [--lag-seconds 10] [--rate 1000] [--processes 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import psycopg
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.broker import RabbitPublisher, consumer_router, delete_topology, make_broker
from pipelines.consumers.warehouse import WarehouseSink
from pipelines.dedup import PostgresDedup, RedisDedup
from pipelines.relay import OutboxRelay
from pipelines.topology import WAREHOUSE, Topology, declare
from tracker.events import Change, Event
from tracklake.migrate import migrate
from warehouse.landing import LandingZone

SERVER = os.environ.get("TRACKLAKE_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
RABBITMQ = os.environ.get("TRACKLAKE_BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS = os.environ.get("TRACKLAKE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
DB = "tracklake_bench_pipeline"
BATCH = 500
PREFETCH = 16  # deliveries in flight, as the worker's default (the relay's batch messages carry up to 500 events)
INSERT = (
    "INSERT INTO outbox (event_id, event_type, issue_id, issue_key, project_key, occurred_at, payload)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
)


# The relay's share of the lag: its claiming transaction's start (sent_at = now()) minus the write's.
PICKUP = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)
FROM (SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM outbox WHERE sent_at IS NOT NULL) AS s
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def make_event(n: int, lanes: int) -> Event:
    issue = n % lanes + 1
    return Event(
        event_id=uuid.uuid4(),
        type="issue.updated",
        occurred_at=datetime.now(UTC),
        actor="bench",
        actor_id=1,
        issue_id=issue,
        issue_key=f"BENCH-{issue}",
        project_key="BENCH",
        version=n // lanes + 2,
        changes=[Change.of("summary", f"summary {n}", f"summary {n + 1}"), Change.of("priority", "3", "2")],
    )


def row(e: Event) -> tuple[Any, ...]:
    return (e.event_id, e.type, e.issue_id, e.issue_key, e.project_key, e.occurred_at, Jsonb(e.to_json()))


_ROWS: dict[Path, int] = {}


def landed_count(zone: LandingZone) -> int:
    """Events landed so far, from the files' Parquet footers (each bench event has two changes, so two rows)."""
    import pyarrow.parquet as pq

    for path in zone.files():
        if path not in _ROWS:
            _ROWS[path] = pq.read_metadata(path).num_rows
    return sum(n for p, n in _ROWS.items() if p.is_relative_to(zone.root)) // 2


async def landed(zone: LandingZone, n: int, within: float) -> None:
    """Wait until n events landed (counted off the event loop so the pipeline is not slowed)."""
    deadline = time.monotonic() + within
    while True:
        if await asyncio.to_thread(landed_count, zone) >= n or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)


async def _run_parts(
    parts: str, prefix: str, landing: str, dedup: str, dedup_prefix: str, url: str, ready: Any, go: Any, stop: Any
) -> None:
    """The relay and/or the warehouse consumer ("relay", "consumer" or "both"), like `tracklake worker`."""
    topology = Topology(prefix=prefix)
    store: Any = None
    consumer_broker: Any = None
    if parts in ("consumer", "both"):
        store = RedisDedup.from_url(REDIS, dedup_prefix) if dedup == "redis" else PostgresDedup(url)
        consumer_broker = make_broker(RABBITMQ)
        consumer_broker.include_router(
            consumer_router(topology, WarehouseSink(Path(landing)), store, consumer_broker, prefetch=PREFETCH)
        )
        await consumer_broker.connect()
        await declare(consumer_broker, topology, (WAREHOUSE,))
        await consumer_broker.start()
    relay_task = None
    halt = asyncio.Event()
    if parts in ("relay", "both"):
        publisher_broker = make_broker(RABBITMQ)
        publisher = RabbitPublisher(publisher_broker, topology, (WAREHOUSE,))
        await publisher.ensure_connected()
        relay = OutboxRelay(url, publisher, batch_size=BATCH, poll_seconds=0.5)
        ready.set()
        await asyncio.to_thread(go.wait)
        relay_task = asyncio.create_task(relay.run(halt))
    else:
        ready.set()
    await asyncio.to_thread(stop.wait)
    halt.set()
    if relay_task is not None:
        await relay_task
        await publisher_broker.stop()
    if consumer_broker is not None:
        await consumer_broker.stop()
        await store.close()


def run_parts(*args: Any) -> None:
    """Entry point of a pipeline process of the bench."""
    asyncio.run(_run_parts(*args))


class Stack:
    """Relay + warehouse consumer on their own topology and landing zone, in worker processes of their own (as
    `tracklake worker` runs them, apart from the API processes that write): with `processes` 2 the relay and the
    consumer each have one (`worker --processes 2`), with 1 they share one. This process only writes and
    measures."""

    def __init__(self, url: str, data: Path, dedup: str, processes: int) -> None:
        self.url = url
        self.topology = Topology(prefix=f"bench{secrets.token_hex(3)}.")
        self.zone = LandingZone(data / "landing")
        self.dedup = dedup
        self.processes = processes
        self.children: list[Any] = []

    async def __aenter__(self) -> Stack:
        context = multiprocessing.get_context("spawn")
        self.go, self.halt = context.Event(), context.Event()
        args = (self.topology.prefix, str(self.zone.root), self.dedup, f"bench{secrets.token_hex(3)}.", self.url)
        readies = []
        for parts in ("consumer", "relay") if self.processes > 1 else ("both",):
            ready = context.Event()
            child = context.Process(target=run_parts, args=(parts, *args, ready, self.go, self.halt))
            child.start()
            self.children.append(child)
            readies.append(ready)
        deadline = time.monotonic() + 60
        while not all(r.is_set() for r in readies):
            if time.monotonic() > deadline or not all(c.is_alive() for c in self.children):
                await self.__aexit__()
                raise RuntimeError("a pipeline process did not start")
            await asyncio.sleep(0.05)
        return self

    def start_relay(self) -> None:
        """Start relaying (the clock of a measurement starts here: process start-up is not the pipeline)."""
        self.go.set()

    async def __aexit__(self, *exc: object) -> None:
        self.go.set()
        self.halt.set()
        for child in self.children:
            await asyncio.to_thread(child.join, 30)
            if child.is_alive():
                child.kill()
        await delete_topology(RABBITMQ, self.topology, (WAREHOUSE,))


async def sustained(url: str, data: Path, n: int, lanes: int, dedup: str, processes: int) -> dict[str, Any]:
    events = [make_event(i, lanes) for i in range(n)]
    async with await psycopg.AsyncConnection.connect(url) as conn, conn.cursor() as cur:
        await cur.executemany(INSERT, [row(e) for e in events])
        await conn.commit()
    async with Stack(url, data, dedup, processes) as stack:
        start = time.perf_counter()
        stack.start_relay()
        await landed(stack.zone, n, 600)
        elapsed = time.perf_counter() - start
        files = len(stack.zone.files())
    return {"events": n, "seconds": round(elapsed, 3), "events_per_s": round(n / elapsed, 1), "landing_files": files}


async def lag(
    url: str, data: Path, seconds: float, rate: int, lanes: int, dedup: str, processes: int
) -> dict[str, Any]:
    committed: dict[str, float] = {}
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("TRUNCATE outbox")  # the sustained run's rows stay out of the pickup figures
    async with Stack(url, data, dedup, processes) as stack:
        stack.start_relay()
        total = int(seconds * rate)
        queue: asyncio.Queue[Event | None] = asyncio.Queue()

        async def writer() -> None:  # one transaction per event, like an API write
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                while (e := await queue.get()) is not None:
                    async with conn.transaction():
                        await conn.execute(INSERT, row(e))
                    committed[str(e.event_id)] = time.time()

        writers = [asyncio.create_task(writer()) for _ in range(8)]
        start = time.perf_counter()
        for sent in range(total):
            delay = start + sent / rate - time.perf_counter()
            if delay > 0.001:
                await asyncio.sleep(delay)
            queue.put_nowait(make_event(sent, lanes))
        for _ in writers:
            queue.put_nowait(None)
        await asyncio.gather(*writers)
        achieved = total / (time.perf_counter() - start)
        await landed(stack.zone, total, 60)
        frame = stack.zone.read()
    visible = {p.stem: p.stat().st_mtime for p in stack.zone.files()}
    lags = [
        (visible[b] - committed[e]) * 1000
        for e, b in zip(frame["event_id"].to_list(), frame["batch_id"].to_list(), strict=True)
        if e in committed
    ]
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute(PICKUP)
        pickup = await cur.fetchone()
    assert pickup is not None
    return {
        "target_rate": rate,
        "achieved_rate": round(achieved, 1),
        "relay_pickup_p50_ms": round(pickup[0], 1),
        "relay_pickup_p99_ms": round(pickup[1], 1),
        "events": len(set(frame["event_id"].to_list())),
        "p50_ms": round(percentile(lags, 50), 1),
        "p99_ms": round(percentile(lags, 99), 1),
        "max_ms": round(max(lags), 1),
        "mean_ms": round(statistics.fmean(lags), 1),
    }


async def raw_aio_pika(n: int, lanes: int) -> dict[str, Any]:
    bodies = [json.dumps(make_event(i, lanes).to_json()).encode() for i in range(n)]
    name = f"bench-raw-{secrets.token_hex(3)}"
    connection = await aio_pika.connect(RABBITMQ)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(name, aio_pika.ExchangeType.FANOUT, durable=True)
        queue = await channel.declare_queue(name, durable=True)
        await queue.bind(exchange)
        start = time.perf_counter()
        for i in range(0, n, BATCH):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(b, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=""
                    )
                    for b in bodies[i : i + BATCH]
                )
            )
        elapsed = time.perf_counter() - start
        await queue.delete(if_unused=False, if_empty=False)
        await exchange.delete()
    finally:
        await connection.close()
    return {"events": n, "seconds": round(elapsed, 3), "events_per_s": round(n / elapsed, 1)}


def recreate(name: str) -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--lag-seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--lanes", type=int, default=1000, help="distinct issues the events belong to")
    parser.add_argument("--dedup", choices=("redis", "postgres"), default="redis")
    parser.add_argument(
        "--processes",
        type=int,
        choices=(1, 2),
        default=2,
        help="2: relay and consumer in a process each (`tracklake worker --processes 2`); 1: both in one",
    )
    args = parser.parse_args()
    url = recreate(DB)
    migrate(url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            baseline = await raw_aio_pika(args.events, args.lanes)
            through = await sustained(url, Path(tmp) / "a", args.events, args.lanes, args.dedup, args.processes)
            latency = await lag(
                url, Path(tmp) / "b", args.lag_seconds, args.rate, args.lanes, args.dedup, args.processes
            )
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    result = {
        "benchmark": "pipeline",
        "dedup": args.dedup,
        "processes": args.processes,
        "sustained": through,
        "lag_at_rate": latency,
        "baseline_raw_aio_pika_confirms": baseline,
        "relay_messages": "batch messages of up to 500 events; the baseline publishes one message per event",
        "ratio_pipeline_to_raw": round(through["events_per_s"] / baseline["events_per_s"], 3),
        "targets": {"lag_p99_ms": 250, "min_ratio": 0.5},
        "meets_targets": latency["p99_ms"] <= 250 and through["events_per_s"] * 2 >= baseline["events_per_s"],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
