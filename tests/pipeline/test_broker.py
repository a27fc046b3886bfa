"""The pipeline through the real RabbitMQ: exactly once in effect, per-issue order, and its faults."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import polars as pl
import psycopg
from psycopg.types.json import Jsonb

from api.app import create_app
from pipelines import metrics
from pipelines.broker import EVENTS_HEADER
from pipelines.topology import RETRIES_HEADER, WAREHOUSE, Topology
from pipelines.worker import Pipeline
from tests.conftest import ADMIN_TOKEN, _client
from tests.pipeline.conftest import RABBITMQ_URL, Receiver, TcpProxy, base_settings, eventually
from tracker.events import Change, Event
from tracker.webhooks.signing import verify
from warehouse.landing import LandingZone, landed_event_ids

SECRET = "a-webhook-secret-of-some-length"
TRACKLAKE = str(Path(sys.executable).parent / "tracklake")


async def outbox_events(db: psycopg.AsyncConnection[Any], project_key: str) -> list[dict[str, Any]]:
    cur = await db.execute(
        "SELECT event_id::text AS event_id, event_type, issue_id, (payload->>'version')::int AS version, sent_at"
        " FROM outbox"
        " WHERE project_key = %s ORDER BY id",
        (project_key,),
    )
    return list(await cur.fetchall())


def landed_for(zone: LandingZone, ids: set[str]) -> list[str]:
    return [e for e in landed_event_ids(zone) if e in ids]


def counter(metric: Any, *labels: str) -> float:
    return float(metric.labels(*labels)._value.get() if labels else metric._value.get())


async def test_every_event_reaches_every_consumer_once_in_issue_order(
    padmin: httpx.AsyncClient,
    pproject: dict[str, Any],
    pmake_user: Any,
    pdb: psycopg.AsyncConnection[Any],
    pipeline_db_url: str,
    topology: Topology,
    tmp_path: Path,
    receiver: Receiver,
) -> None:
    key = pproject["key"]
    alice, _ = await pmake_user()
    bob, bob_client = await pmake_user()
    carol, _ = await pmake_user()
    hook = await padmin.post(
        "/api/v1/webhooks", json={"name": "everything", "url": receiver.url(), "events": ["*"], "secret": SECRET}
    )
    assert hook.status_code == 201, hook.text
    keys = []
    for i in range(5):
        r = await padmin.post(
            "/api/v1/issues", json={"project": key, "type": "Task", "summary": f"Issue {i}", "assignee": alice}
        )
        assert r.status_code == 201, r.text
        keys.append(r.json()["key"])
    for k in keys:
        assert (await bob_client.post(f"/api/v1/issues/{k}/watchers")).status_code == 204
    for round_ in range(3):
        for k in keys:
            r = await padmin.patch(f"/api/v1/issues/{k}", json={"summary": f"{k} round {round_}"})
            assert r.status_code == 200, r.text
    r = await padmin.post(f"/api/v1/issues/{keys[0]}/comments", json={"body": f"@{carol} please look"})
    assert r.status_code == 201, r.text
    assert (await padmin.delete(f"/api/v1/issues/{keys[4]}")).status_code == 204

    events = await outbox_events(pdb, key)
    ids = {e["event_id"] for e in events}
    per_issue = Counter(e["issue_id"] for e in events)
    # per issue: created, watched by bob, three edits; then a comment and a delete
    assert len(events) == 5 * 5 + 2 and all(e["sent_at"] is None for e in events)
    # Watching is not a change of the issue: nobody is notified of it.
    told = [e for e in events if not e["event_type"].startswith("watcher.")]
    told_per_issue = Counter(e["issue_id"] for e in told)

    settings = base_settings(
        pipeline_db_url,
        tmp_path,
        rabbitmq_url=RABBITMQ_URL,
        pipeline_prefix=topology.prefix,
        webhook_retry_delays=(0.05,) * 5,
    )
    zone = LandingZone(settings.warehouse_dir / "landing")
    async with Pipeline(settings, pipeline_db_url) as pipeline:
        await asyncio.wait_for(pipeline.consumers_ready.wait(), 20)
        await eventually(lambda: _async(set(landed_for(zone, ids)) == ids))
        await eventually(lambda: _async(len(receiver.accepted()) >= len(ids)))
        await eventually(lambda: _notified(pdb, key, len(told)))

        # Everything again, as a relay that died before marking its batch sent would publish it: no new effect.
        before = {q: counter(metrics.CONSUMED, q, "duplicate") for q in ("warehouse.load", "webhooks", "notifications")}
        await pdb.execute("UPDATE outbox SET sent_at = NULL WHERE project_key = %s", (key,))

        async def all_seen_twice() -> bool:
            return all(counter(metrics.CONSUMED, q, "duplicate") >= n + len(ids) for q, n in before.items())

        await eventually(all_seen_twice)

    landed = landed_for(zone, ids)
    assert sorted(landed) == sorted(ids), "each event landed exactly once"
    delivered = [e["event_id"] for e in receiver.events()]
    assert sorted(delivered) == sorted(ids), "each event delivered to the webhook exactly once"
    assert all(verify(SECRET, r.body, r.headers.get("X-Tracklake-Signature")) for r in receiver.accepted())

    # Per-issue order: in the landing zone (batch order, then row order) and at the webhook receiver.
    frame = zone.read().filter(pl.col("project_key") == key).sort(["loaded_at", "batch_row"])
    for issue_id in per_issue:
        versions = frame.filter(frame["issue_id"] == issue_id)["version"].to_list()
        assert versions == sorted(versions), f"landing order of issue {issue_id}: {versions}"
        hooked = [e["version"] for e in receiver.events() if e["issue_id"] == issue_id]
        assert hooked == sorted(hooked) and len(hooked) == per_issue[issue_id]

    # Notifications: one per user and issue (the writes all fell in one 5 s window), each counting its events.
    cur = await pdb.execute(
        "SELECT u.username, n.issue_key, n.event_count, n.reasons FROM notifications n JOIN users u"
        " ON u.id = n.user_id WHERE n.project_key = %s ORDER BY 1, 2",
        (key,),
    )
    rows = await cur.fetchall()
    by_user: dict[str, dict[str, int]] = {}
    for row in rows:
        assert row["issue_key"] not in by_user.get(row["username"], {}), "one notification per user and issue"
        by_user.setdefault(row["username"], {})[row["issue_key"]] = row["event_count"]
    counts = {k: told_per_issue[i] for k, i in zip(keys, sorted(told_per_issue), strict=True)}
    assert by_user[alice] == counts
    assert by_user[bob] == {k: n for k, n in counts.items() if k != keys[4]}  # watchers of a deleted issue are gone
    assert by_user[carol] == {keys[0]: 1}
    assert "admin" not in by_user, "the actor is not notified of their own changes"


async def _async(value: Any) -> Any:
    return value


async def _notified(db: psycopg.AsyncConnection[Any], key: str, n_events: int) -> bool:
    cur = await db.execute(
        "SELECT count(DISTINCT ne.event_id) FROM notification_events ne JOIN notifications n"
        " ON n.id = ne.notification_id WHERE n.project_key = %s",
        (key,),
    )
    row = await cur.fetchone()
    return bool(row and row["count"] == n_events)


async def test_writes_succeed_while_rabbitmq_is_unreachable_and_every_event_arrives_after(
    pipeline_db_url: str, pdb: psycopg.AsyncConnection[Any], topology: Topology, tmp_path: Path, proxy: TcpProxy
) -> None:
    # The relay (and the API's health check) reach RabbitMQ only through a loopback proxy that is closed now;
    # the consumers connect directly. The machine's RabbitMQ keeps running for everyone else.
    down = base_settings(pipeline_db_url, tmp_path, rabbitmq_url=proxy.url, pipeline_prefix=topology.prefix)
    direct = base_settings(pipeline_db_url, tmp_path, rabbitmq_url=RABBITMQ_URL, pipeline_prefix=topology.prefix)
    app = create_app(down)
    zone = LandingZone(direct.warehouse_dir / "landing")
    failures_before = counter(metrics.PUBLISH_FAILURES)
    async with (
        app.router.lifespan_context(app),
        _client(app, ADMIN_TOKEN) as client,
        Pipeline(direct, pipeline_db_url, relay=False, dispatcher=False) as consumers,
        Pipeline(down, pipeline_db_url, consumers=False, dispatcher=False),
    ):
        await asyncio.wait_for(consumers.consumers_ready.wait(), 20)
        key = "O" + uuid.uuid4().hex[:5].upper()
        assert (await client.post("/api/v1/projects", json={"key": key, "name": "Outage"})).status_code == 201
        for i in range(30):
            r = await client.post("/api/v1/issues", json={"project": key, "type": "Bug", "summary": f"Down {i}"})
            assert r.status_code == 201, r.text
        health = (await client.get("/health")).json()
        assert health["dependencies"]["rabbitmq"]["status"] == "degraded"
        assert health["dependencies"]["database"]["status"] == "healthy"
        await eventually(lambda: _async(counter(metrics.PUBLISH_FAILURES) > failures_before))
        events = await outbox_events(pdb, key)
        assert len(events) == 30 and all(e["sent_at"] is None for e in events)
        scrape = (await client.get("/metrics")).text
        backlog = next(line for line in scrape.splitlines() if line.startswith("tracklake_outbox_backlog "))
        assert float(backlog.split()[1]) >= 30
        assert "tracklake_outbox_oldest_age_seconds" in scrape

        await proxy.open()
        ids = {e["event_id"] for e in events}
        await eventually(lambda: _async(set(landed_for(zone, ids)) == ids))

        # A cut in the middle of a stream of writes: the relay reconnects and publishes the rest.
        for i in range(20):
            if i == 10:
                await proxy.close()
            r = await client.post("/api/v1/issues", json={"project": key, "type": "Bug", "summary": f"Flaky {i}"})
            assert r.status_code == 201
        await proxy.open()
        events = await outbox_events(pdb, key)
        ids = {e["event_id"] for e in events}
        await eventually(lambda: _async(set(landed_for(zone, ids)) == ids), within=30)
        assert (await client.get("/health")).json()["dependencies"]["rabbitmq"]["status"] == "healthy"
    assert len(events) == 50
    assert sorted(landed_for(zone, ids)) == sorted(ids), "none lost, none duplicated"


async def _outbox_rows(db: psycopg.AsyncConnection[Any], key: str, n: int, issues: int) -> list[tuple[Any, ...]]:
    """Insert n events of `issues` made-up issues of project `key` into the outbox; returns the rows."""
    base = 10**12 + int.from_bytes(os.urandom(3), "big") * 1000
    rows = []
    versions: Counter[int] = Counter()
    for i in range(n):
        issue_id = base + i % issues
        versions[issue_id] += 1
        e = Event(
            event_id=uuid.uuid4(),
            type="issue.updated",
            occurred_at=datetime.now(UTC),
            actor="loader",
            actor_id=None,
            issue_id=issue_id,
            issue_key=f"{key}-{i % issues}",
            project_key=key,
            version=versions[issue_id],
            changes=[Change.of("summary", str(i), str(i + 1))],
        )
        rows.append((e.event_id, e.type, e.issue_id, e.issue_key, key, e.occurred_at, Jsonb(e.to_json())))
    async with db.cursor() as cur:
        await cur.executemany(
            "INSERT INTO outbox (event_id, event_type, issue_id, issue_key, project_key, occurred_at, payload)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    return rows


async def test_a_relay_killed_mid_batch_loses_nothing(
    pipeline_db_url: str, pdb: psycopg.AsyncConnection[Any], topology: Topology, tmp_path: Path
) -> None:
    key = "K" + uuid.uuid4().hex[:5].upper()
    rows = await _outbox_rows(pdb, key, 2000, 200)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")} | {
        "TRACKLAKE_DATABASE_URL": pipeline_db_url,
        "TRACKLAKE_RABBITMQ_URL": RABBITMQ_URL,
        "TRACKLAKE_PIPELINE_PREFIX": topology.prefix,
        "TRACKLAKE_RELAY_BATCH_SIZE": "10",
        "TRACKLAKE_LOG_LEVEL": "WARNING",
    }
    relay = subprocess.Popen([TRACKLAKE, "worker", "--no-consumers"], env=env)  # noqa: ASYNC220
    try:

        async def sent() -> int:
            cur = await pdb.execute("SELECT count(sent_at) AS n FROM outbox WHERE project_key = %s", (key,))
            row = await cur.fetchone()
            return int(row["n"]) if row else 0

        await eventually(lambda: _at_least(sent, 100), within=60, interval=0.01)
        relay.send_signal(signal.SIGKILL)
        relay.wait(10)
    finally:
        if relay.poll() is None:
            relay.kill()
        relay.wait(10)
    sent_at_kill = await sent()
    assert 0 < sent_at_kill < 2000, f"the relay was killed mid-run ({sent_at_kill} sent)"
    published = await _queued_events(topology.name(WAREHOUSE))
    assert published >= sent_at_kill  # what was marked sent is in the queue (maybe more: published, not marked)

    settings = base_settings(pipeline_db_url, tmp_path, rabbitmq_url=RABBITMQ_URL, pipeline_prefix=topology.prefix)
    zone = LandingZone(settings.warehouse_dir / "landing")
    ids = {str(r[0]) for r in rows}
    async with Pipeline(settings, pipeline_db_url, dispatcher=False):
        await eventually(lambda: _async(set(landed_for(zone, ids)) == ids), within=60, interval=0.2)
    assert sorted(landed_for(zone, ids)) == sorted(ids)
    assert await sent() == 2000


def worker_env(database_url: str, topology: Topology, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `tracklake worker` subprocess on this test's database, broker topology and data dir."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")} | {
        "TRACKLAKE_DATABASE_URL": database_url,
        "TRACKLAKE_RABBITMQ_URL": RABBITMQ_URL,
        "TRACKLAKE_PIPELINE_PREFIX": topology.prefix,
        "TRACKLAKE_DATA_DIR": str(data_dir),
        "TRACKLAKE_WAREHOUSE_REFRESH_SECONDS": "0",
        "TRACKLAKE_LOG_LEVEL": "WARNING",
        **extra,
    }


async def test_worker_with_two_processes_lands_every_event_once_in_issue_order_and_stops_cleanly(
    pipeline_db_url: str, pdb: psycopg.AsyncConnection[Any], topology: Topology, tmp_path: Path
) -> None:
    key = "W" + uuid.uuid4().hex[:5].upper()
    rows = await _outbox_rows(pdb, key, 1500, 50)
    env = worker_env(pipeline_db_url, topology, tmp_path, TRACKLAKE_RELAY_BATCH_SIZE="100")
    zone = LandingZone(tmp_path / "warehouse" / "landing")
    ids = {str(r[0]) for r in rows}
    worker = subprocess.Popen([TRACKLAKE, "worker", "--processes", "2"], env=env)  # noqa: ASYNC220
    try:
        await eventually(lambda: _async(set(landed_for(zone, ids)) == ids), within=90, interval=0.2)
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait, 30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(10)
    assert sorted(landed_for(zone, ids)) == sorted(ids)  # each once
    frame = zone.read().filter(pl.col("project_key") == key).sort("loaded_at", "batch_row")
    for _, versions in frame.group_by("issue_id", maintain_order=True).agg(pl.col("version")).iter_rows():
        assert versions == sorted(versions), "an issue's events landed out of order"


async def test_the_relay_process_exits_when_the_worker_is_killed(
    pipeline_db_url: str, topology: Topology, tmp_path: Path
) -> None:
    """A SIGKILLed worker (OOM killer, a supervisor's last resort) must not leave its relay running."""
    import psutil

    env = worker_env(pipeline_db_url, topology, tmp_path)
    worker = subprocess.Popen([TRACKLAKE, "worker", "--processes", "2"], env=env)  # noqa: ASYNC220
    parent = psutil.Process(worker.pid)
    relay = None
    try:
        for _ in range(300):
            children = [c for c in parent.children() if "resource_tracker" not in " ".join(c.cmdline())]
            if children:
                relay = children[0]
                break
            await asyncio.sleep(0.1)
        assert relay is not None, "the relay process did not start"
        await asyncio.sleep(2)  # let it get going
        worker.kill()
        worker.wait(10)
        gone, _alive = await asyncio.to_thread(psutil.wait_procs, [relay], 30)
        assert relay in gone, "the relay process outlived its worker"
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(10)
        if relay is not None and relay.is_running():
            relay.kill()  # the test failed: do not leave it behind


async def _at_least(count: Any, n: int) -> bool:
    return bool(await count() >= n)


async def _queued_events(name: str) -> int:
    """Events waiting in a queue (a batch message counts its events); every message stays there."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        events = 0
        while (message := await queue.get(no_ack=False, fail=False)) is not None:
            events += int((message.headers or {}).get(EVENTS_HEADER, 1))  # type: ignore[arg-type]
    finally:
        await connection.close()  # unacknowledged: back to the queue
    return events


def updates(*, issue_id: int, count: int) -> list[Event]:
    """Events of one issue, versions 0.. in order, as a producer other than the relay would send them."""
    return [
        Event(
            event_id=uuid.uuid4(),
            type="issue.updated",
            occurred_at=datetime.now(UTC),
            actor="x",
            actor_id=None,
            issue_id=issue_id,
            version=n,
        )
        for n in range(count)
    ]


async def _queue_depth(name: str) -> int:
    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return int(queue.declaration_result.message_count or 0)
    finally:
        await connection.close()


async def test_a_poison_message_is_dead_lettered_after_its_retries_without_blocking_the_queue(
    pipeline_db_url: str, topology: Topology, tmp_path: Path
) -> None:
    settings = base_settings(
        pipeline_db_url,
        tmp_path,
        rabbitmq_url=RABBITMQ_URL,
        pipeline_prefix=topology.prefix,
        consumer_max_retries=2,
        consumer_retry_base_seconds=1.0,
        consumer_prefetch=1,  # one message in flight: a message that blocked would stop everything behind it
    )
    zone = LandingZone(settings.warehouse_dir / "landing")
    retries_before = counter(metrics.RETRIES, WAREHOUSE)
    dead_before = counter(metrics.DEAD_LETTERED, WAREHOUSE)
    async with Pipeline(settings, pipeline_db_url, relay=False, dispatcher=False) as pipeline:
        await asyncio.wait_for(pipeline.consumers_ready.wait(), 20)
        good = updates(issue_id=1, count=20)
        connection = await aio_pika.connect(RABBITMQ_URL)
        try:
            channel = await connection.channel()
            exchange = await channel.get_exchange(topology.exchange.name)
            await exchange.publish(
                aio_pika.Message(b'{"event_id": "not a uuid"}', content_type="application/json", message_id="poison"),
                routing_key="",
            )
            for e in good:
                body = json.dumps(e.to_json()).encode()
                await exchange.publish(aio_pika.Message(body, content_type="application/json"), routing_key="")
            ids = {str(e.event_id) for e in good}
            await eventually(lambda: _async(set(landed_for(zone, ids)) == ids), within=10)
            assert await _queue_depth(topology.dead_letter_queue(WAREHOUSE).name) == 0  # still being retried

            dlq = topology.dead_letter_queue(WAREHOUSE).name
            await eventually(lambda: _depth_is(dlq, 1), within=15, interval=0.1)
            queue = await channel.declare_queue(dlq, passive=True)
            message = await queue.get(no_ack=True)
            assert message is not None
            assert message.body == b'{"event_id": "not a uuid"}'
            assert message.headers[RETRIES_HEADER] == 2
            assert "ValidationError" in str(message.headers["x-tracklake-error"])
        finally:
            await connection.close()
    assert counter(metrics.RETRIES, WAREHOUSE) == retries_before + 2
    assert counter(metrics.DEAD_LETTERED, WAREHOUSE) == dead_before + 1
    assert sorted(landed_for(zone, ids)) == sorted(ids)


async def test_a_bad_event_in_a_batch_message_takes_the_retries_alone_and_the_others_land(
    pipeline_db_url: str, topology: Topology, tmp_path: Path
) -> None:
    """The relay sends batch messages (a JSON array of events): an element that fails is retried and dead-lettered
    on its own, while the rest of its message lands once."""
    settings = base_settings(
        pipeline_db_url,
        tmp_path,
        rabbitmq_url=RABBITMQ_URL,
        pipeline_prefix=topology.prefix,
        consumer_max_retries=1,
        consumer_retry_base_seconds=1.0,  # the `topology` fixture removes the retry queues of this ladder
    )
    zone = LandingZone(settings.warehouse_dir / "landing")
    retries_before = counter(metrics.RETRIES, WAREHOUSE)
    dead_before = counter(metrics.DEAD_LETTERED, WAREHOUSE)
    good = updates(issue_id=7, count=3)
    bad = {"event_id": "not a uuid", "type": "issue.updated"}
    elements = [good[0].to_json(), bad, good[1].to_json(), good[2].to_json()]
    async with Pipeline(settings, pipeline_db_url, relay=False, dispatcher=False) as pipeline:
        await asyncio.wait_for(pipeline.consumers_ready.wait(), 20)
        connection = await aio_pika.connect(RABBITMQ_URL)
        try:
            channel = await connection.channel()
            exchange = await channel.get_exchange(topology.exchange.name)
            await exchange.publish(
                aio_pika.Message(
                    json.dumps(elements).encode(), content_type="application/json", headers={EVENTS_HEADER: 4}
                ),
                routing_key="",
            )
            ids = {str(e.event_id) for e in good}
            await eventually(lambda: _async(set(landed_for(zone, ids)) == ids), within=10)
            dlq = topology.dead_letter_queue(WAREHOUSE).name
            await eventually(lambda: _depth_is(dlq, 1), within=15, interval=0.1)
            queue = await channel.declare_queue(dlq, passive=True)
            message = await queue.get(no_ack=True)
            assert message is not None
            assert json.loads(message.body) == bad  # the bad element alone, not its batch
            assert message.headers[RETRIES_HEADER] == 1
            assert "ValidationError" in str(message.headers["x-tracklake-error"])
        finally:
            await connection.close()
    assert counter(metrics.RETRIES, WAREHOUSE) == retries_before + 1
    assert counter(metrics.DEAD_LETTERED, WAREHOUSE) == dead_before + 1
    assert sorted(landed_for(zone, ids)) == sorted(ids)  # each good event once


async def _depth_is(name: str, n: int) -> bool:
    return await _queue_depth(name) == n


async def test_a_webhook_failing_three_times_gets_one_signed_accepted_delivery_and_failures_can_be_redelivered(
    padmin: httpx.AsyncClient,
    pproject: dict[str, Any],
    pipeline_db_url: str,
    topology: Topology,
    tmp_path: Path,
    receiver: Receiver,
) -> None:
    r = await padmin.post(
        "/api/v1/webhooks",
        json={"name": "created", "url": receiver.url(), "events": ["issue.created"], "secret": SECRET},
    )
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["secret"] == SECRET and "secret" not in (await padmin.get(f"/api/v1/webhooks/{hook['id']}")).json()
    settings = base_settings(
        pipeline_db_url,
        tmp_path,
        rabbitmq_url=RABBITMQ_URL,
        pipeline_prefix=topology.prefix,
        webhook_retry_delays=(0.05, 0.1, 0.2, 0.4, 0.8),
    )
    receiver.statuses = [500, 503, 500]
    async with Pipeline(settings, pipeline_db_url):
        created = await padmin.post("/api/v1/issues", json={"project": pproject["key"], "type": "Task", "summary": "x"})
        assert created.status_code == 201

        async def delivered() -> list[dict[str, Any]]:
            body = (await padmin.get(f"/api/v1/webhooks/{hook['id']}/deliveries?status=delivered")).json()
            return list(body["deliveries"])

        (delivery,) = await eventually(delivered)
        assert [x.status for x in receiver.requests] == [500, 503, 500, 200]
        assert len(receiver.accepted()) == 1
        assert all(verify(SECRET, x.body, x.headers.get("X-Tracklake-Signature")) for x in receiver.requests)
        assert receiver.events()[0]["issue_key"] == created.json()["key"]
        detail = (await padmin.get(f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}")).json()
        assert detail["attempts"] == 4 and [a["status_code"] for a in detail["attempt_log"]] == [500, 503, 500, 200]

        # A receiver that keeps failing: recorded as failed after the first attempt and five retries.
        receiver.statuses = [500] * 6
        await padmin.post("/api/v1/issues", json={"project": pproject["key"], "type": "Task", "summary": "y"})

        async def failed() -> list[dict[str, Any]]:
            body = (await padmin.get(f"/api/v1/webhooks/{hook['id']}/deliveries?status=failed")).json()
            return list(body["deliveries"])

        (failure,) = await eventually(failed)
        assert failure["attempts"] == 6 and failure["last_status_code"] == 500
        r = await padmin.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{failure['id']}/redeliver")
        assert r.status_code == 202 and r.json()["status"] == "pending"
        again = await padmin.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{failure['id']}/redeliver")
        assert again.status_code in (202, 409)  # 409 while it is still pending or being sent

        async def redelivered() -> bool:
            body = (await padmin.get(f"/api/v1/webhooks/{hook['id']}/deliveries/{failure['id']}")).json()
            return bool(body["status"] == "delivered")

        await eventually(redelivered)
    assert len(receiver.accepted()) == 2
    assert [x.status for x in receiver.requests] == [500, 503, 500, 200] + [500] * 6 + [200]


async def test_a_webhooks_jql_filter_is_evaluated_as_its_owner_and_excludes_events(
    padmin: httpx.AsyncClient,
    pproject: dict[str, Any],
    pmake_user: Any,
    pdb: psycopg.AsyncConnection[Any],
    pipeline_db_url: str,
    topology: Topology,
    tmp_path: Path,
    receiver: Receiver,
) -> None:
    # A second project that nobody but administrators may browse.
    other = (await padmin.post("/api/v1/projects", json={"key": pproject["key"] + "X", "name": "Hidden"})).json()
    cur = await pdb.execute(
        "INSERT INTO permission_schemes (name) VALUES (%s) RETURNING id", (f"nobody browses {other['key']}",)
    )
    scheme = await cur.fetchone()
    assert scheme is not None
    await pdb.execute("UPDATE projects SET permission_scheme_id = %s WHERE key = %s", (scheme["id"], other["key"]))

    async def register(client: httpx.AsyncClient, path: str, jql: str | None) -> int:
        body = {"name": path, "url": receiver.url(path), "events": ["issue.created"], "jql": jql}
        r = await client.post("/api/v1/webhooks", json=body)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    unfiltered = await register(padmin, "/all", None)
    by_project = await register(padmin, "/project", f"project = {pproject['key']}")
    # An owner who was an administrator when registering and is not any more: their browse permission applies.
    owner_name, owner = await pmake_user()
    await pdb.execute("UPDATE users SET is_admin = true WHERE username = %s", (owner_name,))
    by_owner = await register(owner, "/owner", "type = Task")
    await pdb.execute("UPDATE users SET is_admin = false WHERE username = %s", (owner_name,))
    bugs = await register(padmin, "/bugs", "type = Bug")

    settings = base_settings(pipeline_db_url, tmp_path, rabbitmq_url=RABBITMQ_URL, pipeline_prefix=topology.prefix)
    async with Pipeline(settings, pipeline_db_url):
        visible = await padmin.post("/api/v1/issues", json={"project": pproject["key"], "type": "Task", "summary": "a"})
        hidden = await padmin.post("/api/v1/issues", json={"project": other["key"], "type": "Task", "summary": "b"})
        assert visible.status_code == hidden.status_code == 201

        async def both_delivered_unfiltered() -> bool:
            return len([r for r in receiver.accepted() if r.path == "/all"]) == 2

        await eventually(both_delivered_unfiltered)

        async def nothing_open() -> bool:
            cur = await pdb.execute(
                "SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = ANY(%s) AND status <> 'delivered'",
                ([unfiltered, by_project, by_owner, bugs],),
            )
            row = await cur.fetchone()
            return row is not None and row["n"] == 0

        await eventually(nothing_open)
    keys: dict[str, list[str]] = {}
    for path in ("/all", "/project", "/owner", "/bugs"):
        keys[path] = sorted(json.loads(r.body)["event"]["issue_key"] for r in receiver.accepted() if r.path == path)
    assert keys["/all"] == sorted([visible.json()["key"], hidden.json()["key"]])
    assert keys["/project"] == [visible.json()["key"]]  # the filter excludes the other project's event
    assert keys["/owner"] == [visible.json()["key"]]  # the owner may not browse the hidden project
    assert keys["/bugs"] == []  # matches no issue: no delivery at all
    cur = await pdb.execute(
        "SELECT webhook_id, count(*) AS n FROM webhook_deliveries WHERE webhook_id = ANY(%s) GROUP BY 1",
        ([unfiltered, by_project, by_owner, bugs],),
    )
    assert {r["webhook_id"]: r["n"] for r in await cur.fetchall()} == {unfiltered: 2, by_project: 1, by_owner: 1}
