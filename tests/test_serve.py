"""`tracklake serve` from a fresh directory with no configuration: embedded PostgreSQL, restart, clean stop."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

TRACKLAKE = str(Path(sys.executable).parent / "tracklake")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(workdir: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")}
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


def test_serve_without_configuration_keeps_data_across_restarts(tmp_path):
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
