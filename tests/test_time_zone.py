"""Timestamps do not depend on the PostgreSQL server's TimeZone setting."""

from __future__ import annotations

import os

import httpx
import psycopg

from api.app import create_app
from tests.conftest import ADMIN_TOKEN, drop_database, recreate_database
from tracklake.settings import Settings


async def test_a_create_answers_with_the_timestamps_a_read_shows_on_a_server_outside_utc():
    """A create builds its answer from values it holds (in UTC); reads come from PostgreSQL, which renders
    timestamps in the session's time zone: the API's connections use UTC, so both agree."""
    name = f"tracklake_test_tz_{os.getpid()}"
    url = recreate_database(name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE \"{name}\" SET timezone TO 'Europe/Berlin'")
        settings = Settings(
            database_url=url, bootstrap_token=ADMIN_TOKEN, pipeline_in_process=False, scheduler_in_process=False
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as client:
                assert (await client.post("/api/v1/projects", json={"key": "TZ", "name": "Zones"})).status_code == 201
                created = await client.post("/api/v1/issues", json={"project": "TZ", "type": "Task", "summary": "s"})
                assert created.status_code == 201, created.text
                read = await client.get("/api/v1/issues/TZ-1")
                assert created.json() == read.json()
                assert read.json()["created"].endswith("+00:00")
    finally:
        drop_database(name)
