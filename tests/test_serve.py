"""`tracklake serve` from a fresh directory with no configuration: embedded PostgreSQL, restart, clean stop."""

from __future__ import annotations

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


def start(workdir: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")}
    env["TRACKLAKE_WAREHOUSE_REFRESH_SECONDS"] = "1"  # the only setting: so the test need not wait 30 s
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
        if "Application startup complete" in line:
            return proc, "".join(lines)
    proc.kill()
    raise AssertionError("serve did not start:\n" + "".join(lines))


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return out


def postgres_running(pgdata: Path) -> bool:
    return any(
        p.info["name"] == "postgres" and p.info["cmdline"] and str(pgdata) in " ".join(p.info["cmdline"])
        for p in psutil.process_iter(attrs=["name", "cmdline"])
    )


@pytest.fixture
def workdir():
    """A directory outside pytest's temporary root: pytest resets that root to mode 0700 whenever another
    session starts, which locks out the unprivileged user the embedded PostgreSQL runs as under root."""
    path = Path(tempfile.mkdtemp(prefix="tracklake-serve-"))
    yield path
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
