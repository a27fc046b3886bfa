"""HTTP benchmark: issue create and get through a real `tracklake serve`, next to raw psycopg inserts.

Prints one JSON object. The baseline (raw psycopg inserts of the same rows — issue, history rows and outbox
event, in one transaction per issue, with the same concurrency) is measured in the same run, because these
machines are noisy. Targets: create p99 <= 15 ms and >= 500 creates/s; get p99 <= 5 ms.

It also reports the CPU time one request costs, in the server's processes and in the PostgreSQL backends
serving them: unlike throughput and latency, that figure barely moves when other work shares the machine.

    python bench/http_issues.py [--creates 3000] [--gets 5000] [--concurrency 8] [--no-pipeline]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).parent))
from _http import Connection

SERVER = os.environ.get("TRACKLAKE_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
DB = "tracklake_bench_http"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    return {
        "count": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 3),
    }


async def run_load(n: int, concurrency: int, call: Any) -> tuple[list[float], float]:
    latencies: list[float] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            start = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def recreate(name: str) -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


class CpuMeter:
    """CPU seconds used by the server's processes and by the PostgreSQL backends connected to its database."""

    def __init__(self, server_pid: int, url: str, database: str) -> None:
        self.server = psutil.Process(server_pid)
        self.url, self.database = url, database

    def _processes(self) -> tuple[list[psutil.Process], list[psutil.Process]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            pids = [
                r[0]
                for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (self.database,)
                )
            ]
        return [self.server, *self.server.children(recursive=True)], [psutil.Process(p) for p in pids]

    @staticmethod
    def _used(processes: list[psutil.Process]) -> dict[int, float]:
        used = {}
        for proc in processes:
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            used[proc.pid] = times.user + times.system
        return used

    def start(self) -> None:
        self.servers, self.backends = self._processes()
        self.before = self._used(self.servers), self._used(self.backends)

    def per_request_ms(self, requests: int) -> dict[str, float]:
        after = self._used(self.servers), self._used(self.backends)
        server, postgres = (sum(a[pid] - b.get(pid, 0.0) for pid in a) for a, b in zip(after, self.before, strict=True))
        return {
            "server_cpu_ms": round(server / requests * 1000, 3),
            "postgres_cpu_ms": round(postgres / requests * 1000, 3),
        }


