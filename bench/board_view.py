"""Board view benchmark: a 5,000-issue Kanban board through a real `tracklake serve` with Redis, cold and warm.

Prints one JSON object:
- `cold_cache`: every request misses (the project's cache stamp is bumped before each one, as any issue write
  does), so each runs the JQL filter, the card query, builds the columns and JSON, and stores the entry;
- `warm_cache`: every request hits (one PostgreSQL round trip for the board, its grants and stamps, one Redis GET);
- `baseline_raw_sql`: measured in the same run, the SQL a cold view runs against PostgreSQL (the filter's id query
  and the card query, all rows fetched) from a plain psycopg connection: the floor under a cold view.

    python bench/board_view.py [--issues 5000] [--cold 60] [--warm 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from _http import Connection

from tracker.agile.board_view import SELECT_VIEW_CARDS

SERVER = os.environ.get("TRACKLAKE_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("TRACKLAKE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
DB = "tracklake_bench_board"
# (status id, share): To Do, In Progress, In Review, Done
STATUSES = ((1, 40), (3, 25), (10002, 10), (10001, 25))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "count": len(latencies),
        "p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 3),
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def recreate(name: str) -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def seed(url: str, project_key: str, n: int) -> int:
    """n issues in the project (statuses, assignees, points, epics every 50) with their creation history."""
    with psycopg.connect(url, autocommit=True) as conn:
        project_id, lead_id = conn.execute("SELECT id, lead_id FROM projects WHERE key = %s", (project_key,)).fetchone()  # type: ignore[misc]
        users = [
            conn.execute(
                "INSERT INTO users (username, display_name) VALUES (%s, %s) RETURNING id", (f"dev{i}", f"Developer {i}")
            ).fetchone()[0]  # type: ignore[index]
            for i in range(12)
        ]
        statuses = [s for s, share in STATUSES for _ in range(share)]
        created = datetime.now(UTC) - timedelta(days=3)
        with conn.transaction():
            with conn.cursor().copy(
                "COPY issues (project_id, number, key, issue_type_id, priority_id, status_id, summary, assignee_id,"
                " reporter_id, labels, story_points, created_at, updated_at) FROM STDIN"
            ) as copy:
                for i in range(1, n + 1):
                    copy.write_row(
                        (
                            project_id,
                            i,
                            f"{project_key}-{i}",
                            10004 if i % 50 == 1 else 10003,
                            1 + i % 5,
                            statuses[i % len(statuses)],
                            f"Benchmark story {i}: make the board fast",
                            None if i % 7 == 0 else users[i % len(users)],
                            lead_id,
                            ["bench", f"team{i % 4}"],
                            (i % 8) or None,
                            created,
                            created,
                        )
                    )
            conn.execute(
                "UPDATE issues c SET parent_id = e.id FROM issues e WHERE c.project_id = %(p)s AND e.project_id = %(p)s"
                " AND c.issue_type_id = 10003 AND e.number = ((c.number - 1) / 50) * 50 + 1",
                {"p": project_id},
            )
            conn.execute("UPDATE projects SET issue_seq = %s WHERE id = %s", (n, project_id))
            conn.execute(
                "INSERT INTO issue_history (issue_id, issue_key, project_id, change_id, actor_id, occurred_at, field,"
                " to_value, is_create) SELECT id, key, project_id, gen_random_uuid(), reporter_id, created_at,"
                " 'status', status_id::text, true FROM issues WHERE project_id = %s",
                (project_id,),
            )
        conn.execute("ANALYZE")
        return int(project_id)


async def measure(port: int, token: str, url: str, board_id: int, project_id: int, args: Any) -> dict[str, Any]:
    path = f"/api/v1/boards/{board_id}/view"
    http = await Connection.open("127.0.0.1", port, {"Authorization": f"Bearer {token}"})
    stamps = await psycopg.AsyncConnection.connect(url, autocommit=True)

    async def cold_once() -> tuple[float, bytes]:
        await stamps.execute("SELECT touch_cache_stamp(%s)", (f"project:{project_id}",))
        start = time.perf_counter()
        status, body = await http.request("GET", path)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(body.decode())
        return elapsed, body

    async def warm_once() -> float:
        start = time.perf_counter()
        status, body = await http.request("GET", path)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(body.decode())
        return elapsed

    for _ in range(5):  # warm-up of both paths
        await cold_once()
        await warm_once()
    cold: list[float] = []
    body = b""
    for _ in range(args.cold):
        elapsed, body = await cold_once()
        cold.append(elapsed)
    warm = [await warm_once() for _ in range(args.warm)]
    await http.close()
    await stamps.close()
    view = json.loads(body)
    return {"cold": cold, "warm": warm, "bytes": len(body), "cards": sum(len(c["issues"]) for c in view["columns"])}


async def raw_sql(url: str, project_id: int, iterations: int) -> list[float]:
    """The cold view's SQL from psycopg: the filter's ids, then every card with its joins, all rows fetched."""
    mapped = [s for s, _ in STATUSES]
    params = {"mapped": mapped, "sprint_ids": None, "max_age": None, "done": [10001], "cutoff": datetime.now(UTC)}
    latencies = []
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        for i in range(iterations + 5):
            start = time.perf_counter()
            cur = await conn.execute(
                "SELECT i.id FROM issues i WHERE i.project_id = %s ORDER BY i.created_at DESC, i.id DESC", (project_id,)
            )
            ids = [r["id"] for r in await cur.fetchall()]
            cur = await conn.execute(SELECT_VIEW_CARDS, params | {"ids": ids})
            rows = await cur.fetchall()
            if i >= 5:
                latencies.append(time.perf_counter() - start)
        assert len(rows) == len(ids)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--cold", type=int, default=60, help="cold (cache miss) requests")
    parser.add_argument("--warm", type=int, default=1000, help="warm (cache hit) requests")
    args = parser.parse_args()

    url = recreate(DB)
    token = "tlk_bench_" + secrets.token_urlsafe(16)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")}
    env |= {
        "TRACKLAKE_DATABASE_URL": url,
        "TRACKLAKE_REDIS_URL": REDIS,
        "TRACKLAKE_BOOTSTRAP_TOKEN": token,
        "TRACKLAKE_LOG_LEVEL": "WARNING",
        "TRACKLAKE_PIPELINE_IN_PROCESS": "false",
    }
    exe = str(Path(sys.executable).parent / "tracklake")
    server = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        r = httpx.post(f"{base}/api/v1/projects", json={"key": "BOARD", "name": "Board bench"}, headers=headers)
        r.raise_for_status()
        project_id = seed(url, "BOARD", args.issues)
        r = httpx.post(
            f"{base}/api/v1/boards",
            json={
                "name": "Bench",
                "type": "kanban",
                "project": "BOARD",
                "done_max_age_days": None,
                "swimlanes": "epic",
            },
            headers=headers,
        )
        r.raise_for_status()
        board_id = r.json()["id"]
        first = httpx.get(f"{base}/api/v1/boards/{board_id}/view", headers=headers, timeout=60)
        second = httpx.get(f"{base}/api/v1/boards/{board_id}/view", headers=headers, timeout=60)
        if (first.headers.get("x-cache"), second.headers.get("x-cache")) != ("miss", "hit"):
            raise RuntimeError(f"cache not working: {first.headers.get('x-cache')}, {second.headers.get('x-cache')}")
        http = asyncio.run(measure(port, token, url, board_id, project_id, args))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    raw = asyncio.run(raw_sql(url, project_id, args.cold))
    cold, warm, baseline = summary(http["cold"]), summary(http["warm"]), summary(raw)
    result = {
        "benchmark": "board_view",
        "issues_on_board": http["cards"],
        "response_bytes": http["bytes"],
        "cold_cache": cold,
        "warm_cache": warm,
        "baseline_raw_sql": baseline,
        "cold_p50_over_raw_sql_p50": round(cold["p50_ms"] / baseline["p50_ms"], 3),
        "warm_p50_over_raw_sql_p50": round(warm["p50_ms"] / baseline["p50_ms"], 3),
        "cold_p50_over_warm_p50": round(cold["p50_ms"] / warm["p50_ms"], 3),
    }
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
