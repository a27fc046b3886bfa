"""Test fixtures: a real PostgreSQL database migrated once per session, and API clients.

Tests share one database and stay independent by creating their own projects and users with unique names.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from hypothesis import settings as hypothesis_settings
from psycopg.rows import dict_row

from api.app import create_app
from tracklake.migrate import migrate
from tracklake.settings import Settings

SERVER_URL = os.environ.get("TRACKLAKE_TEST_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
# One database per test run, so concurrent runs on one server do not collide.
TEST_DB = f"tracklake_test_{os.getpid()}"
ADMIN_TOKEN = "tlk_test_admin_" + secrets.token_urlsafe(16)


def _database_url(name: str) -> str:
    return f"{SERVER_URL}/{name}"


def recreate_database(name: str) -> str:
    """Drop and create a database on the test server; returns its URL."""
    with psycopg.connect(_database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return _database_url(name)


def drop_database(name: str) -> None:
    with psycopg.connect(_database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = recreate_database(TEST_DB)
    migrate(url)
    yield url
    drop_database(TEST_DB)


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[Any]:
    settings = Settings(database_url=database_url, bootstrap_token=ADMIN_TOKEN, db_pool_max=30)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def _client(app: Any, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://tracklake.test", headers=headers, timeout=30
    )


@pytest.fixture
async def admin(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app, ADMIN_TOKEN) as client:
        yield client


@pytest.fixture
async def anonymous(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app, None) as client:
        yield client


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A direct autocommit connection for checking what was (not) written."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


def unique(prefix: str = "") -> str:
    return prefix + secrets.token_hex(4)


UserFactory = Callable[..., Awaitable[tuple[str, httpx.AsyncClient]]]


@contextlib.asynccontextmanager
async def user_factory(app: Any, admin: httpx.AsyncClient) -> AsyncIterator[UserFactory]:
    """A factory creating users (through `admin`) with API clients of their own, closed on exit."""
    clients: list[httpx.AsyncClient] = []

    async def factory(**fields: Any) -> tuple[str, httpx.AsyncClient]:
        username = fields.pop("username", unique("u"))
        r = await admin.post("/api/v1/users", json={"username": username, "display_name": username.title(), **fields})
        assert r.status_code == 201, r.text
        t = await admin.post(f"/api/v1/users/{username}/tokens", json={"name": "tests"})
        assert t.status_code == 201, t.text
        client = _client(app, t.json()["token"])
        clients.append(client)
        return username, client

    try:
        yield factory
    finally:
        for c in clients:
            await c.aclose()


@pytest.fixture
async def make_user(app: Any, admin: httpx.AsyncClient) -> AsyncIterator[UserFactory]:
    """Create a user and an API client authenticated as that user."""
    async with user_factory(app, admin) as factory:
        yield factory


@pytest.fixture
async def project(admin: httpx.AsyncClient) -> dict[str, Any]:
    """A fresh project with a unique key."""
    key = "T" + secrets.token_hex(3).upper().replace("0", "Q")
    r = await admin.post("/api/v1/projects", json={"key": key, "name": f"Project {key}"})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


@pytest.fixture
def make_issue(admin: httpx.AsyncClient, project: dict[str, Any]) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def factory(client: httpx.AsyncClient | None = None, **fields: Any) -> dict[str, Any]:
        body = {"project": project["key"], "type": "Task", "summary": "An issue", **fields}
        r = await (client or admin).post("/api/v1/issues", json=body)
        assert r.status_code == 201, r.text
        data: dict[str, Any] = r.json()
        return data

    return factory


async def counts(db: psycopg.AsyncConnection[Any], project_key: str) -> dict[str, int]:
    """Rows of a project in every table a write touches."""
    cur = await db.execute(
        """
        SELECT (SELECT count(*) FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.key = %(k)s) AS issues,
               (SELECT count(*) FROM issue_history h JOIN projects p ON p.id = h.project_id WHERE p.key = %(k)s)
                   AS history,
               (SELECT count(*) FROM outbox WHERE project_key = %(k)s) AS outbox,
               (SELECT count(*) FROM comments c JOIN issues i ON i.id = c.issue_id JOIN projects p
                   ON p.id = i.project_id WHERE p.key = %(k)s) AS comments,
               (SELECT issue_seq FROM projects WHERE key = %(k)s) AS seq
        """,
        {"k": project_key},
    )
    row = await cur.fetchone()
    assert row is not None
    return dict(row)


# The shared test app runs no in-process pipeline (it would relay every test's outbox rows and write landing
# files into the working directory); tests/pipeline starts pipelines explicitly, against their own database.
os.environ.setdefault("TRACKLAKE_PIPELINE_IN_PROCESS", "false")


# Property tests: no per-example deadline (these machines are shared and noisy), and in CI a fixed
# derandomized search so a run is reproducible.
hypothesis_settings.register_profile("default", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "default")

# Nor does it run scheduled exports (they would write under the working directory's data dir); tests/exports
# runs schedulers explicitly, with their own data dirs.
os.environ.setdefault("TRACKLAKE_SCHEDULER_IN_PROCESS", "false")
