"""Without a broker: `serve` runs the relay and the same consumer functions in-process, with the same guarantees.
Also notifications and watchers end to end through the API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.types.json import Jsonb

from api.app import create_app
from pipelines.consumers.notifications import Notifier
from tests.conftest import ADMIN_TOKEN, _client, unique
from tests.pipeline.conftest import base_settings, eventually
from tracker.events import Event
from warehouse.landing import LandingZone, landed_event_ids


@pytest.fixture
async def serve(pipeline_db_url: str, tmp_path: Path) -> AsyncIterator[tuple[Any, httpx.AsyncClient, LandingZone]]:
    """`tracklake serve` as built without RABBITMQ_URL: the lifespan starts the in-process pipeline."""
    settings = base_settings(
        pipeline_db_url,
        tmp_path,
        pipeline_in_process=True,
        consumer_max_retries=2,
        consumer_retry_base_seconds=0.2,
        notification_batch_seconds=5.0,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), _client(app, ADMIN_TOKEN) as client:
        assert app.state.tracklake.extras["pipeline"] is not None
        yield app, client, LandingZone(settings.warehouse_dir / "landing")


async def _ids(db: psycopg.AsyncConnection[Any], key: str) -> set[str]:
    cur = await db.execute("SELECT event_id::text AS e FROM outbox WHERE project_key = %s", (key,))
    return {r["e"] for r in await cur.fetchall()}


async def _new_user(client: httpx.AsyncClient, app: Any) -> tuple[str, httpx.AsyncClient]:
    name = unique("n")
    assert (await client.post("/api/v1/users", json={"username": name, "display_name": name})).status_code == 201
    token = (await client.post(f"/api/v1/users/{name}/tokens", json={"name": "t"})).json()["token"]
    return name, _client(app, token)


async def test_in_process_pipeline_lands_notifies_and_batches(
    serve: tuple[Any, httpx.AsyncClient, LandingZone], pdb: psycopg.AsyncConnection[Any]
) -> None:
    app, admin, zone = serve
    key = "I" + uuid.uuid4().hex[:5].upper()
    assert (await admin.post("/api/v1/projects", json={"key": key, "name": "In-process"})).status_code == 201
    alice, alice_client = await _new_user(admin, app)
    _, watcher_client = await _new_user(admin, app)
    try:
        r = await admin.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "a", "assignee": alice})
        issue = r.json()["key"]
        assert (await watcher_client.post(f"/api/v1/issues/{issue}/watchers")).status_code == 204
        watchers = (await alice_client.get(f"/api/v1/issues/{issue}/watchers")).json()
        assert watchers["watchCount"] == 1 and not watchers["isWatching"]
        for n in range(3):  # rapid changes: one notification
            assert (await admin.patch(f"/api/v1/issues/{issue}", json={"summary": f"edit {n}"})).status_code == 200

        ids = await _ids(pdb, key)
        await eventually(lambda: _landed(zone, ids))
        assert sorted(e for e in landed_event_ids(zone) if e in ids) == sorted(ids)

        async def alice_sees() -> dict[str, Any] | None:
            body: dict[str, Any] = (await alice_client.get("/api/v1/notifications")).json()
            items = [n for n in body["notifications"] if n["issue"]["key"] == issue]
            return body if items and items[0]["count"] == 4 else None

        body = await eventually(alice_sees)
        (note,) = [n for n in body["notifications"] if n["issue"]["key"] == issue]
        assert note["reasons"] == ["assignee"] and note["actors"] == ["admin"] and not note["read"]
        assert note["event_types"] == ["issue.created", "issue.updated"] and note["fields"][0] == "assignee"
        watcher_notes = (await watcher_client.get("/api/v1/notifications")).json()["notifications"]
        assert [n["count"] for n in watcher_notes] == [4]

        # An event more than 5 s after the first starts a new notification (the window is by event time).
        cur = await pdb.execute("SELECT payload FROM outbox WHERE project_key = %s ORDER BY id DESC LIMIT 1", (key,))
        last = Event.model_validate((await cur.fetchone())["payload"])  # type: ignore[index]
        later = last.model_copy(
            update={"event_id": uuid.uuid4(), "occurred_at": last.occurred_at + timedelta(seconds=6)}
        )
        notifier = Notifier(app.state.tracklake.settings.database_url, 5.0)
        await notifier.apply([later], "t")
        await notifier.apply([later], "t")  # applied twice: still one more notification, counted once
        listing = (await alice_client.get("/api/v1/notifications?unread=true")).json()
        mine = [n for n in listing["notifications"] if n["issue"]["key"] == issue]
        assert [n["count"] for n in mine] == [1, 4]

        r = await alice_client.post(f"/api/v1/notifications/{mine[0]['id']}/read")
        assert r.json() == {"marked": 1}
        assert (await alice_client.get("/api/v1/notifications?unread=true")).json()["unread"] == 1
        assert (await alice_client.post("/api/v1/notifications/read", json={"all": True})).json() == {"marked": 1}
        assert (await alice_client.get("/api/v1/notifications")).json()["unread"] == 0
    finally:
        await alice_client.aclose()
        await watcher_client.aclose()


async def _landed(zone: LandingZone, ids: set[str]) -> bool:
    return {e for e in landed_event_ids(zone) if e in ids} == ids


async def test_in_process_poison_is_dead_lettered_after_its_retries_and_blocks_nothing(
    serve: tuple[Any, httpx.AsyncClient, LandingZone], pdb: psycopg.AsyncConnection[Any]
) -> None:
    zone = serve[2]
    key = "Z" + uuid.uuid4().hex[:5].upper()
    lane = 10**13 + int(uuid.uuid4().int % 10**6)

    async def insert(payload: dict[str, Any], issue_id: int) -> str:
        event_id = str(uuid.uuid4())
        await pdb.execute(
            "INSERT INTO outbox (event_id, event_type, issue_id, project_key, occurred_at, payload)"
            " VALUES (%s, 'issue.updated', %s, %s, now(), %s)",
            (event_id, issue_id, key, Jsonb(payload)),
        )
        return event_id

    def valid(issue_id: int, event_id: str) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "type": "issue.updated",
            "occurred_at": "2026-05-01T10:00:00+00:00",
            "actor": None,
            "actor_id": None,
            "issue_id": issue_id,
            "project_key": key,
            "version": 2,
        }

    poison = await insert({"type": "issue.updated", "version": "not a number"}, lane)
    behind = str(uuid.uuid4())
    await insert(valid(lane, behind), lane)  # same issue, after the poison
    other = str(uuid.uuid4())
    await insert(valid(lane + 1, other), lane + 1)  # another issue

    await eventually(lambda: _landed(zone, {other, behind}))  # neither waits for the failing event
    cur = await pdb.execute("SELECT attempts, sent_at FROM outbox WHERE event_id = %s", (poison,))
    assert (await cur.fetchone())["sent_at"] is None  # type: ignore[index]

    async def dead() -> list[dict[str, Any]]:
        cur = await pdb.execute(
            "SELECT consumer, attempts, error FROM pipeline_dead_letters WHERE event_id = %s", (poison,)
        )
        return list(await cur.fetchall())

    (letter,) = await eventually(dead, within=15)
    assert letter["consumer"] == "*" and letter["attempts"] == 3 and "ValidationError" in letter["error"]
    cur = await pdb.execute("SELECT count(*) AS n FROM outbox WHERE project_key = %s AND sent_at IS NULL", (key,))
    assert (await cur.fetchone())["n"] == 0  # type: ignore[index]
    await asyncio.sleep(0)
