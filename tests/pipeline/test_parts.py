"""The pipeline's parts on their own: landing files, search bulk actions, retry schedules, signing, allow-list,
dedup stores (real Redis and PostgreSQL) and the idempotency wrapper."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.acks import AckWindow
from pipelines.batching import parse_bodies
from pipelines.consumer import consume
from pipelines.consumers.search import bulk_actions, bulk_errors, to_bulk_body
from pipelines.dedup import ClaimState, PostgresDedup, RedisDedup
from pipelines.topology import Topology
from pipelines.webhook_sender import AttemptFailed, retrying
from tracker.events import Change, Event
from tracker.notifications.actions import mentions
from tracker.webhooks.actions import check_url, host_allowed
from tracker.webhooks.signing import sign, verify
from tracklake.settings import Settings
from warehouse.landing import LANDING_SCHEMA, LandingZone, event_rows

REDIS_URL = "redis://127.0.0.1:6379/0"


def event(issue_id: int = 1, version: int = 1, *, type: str = "issue.updated", changes: int = 1, **kw: Any) -> Event:
    return Event(
        event_id=kw.pop("event_id", uuid.uuid4()),
        type=type,
        occurred_at=kw.pop("occurred_at", datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        actor="alice",
        actor_id=7,
        issue_id=issue_id,
        issue_key=f"P-{issue_id}",
        project_key="P",
        version=version,
        changes=[Change.of(f"f{i}", "a", "b", before_string="A", after_string="B") for i in range(changes)],
        **kw,
    )


# Landing zone


def test_landing_rows_one_per_change_and_one_for_an_event_without_changes() -> None:
    created = event(type="issue.created", changes=3)
    rows = event_rows(created)
    assert [r["field"] for r in rows] == ["f0", "f1", "f2"]
    assert all(r["is_create"] for r in rows)
    assert rows[0]["from_value"] == "a" and rows[0]["to_string"] == "B" and rows[0]["field_type"] == "jira"
    bare = event_rows(event(type="sprint.started", changes=0))
    assert len(bare) == 1 and bare[0]["field"] is None and bare[0]["is_create"] is False
    assert set(rows[0]) | {"batch_id", "batch_row", "loaded_at"} == set(LANDING_SCHEMA.names)


def test_landing_files_are_partitioned_immutable_and_readable_while_writing(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path / "landing")
    day1 = event(occurred_at=datetime(2026, 3, 1, 23, 59, tzinfo=UTC))
    day2 = event(occurred_at=datetime(2026, 3, 2, 0, 1, tzinfo=UTC), changes=2)
    written = zone.write_batch([day1, day2], "batch1")
    assert [p.relative_to(zone.root).as_posix() for p in written] == [
        "events/date=2026-03-01/batch1.parquet",
        "events/date=2026-03-02/batch1.parquet",
    ]
    assert zone.has_landed(day2, "batch1") and not zone.has_landed(day2, "other")
    # A half-written file (the writer's temporary name) is invisible to readers.
    (zone.events_dir / "date=2026-03-02" / ".batch2.parquet.123.tmp").write_bytes(b"PAR1 partial")
    con = duckdb.connect()
    rows = con.sql(f"SELECT date, event_id, field FROM {zone.relation_sql()} ORDER BY field").fetchall()
    assert len(rows) == 3 and {str(r[0]) for r in rows} == {"2026-03-01", "2026-03-02"}
    zone.write_batch([event()], "batch3")  # new files appear to the next query; old ones never change
    assert con.sql(f"SELECT count(*) FROM {zone.relation_sql()}").fetchall() == [(4,)]
    frame = zone.read("type = 'issue.updated'")
    assert frame.height == 4 and frame["event_json"].str.contains('"from":"a"').all()


def test_a_failed_batch_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    zone = LandingZone(tmp_path / "landing")
    real = zone._write_file
    calls = []

    def failing_second(final: Path, rows: list[dict[str, Any]]) -> Path:
        calls.append(final)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(final, rows)

    monkeypatch.setattr(zone, "_write_file", failing_second)
    with pytest.raises(OSError):
        zone.write_batch([event(occurred_at=datetime(2026, 1, 1, tzinfo=UTC)), event()], "b")
    assert zone.files() == []


def test_past_days_are_compacted_to_one_file_each_with_the_same_rows(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    zone = LandingZone(tmp_path / "landing")
    old, single, today = (datetime(2026, 3, d, 12, tzinfo=UTC) for d in (1, 2, 5))
    for n in range(3):
        zone.write_batch([event(occurred_at=old, changes=n + 1), event(occurred_at=today)], f"b{n}")
    zone.write_batch([event(occurred_at=single)], "alone")
    # A file from before the newest column existed: merged with the others, it gets nulls there.
    newest = LANDING_SCHEMA.names[-1]
    older = zone.write_batch([event(occurred_at=old)], "older")[0]
    pq.write_table(pq.read_table(older).drop_columns([newest]), older)
    before = zone.read().sort(["event_id", "field"])
    assert before[newest].null_count() == 1

    assert zone.compact(before=today.date()) == 4
    names: dict[str, list[str]] = {}
    for p in zone.files():
        names.setdefault(p.parent.name, []).append(p.name)
    assert len(names["date=2026-03-01"]) == 1 and names["date=2026-03-01"][0].startswith("compacted-")
    assert names["date=2026-03-02"] == ["alone.parquet"]  # one file: left as it is
    assert sorted(names["date=2026-03-05"]) == ["b0.parquet", "b1.parquet", "b2.parquet"]  # today: still landing
    merged = zone.events_dir / "date=2026-03-01" / names["date=2026-03-01"][0]
    assert pq.read_schema(merged).names == LANDING_SCHEMA.names  # no partition column written into the file
    assert zone.read().sort(["event_id", "field"]).equals(before)
    assert zone.compact(before=today.date()) == 0  # nothing left to merge


# Search index


def test_bulk_actions_index_current_rows_with_external_versions_and_delete_past_the_last_version() -> None:
    e1, e2 = event(1, 3), event(1, 4)
    gone = event(2, 9, type="issue.deleted")
    rows = {1: {"version": 5}, 4: {"version": 2}}  # issue 4: no event of its own (a renamed sprint holds it)
    docs = {1: {"key": "P-1"}, 4: {"key": "P-4"}}
    actions = bulk_actions("idx", [e1, e2, gone, event(3, 1)], rows, docs)
    # Equal versions replace the document (a watcher or a sprint name changed without a new version of the
    # issue); older ones never do.
    assert actions == [
        {
            "_op_type": "index",
            "_index": "idx",
            "_id": "1",
            "version": 5,
            "version_type": "external_gte",
            "_source": docs[1],
        },
        {"_op_type": "delete", "_index": "idx", "_id": "2", "version": 10, "version_type": "external"},
        {
            "_op_type": "index",
            "_index": "idx",
            "_id": "4",
            "version": 2,
            "version_type": "external_gte",
            "_source": docs[4],
        },
    ]  # issue 3 no longer exists and has no delete event yet: nothing to do
    assert to_bulk_body(actions[:2]) == [
        {"index": {"_index": "idx", "_id": "1", "version": 5, "version_type": "external_gte"}},
        {"key": "P-1"},
        {"delete": {"_index": "idx", "_id": "2", "version": 10, "version_type": "external"}},
    ]


def test_bulk_version_conflicts_are_not_errors() -> None:
    response = {
        "errors": True,
        "items": [
            {"index": {"status": 409, "error": {"type": "version_conflict_engine_exception"}}},
            {"delete": {"status": 404}},
            {"index": {"status": 201}},
            {"index": {"status": 400, "error": {"type": "mapper_parsing_exception"}}},
        ],
    }
    assert bulk_errors(response) == [{"status": 400, "error": {"type": "mapper_parsing_exception"}}]


# Retries and topology


async def test_webhook_default_schedule_is_1_2_4_8_16_seconds_then_failed() -> None:
    delays = Settings().webhook_retry_delays
    assert delays == (1.0, 2.0, 4.0, 8.0, 16.0)
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    attempts = 0
    with pytest.raises(AttemptFailed):
        async for attempt in retrying(delays, sleep=record, reraise=True):
            with attempt:
                attempts += 1
                raise AttemptFailed("HTTP 500", 500)
    assert slept == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert attempts == 6  # the first attempt and five retries


def test_topology_names_and_retry_ladder() -> None:
    topo = Topology(prefix="x.", max_retries=3, retry_base_seconds=0.5)
    assert topo.exchange.name == "x.tracklake.events"
    assert [topo.retry_delay(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    retry = topo.retry_queue("warehouse.load", 2)
    assert retry.name == "x.warehouse.load.retry.1000ms"
    assert retry.arguments is not None
    assert {k: v for k, v in retry.arguments.items() if k != "x-queue-type"} == {
        "x-message-ttl": 1000,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": "x.warehouse.load",
    }
    assert topo.queue("webhooks").arguments["x-dead-letter-exchange"] == "x.tracklake.dlx"  # type: ignore[index]
    assert Topology().retry_delay(5) == 16.0


# Webhook signing and URLs


def test_signature_is_hmac_sha256_of_the_body() -> None:
    import hashlib
    import hmac

    body = b'{"a":1}'
    assert (
        sign("s3cret-s3cret-s3cret", body)
        == "sha256=" + hmac.new(b"s3cret-s3cret-s3cret", body, hashlib.sha256).hexdigest()
    )
    assert verify("s3cret-s3cret-s3cret", body, sign("s3cret-s3cret-s3cret", body))
    assert not verify("other-secret-other", body, sign("s3cret-s3cret-s3cret", body))
    assert not verify("s3cret-s3cret-s3cret", body + b" ", sign("s3cret-s3cret-s3cret", body))


def test_host_allow_list() -> None:
    allowed = ["hooks.example.com", "*.corp.example", "127.0.0.1"]
    assert host_allowed("HOOKS.example.com", allowed)
    assert host_allowed("a.b.corp.example", allowed)
    assert not host_allowed("corp.example.evil.com", allowed)
    assert not host_allowed("example.com", allowed)
    assert not host_allowed("anything", [])
    assert host_allowed("anything", ["*"])
    assert check_url("https://hooks.example.com/x?y=1", allowed)


def test_mentions() -> None:
    assert mentions(["ping @alice and @bob.smith.", "mail me at carol@example.com", None, "@dave: hi"]) == {
        "alice",
        "bob.smith",
        "dave",
    }


# Dedup stores and the idempotency wrapper


@pytest.fixture(params=["redis", "postgres"])
async def store(request: pytest.FixtureRequest, pipeline_db_url: str) -> Any:
    if request.param == "redis":
        s: Any = RedisDedup.from_url(REDIS_URL, prefix=f"test.{secrets.token_hex(4)}.")
    else:
        s = PostgresDedup(pipeline_db_url)
    yield s
    await s.close()


async def test_claims_are_new_then_done_and_pending_after_a_failed_holder(store: Any) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    claims = await store.claim("c", [a, b], "t1")
    assert {c.state for c in claims.values()} == {ClaimState.NEW}
    await store.complete("c", [a])
    again = await store.claim("c", [a, b], "t2")
    assert again[a].state is ClaimState.DONE
    assert again[b].state is ClaimState.PENDING and again[b].token == "t1"
    await store.release("c", [b], "t2")  # not the holder: nothing happens
    assert (await store.claim("c", [b], "t3"))[b].token == "t1"
    await store.release("c", [b], "t1")
    assert (await store.claim("c", [b], "t4"))[b].state is ClaimState.NEW
    assert (await store.claim("other", [a], "t5"))[a].state is ClaimState.NEW  # per consumer


async def test_versions_only_move_forward(store: Any) -> None:
    issue = secrets.randbelow(10**9) + 1
    await store.advance("c", {issue: 5})
    await store.advance("c", {issue: 3})
    assert await store.versions("c", [issue, issue + 1]) == {issue: 5}


class Recorder:
    """A consumer that records what it applied (and can fail), to test the wrapper alone."""

    def __init__(self, name: str, skip_stale: bool = False, landed_tokens: set[str] | None = None) -> None:
        self.name = name
        self.skip_stale = skip_stale
        self.applied: list[uuid.UUID] = []
        self.fail = False
        self.landed_tokens = landed_tokens or set()

    async def apply(self, events: Sequence[Event], token: str) -> None:
        if self.fail:
            raise RuntimeError("boom")
        self.applied += [e.event_id for e in events]

    async def landed(self, pending: Sequence[tuple[Event, str]]) -> set[uuid.UUID]:
        return {e.event_id for e, t in pending if t in self.landed_tokens}


async def test_consume_applies_each_event_once_and_skips_stale_versions(store: Any) -> None:
    name = f"rec-{secrets.token_hex(3)}"
    consumer = Recorder(name, skip_stale=True)
    issue = secrets.randbelow(10**9) + 1
    e2, e3 = event(issue, 2), event(issue, 3)
    outcome = await consume(consumer, [e2, e3, e2], store)
    assert (outcome.applied, outcome.duplicates, outcome.stale) == (2, 1, 0)
    old = event(issue, 1)
    same_version_delete = event(issue, 3, type="issue.deleted")
    outcome = await consume(consumer, [e3, old, same_version_delete], store)
    assert (outcome.applied, outcome.duplicates, outcome.stale) == (1, 1, 1)
    assert consumer.applied == [e2.event_id, e3.event_id, same_version_delete.event_id]


async def test_a_failed_batch_is_released_and_a_crashed_one_resolved_by_the_consumer(store: Any) -> None:
    name = f"rec-{secrets.token_hex(3)}"
    consumer = Recorder(name, landed_tokens={"crashed-batch"})
    e1, e2 = event(), event()
    consumer.fail = True
    with pytest.raises(RuntimeError):
        await consume(consumer, [e1], store)
    consumer.fail = False
    await consume(consumer, [e1], store)
    assert consumer.applied == [e1.event_id]
    # A batch that claimed e2 and died after its effect: the consumer recognises its token, e2 is not reapplied.
    await store.claim(name, [e2.event_id], "crashed-batch")
    outcome = await consume(consumer, [e2], store)
    assert outcome.applied == 0 and consumer.applied == [e1.event_id]
    # One that died before: reapplied.
    e3 = event()
    await store.claim(name, [e3.event_id], "lost-batch")
    await consume(consumer, [e3], store)
    assert consumer.applied[-1] == e3.event_id


def test_timestamps_in_landing_are_utc(tmp_path: Path) -> None:
    zone = LandingZone(tmp_path)
    local = datetime(2026, 3, 1, 23, 30, tzinfo=UTC) + timedelta(hours=1)
    zone.write_batch([event(occurred_at=local)], "b")
    frame = zone.read()
    assert str(frame["date"][0]) == "2026-03-02"
    assert frame["occurred_at"][0] == local


# Bulk acknowledgements and batch parsing


class FakeChannel:
    is_closed = False

    def __init__(self) -> None:
        self.acks: list[tuple[int, bool]] = []

    async def basic_ack(self, delivery_tag: int, multiple: bool = False) -> None:
        self.acks.append((delivery_tag, multiple))

    async def basic_nack(self, delivery_tag: int, multiple: bool = False, requeue: bool = True) -> None:
        assert requeue and not multiple
        self.acks.append((-delivery_tag, False))  # a nack, as a negative tag


async def _turn() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_the_ack_window_acks_only_the_contiguous_run_of_processed_deliveries() -> None:
    channel = FakeChannel()
    window = AckWindow(channel, stall_seconds=0.2)
    for tag in range(1, 8):
        window.start(tag)
    window.ack(2)
    window.ack(3)
    await _turn()
    assert channel.acks == []  # 1 is still being processed: nothing may be covered
    window.ack(1)
    window.settled(4)  # rejected on its own: never acked, but the run goes past it
    window.ack(6)
    await _turn()
    assert channel.acks == [(3, True)]
    window.ack(5)
    await _turn()
    assert channel.acks == [(3, True), (6, True)]
    window.settled(7)
    await _turn()
    assert channel.acks == [(3, True), (6, True)]  # nothing left to ack up to 7


async def test_the_ack_window_acks_singly_what_waits_behind_a_slow_delivery() -> None:
    channel = FakeChannel()
    window = AckWindow(channel, stall_seconds=0.05)
    for tag in (1, 2, 3):
        window.start(tag)
    window.ack(2)
    window.ack(3)
    await asyncio.sleep(0.2)
    assert sorted(channel.acks) == [(2, False), (3, False)]  # 1 is still being processed: never covered
    window.ack(1)
    await _turn()
    assert channel.acks[-1] == (1, True)  # covers 1 only: 2 and 3 were settled


async def test_the_ack_window_requeues_deliveries_that_never_reached_the_handler_before_acking_past_them() -> None:
    channel = FakeChannel()
    window = AckWindow(channel, stall_seconds=0.05)
    for tag in (3, 4):  # 1 and 2 were dropped before the handler (FastStream at start-up)
        window.start(tag)
        window.ack(tag)
    await asyncio.sleep(0.2)
    assert channel.acks[:2] == [(-1, False), (-2, False)]  # nacked (requeued) first, then the run goes on
    assert (4, True) in channel.acks[2:]
    assert window.floor == 4


def test_bodies_parse_to_events_and_a_bad_one_fails_alone() -> None:
    good = event()
    parsed = parse_bodies([good.model_dump_json(by_alias=True).encode(), b'{"not": "an event"}', b"{"])
    assert parsed[0] == good
    assert isinstance(parsed[1], ValueError) and isinstance(parsed[2], ValueError)


async def test_a_lanes_next_row_is_published_only_after_the_one_before_is_confirmed(monkeypatch):
    """A batch goes out in waves, a wave as messages of several events: a lane's later row never reaches the broker
    while an earlier one failed, and a failed message stops the lanes of all its events."""
    from aiormq import spec

    from pipelines import broker
    from pipelines.relay import OutboxRow

    monkeypatch.setattr(broker, "MAX_BATCH_EVENTS", 2)

    def row(row_id: int, lane: int) -> OutboxRow:
        return OutboxRow(row_id, uuid.uuid4(), "issue.updated", lane, lane, "{}", 0, None)

    rows = [row(5, 1), row(1, 1), row(3, 1), row(2, 2), row(4, 2), row(6, 3), row(7, 4), row(8, 4), row(9, 5)]
    confirmed: set[int] = set()
    messages: list[list[int]] = []

    async def send(chunk) -> object:
        for r in chunk:
            earlier = [x.id for x in rows if x.lane == r.lane and x.id < r.id]
            assert all(e in confirmed for e in earlier), f"row {r.id} went out before {earlier} were confirmed"
        ids = [r.id for r in chunk]
        messages.append(ids)
        await asyncio.sleep(0)
        if 3 in ids:
            raise TimeoutError("no confirm")
        if 8 in ids:
            return spec.Basic.Nack()
        confirmed.update(r.id for r in chunk)
        return spec.Basic.Ack()

    result = await broker.publish_in_waves(rows, send)
    # wave 1: every lane's first row in id order, two to a message; wave 2: rows 3, 4, 8; lanes 1 and 4 then stop
    assert messages == [[1, 2], [6, 7], [9], [3, 4], [8]]
    assert sorted(result.sent) == [1, 2, 6, 7, 9]  # 3 failed with 4 in its message; 8 was refused
    assert all(5 not in m for m in messages) and isinstance(result.error, TimeoutError)


def test_a_batch_message_is_a_json_array_of_the_events_and_a_bad_element_fails_alone():
    import json

    from pipelines.broker import batch_body, split_batch
    from pipelines.relay import OutboxRow

    good = [event(), event()]
    rows = [
        OutboxRow(n, e.event_id, e.type, 1, 1, e.model_dump_json(by_alias=True), 0, None) for n, e in enumerate(good)
    ]
    assert split_batch(batch_body(rows)) == (good, [])
    body = b"[" + rows[0].body.encode() + b', {"not": "an event"}, ' + rows[1].body.encode() + b"]"
    events, bad = split_batch(body)
    assert events == good
    assert [json.loads(raw) for raw, _ in bad] == [{"not": "an event"}] and isinstance(bad[0][1], ValueError)
    with pytest.raises(ValueError):
        split_batch(b"[{")


def test_a_transaction_writing_many_events_notifies_the_relay_once(pipeline_db_url: str) -> None:
    """The relay is told that the outbox has something new, once per transaction however many events it wrote
    (a bulk import writes tens of thousands): the notification carries nothing, and PostgreSQL folds identical
    ones."""
    import psycopg

    from pipelines.relay import CHANNEL

    with psycopg.connect(pipeline_db_url, autocommit=True) as listener, psycopg.connect(pipeline_db_url) as writer:
        listener.execute(f"LISTEN {CHANNEL}")
        ids = [uuid.uuid4() for _ in range(3)]
        with writer.transaction():
            for event_id in ids[:2]:
                writer.execute(
                    "INSERT INTO outbox (event_id, event_type, occurred_at, payload, sent_at)"
                    " VALUES (%s, 'test.notify', now(), '{}', now())",
                    (event_id,),
                )
            writer.execute(
                "INSERT INTO outbox (event_id, event_type, occurred_at, payload, sent_at)"
                " VALUES (%s, 'test.notify', now(), '{}', now())",
                (ids[2],),
            )
        try:
            got = list(listener.notifies(timeout=1.0))
        finally:
            writer.execute("DELETE FROM outbox WHERE event_id = ANY(%s)", (ids,))
            writer.commit()
    assert len(got) == 1 and got[0].channel == CHANNEL