async def http_phase(
    port: int, token: str, creates: int, gets: int, concurrency: int, meter: CpuMeter
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    connections = [await Connection.open("127.0.0.1", port, headers) for _ in range(concurrency)]
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for c in connections:
        idle.put_nowait(c)

    async def call(method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        conn = await idle.get()
        try:
            return await conn.request(method, path, body)
        finally:
            idle.put_nowait(conn)

    status, text = await call("POST", "/api/v1/projects", {"key": "BENCH", "name": "Benchmark"})
    if status != 201:
        raise RuntimeError(text)
    keys: list[str] = []

    async def create(i: int) -> None:
        status, text = await call(
            "POST",
            "/api/v1/issues",
            {
                "project": "BENCH",
                "type": "Task",
                "summary": f"Benchmark issue {i}",
                "priority": "High",
                "labels": ["bench", f"l{i % 10}"],
                "story_points": i % 8,
            },
        )
        if status != 201:
            raise RuntimeError(text)
        keys.append(json.loads(text)["key"])

    await run_load(min(200, creates), concurrency, create)  # warm-up
    meter.start()
    create_lat, create_elapsed = await run_load(creates, concurrency, create)
    create_cpu = meter.per_request_ms(creates)

    async def get(i: int) -> None:
        status, text = await call("GET", f"/api/v1/issues/{keys[i % len(keys)]}")
        if status != 200:
            raise RuntimeError(text)

    await run_load(min(200, gets), concurrency, get)
    meter.start()
    get_lat, get_elapsed = await run_load(gets, concurrency, get)
    get_cpu = meter.per_request_ms(gets)
    for c in connections:
        await c.close()
    return {
        "create": summary(create_lat, create_elapsed) | create_cpu,
        "get": summary(get_lat, get_elapsed) | get_cpu,
    }


async def raw_phase(url: str, creates: int, concurrency: int) -> dict[str, Any]:
    """The same rows a create writes, inserted directly: the floor under what the API can do."""
    with psycopg.connect(url, autocommit=True) as conn:
        project_id, reporter = conn.execute(
            "INSERT INTO projects (key, name, lead_id, workflow_id) VALUES ('RAW', 'Raw', 1, 1) RETURNING id, lead_id"
        ).fetchone()  # type: ignore[misc]
    conns = [await psycopg.AsyncConnection.connect(url) for _ in range(concurrency)]
    pool: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
    for c in conns:
        pool.put_nowait(c)

    async def insert(i: int) -> None:
        conn = await pool.get()
        try:
            async with conn.transaction():
                cur = await conn.execute(
                    "UPDATE projects SET issue_seq = issue_seq + 1 WHERE id = %s RETURNING issue_seq", (project_id,)
                )
                number = (await cur.fetchone())[0]  # type: ignore[index]
                key = f"RAW-{number}"
                cur = await conn.execute(
                    "INSERT INTO issues (project_id, number, key, issue_type_id, priority_id, status_id, summary,"
                    " reporter_id, labels, story_points) VALUES (%s, %s, %s, 10001, 2, 1, %s, %s, %s, %s) RETURNING id",
                    (project_id, number, key, f"Benchmark issue {i}", reporter, ["bench", f"l{i % 10}"], i % 8),
                )
                issue_id = (await cur.fetchone())[0]  # type: ignore[index]
                change = uuid.uuid4()
                async with conn.cursor() as c:
                    await c.executemany(
                        "INSERT INTO issue_history (issue_id, issue_key, project_id, change_id, actor_id, occurred_at,"
                        " field, to_value, to_string, is_create) VALUES (%s, %s, %s, %s, %s, now(), %s, %s, %s, true)",
                        [
                            (issue_id, key, project_id, change, reporter, f, "v", "v")
                            for f in (
                                "summary",
                                "issuetype",
                                "priority",
                                "status",
                                "reporter",
                                "labels",
                                "Story Points",
                            )
                        ],
                    )
                await conn.execute(
                    "INSERT INTO outbox (event_id, event_type, issue_id, issue_key, project_key, occurred_at, payload)"
                    " VALUES (%s, 'issue.created', %s, %s, 'RAW', now(), %s)",
                    (change, issue_id, key, Jsonb({"key": key})),
                )
        finally:
            pool.put_nowait(conn)

    await run_load(min(200, creates), concurrency, insert)
    lat, elapsed = await run_load(creates, concurrency, insert)
    for c in conns:
        await c.close()
    return summary(lat, elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creates", type=int, default=3000)
    parser.add_argument("--gets", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    parser.add_argument(
        "--no-pipeline",
        action="store_true",
        help="leave the in-process pipeline consumers off (as when `tracklake worker` runs them elsewhere)",
    )
    args = parser.parse_args()

    url = recreate(DB)
    token = "tlk_bench_" + secrets.token_urlsafe(16)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")}
    env |= {"TRACKLAKE_DATABASE_URL": url, "TRACKLAKE_BOOTSTRAP_TOKEN": token, "TRACKLAKE_LOG_LEVEL": "WARNING"}
    if args.no_pipeline:
        env |= {"TRACKLAKE_PIPELINE_IN_PROCESS": "false", "TRACKLAKE_SCHEDULER_IN_PROCESS": "false"}
    exe = str(Path(sys.executable).parent / "tracklake")
    server = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        meter = CpuMeter(server.pid, url, DB)
        http = asyncio.run(http_phase(port, token, args.creates, args.gets, args.concurrency, meter))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    raw = asyncio.run(raw_phase(url, args.creates, args.concurrency))
    result = {
        "benchmark": "http_issues",
        "concurrency": args.concurrency,
        "workers": args.workers,
        "pipeline_in_process": not args.no_pipeline,
        "http_create": http["create"],
        "http_get": http["get"],
        "raw_psycopg_create": raw,
        "create_throughput_ratio_http_over_raw": round(http["create"]["per_second"] / raw["per_second"], 3),
        "create_p99_ratio_http_over_raw": round(http["create"]["p99_ms"] / raw["p99_ms"], 3),
        "targets": {"create_p99_ms": 15, "create_per_second": 500, "get_p99_ms": 5},
        "meets_targets": {
            "create_p99": http["create"]["p99_ms"] <= 15,
            "create_per_second": http["create"]["per_second"] >= 500,
            "get_p99": http["get"]["p99_ms"] <= 5,
        },
    }
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
