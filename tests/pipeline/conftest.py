"""Pipeline test fixtures: an own database (a relay drains every unsent row, so other tests' rows stay out of its
way), an API app on it, RabbitMQ names unique per test, a cuttable TCP proxy and a local webhook receiver."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from api.app import create_app
from pipelines.broker import delete_topology
from pipelines.topology import ALL_QUEUES, Topology
from tests.conftest import ADMIN_TOKEN, TEST_DB, _client, drop_database, recreate_database, user_factory
from tracklake.migrate import migrate
from tracklake.settings import Settings
from warehouse.landing import LandingZone

RABBITMQ_URL = os.environ.get("TRACKLAKE_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
PIPELINE_DB = f"{TEST_DB}_pipeline"


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 20.0, interval: float = 0.05) -> Any:
    """Await until `check()` returns a truthy value (returned), failing after `within` seconds."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s (last value: {last!r})")


@pytest.fixture(scope="session")
def pipeline_db_url() -> Iterator[str]:
    url = recreate_database(PIPELINE_DB)
    migrate(url)
    yield url
    drop_database(PIPELINE_DB)


@pytest.fixture(scope="session")
def pipeline_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pipeline-data")


def base_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "bootstrap_token": ADMIN_TOKEN,
        "data_dir": data_dir,
        "pipeline_in_process": False,
        "rabbitmq_url": None,
        "redis_url": None,
        "elasticsearch_url": None,
        "webhook_allowed_hosts": "127.0.0.1,localhost",
        "relay_poll_seconds": 0.2,
        "relay_max_backoff_seconds": 0.5,
    }
    return Settings(**(values | overrides))


@pytest.fixture(scope="session")
async def papp(pipeline_db_url: str, pipeline_data_dir: Path) -> AsyncIterator[Any]:
    """The API on the pipeline database, with no pipeline of its own (tests start one)."""
    application = create_app(base_settings(pipeline_db_url, pipeline_data_dir))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def padmin(papp: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(papp, ADMIN_TOKEN) as client:
        yield client


@pytest.fixture
async def pdb(pipeline_db_url: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    async with await psycopg.AsyncConnection.connect(pipeline_db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture(autouse=True)
async def _quiet_outbox(pipeline_db_url: str) -> None:
    """Each test relays only its own events and delivers only to its own webhooks: what earlier tests left
    unsent is marked sent, their webhooks are switched off and their open deliveries closed."""
    async with await psycopg.AsyncConnection.connect(pipeline_db_url, autocommit=True) as conn:
        await conn.execute("UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL")
        await conn.execute("UPDATE webhooks SET active = false WHERE active")
        await conn.execute("UPDATE webhook_deliveries SET status = 'failed' WHERE status IN ('pending', 'sending')")


@pytest.fixture
async def pproject(padmin: httpx.AsyncClient) -> dict[str, Any]:
    key = "P" + secrets.token_hex(3).upper().replace("0", "Q")
    r = await padmin.post("/api/v1/projects", json={"key": key, "name": f"Pipeline {key}"})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


@pytest.fixture
async def pmake_user(
    papp: Any, padmin: httpx.AsyncClient
) -> AsyncIterator[Callable[..., Awaitable[tuple[str, httpx.AsyncClient]]]]:
    async with user_factory(papp, padmin) as factory:
        yield factory


@pytest.fixture
async def topology() -> AsyncIterator[Topology]:
    """RabbitMQ names unique to this test (removed afterwards)."""
    topo = Topology(prefix=f"test{os.getpid()}.{secrets.token_hex(3)}.", max_retries=5, retry_base_seconds=1.0)
    yield topo
    await delete_topology(RABBITMQ_URL, topo, ALL_QUEUES)


@pytest.fixture
def landing(tmp_path: Path) -> LandingZone:
    return LandingZone(tmp_path / "warehouse" / "landing")


class TcpProxy:
    """A loopback TCP proxy to RabbitMQ that can refuse connections and cut the open ones: a broker outage
    for the relay alone, without stopping the machine's RabbitMQ that other tests use."""

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5672) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    async def reserve(self) -> None:
        """Pick a free port and keep it closed (connections are refused)."""
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def close(self) -> None:
        """Stop accepting and cut every open connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for w in list(self._writers):
            w.close()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update((writer, up_writer))


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    p = TcpProxy()
    await p.reserve()
    yield p
    await p.close()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """A webhook receiver on loopback: answers each request with the next status of `statuses` (then 200)."""

    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(r.body)["event"] for r in self.accepted()]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                status = state.statuses.pop(0) if state.statuses else 200
                state.requests.append(Received(self.path, dict(self.headers.items()), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
