"""JQL search at scale: p50/p95 of typical board and report queries over generated issues, with plans.

Generates `--issues` issues (default 1,000,000) with `tracklake generate`, then runs each query through the
real search path (parse, catalog from PostgreSQL, compile with sqlglot, execute page + total) and, as the
baseline measured in the same run, the compiled SQL alone. Prints one JSON object with each query's
figures and its PostgreSQL plan. Targets: p95 <= 20 ms on indexed fields, <= 100 ms for full text.

    python bench/jql_scale.py [--issues 1000000] [--repeat 30] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.accounts.models import Actor
from tracker.db import SESSION_OPTIONS
from tracker.search.execute import search
from tracklake.generate import generate
from tracklake.migrate import migrate

SERVER = os.environ.get("TRACKLAKE_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
DB = "tracklake_bench_jql_scale"

# (name, JQL, kind): kind "indexed" or "fulltext" selects the target.
QUERIES = [
    ("board: project and open statuses", "project = GENA AND statusCategory != Done ORDER BY Rank", "indexed"),
    (
        "my open issues",
        "assignee = gen.user0007 AND resolution is EMPTY ORDER BY priority DESC, updated DESC",
        "indexed",
    ),
    ("recently updated", "project = GENB AND updated >= -7d ORDER BY updated DESC", "indexed"),
    ("label filter", "project = GENC AND labels = security ORDER BY created DESC", "indexed"),
    ("points range", 'project = GENA AND "Story Points" >= 8 AND type = Bug', "indexed"),
    ("key lookup", "key in (GENA-10, GENB-20, GENC-30)", "indexed"),
    ("done last month", "project = GENB AND status = Done AND resolved >= startOfMonth(-1)", "indexed"),
    ("text search", 'project = GENA AND summary ~ "webhook"', "fulltext"),
    ("text anywhere", 'text ~ "billing export"', "fulltext"),
    ("text anywhere, one word", 'project = GENC AND text ~ "payment"', "fulltext"),
    # Words that share comments: about 1 issue in 60 has both (see add_comments).
    ("comment search", 'comment ~ "login search"', "fulltext"),
]


# Comment bodies: two words of generate's vocabulary, so `text ~` also finds issues through comments.
COMMENT_WORDS = "login cache search export sprint board report import payment profile api queue".split()


def add_comments(url: str, every: int) -> None:
    """One comment on every `every`-th issue (generate writes none), through the same write path as any insert."""
    if every <= 0:
        return
    words = "ARRAY[" + ", ".join(f"'{w}'" for w in COMMENT_WORDS) + "]"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f"""INSERT INTO comments (issue_id, author_id, body)
                SELECT id, reporter_id,
                       'Seen in ' || ({words})[1 + (id * 7) % {len(COMMENT_WORDS)}]
                       || ' after the ' || ({words})[1 + (id * 13 / 5) % {len(COMMENT_WORDS)}] || ' change'
                FROM issues WHERE id % {every} = 0"""
        )


def clip(text: str, keep: int = 400) -> str:
    """Statements may carry thousands of issue ids (rare text matches): keep the JSON readable."""
    return text if len(text) <= keep else f"{text[:keep]}… ({len(text)} characters)"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def measure(url: str, repeat: int) -> list[dict[str, Any]]:
    async with await psycopg.AsyncConnection.connect(
        url,
        autocommit=True,
        row_factory=dict_row,
        options=SESSION_OPTIONS,  # as the API's sessions
    ) as conn:
        row = await (
            await conn.execute("SELECT id, username, display_name FROM users WHERE username='admin'")
        ).fetchone()
        assert row is not None
        actor = Actor(row["id"], row["username"], row["display_name"], True)
        results = []
        for name, text, kind in QUERIES:
            full: list[float] = []
            for _ in range(repeat + 2):
                start = time.perf_counter()
                page = await search(conn, actor, text, max_results=50)
                full.append(time.perf_counter() - start)
            # The statements the search ran (text probes, the page, a bounded count), each timed alone.
            trace: list[str] = []
            await search(conn, actor, text, max_results=50, trace=trace)
            statements: list[dict[str, Any]] = []
            for sql in trace:
                raw: list[float] = []
                for _ in range(min(repeat, 10)):
                    start = time.perf_counter()
                    await (await conn.execute(sql)).fetchall()
                    raw.append(time.perf_counter() - start)
                explain = await (await conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)).fetchall()
                statements.append(
                    {
                        "sql": clip(sql),
                        "p50_ms": round(percentile(raw, 50) * 1000, 2),
                        "plan": [clip(r["QUERY PLAN"]) for r in explain],
                    }
                )
            full = full[2:]
            target = 20 if kind == "indexed" else 100
            results.append(
                {
                    "query": name,
                    "jql": text,
                    "kind": kind,
                    "total": page.total,
                    "total_is_exact": page.total_is_exact,
                    "is_last": page.is_last,
                    "search_p50_ms": round(percentile(full, 50) * 1000, 2),
                    "search_p95_ms": round(percentile(full, 95) * 1000, 2),
                    "sql_p50_ms": round(sum(float(s["p50_ms"]) for s in statements), 2),
                    "target_p95_ms": target,
                    "meets_target": percentile(full, 95) * 1000 <= target,
                    "statements": statements,
                }
            )
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--history-per-issue", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--comments-every", type=int, default=3, help="one comment on every Nth issue (0: none)")
    parser.add_argument("--keep", action="store_true", help="reuse an existing benchmark database")
    args = parser.parse_args()
    url = f"{SERVER}/{DB}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone()
        if not (args.keep and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB}"')
    generated = None
    if not (args.keep and exists):
        migrate(url)
        with psycopg.connect(url) as conn:
            conn.execute("INSERT INTO users (username, display_name, is_admin) VALUES ('admin', 'Admin', true)")
        start = time.perf_counter()
        generate(url, projects=4, issues=args.issues, history_per_issue=args.history_per_issue)
        add_comments(url, args.comments_every)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        generated = round(time.perf_counter() - start, 1)
    results = asyncio.run(measure(url, args.repeat))
    with psycopg.connect(url) as conn:
        # Counts read up to 1,000 matching rows: whether those pages are in PostgreSQL's buffers shows in the p95.
        settings: dict[str, str] = dict(
            conn.execute(
                "SELECT name, current_setting(name) FROM unnest(ARRAY['shared_buffers', 'work_mem']) AS name"
            ).fetchall()
        )
        sizes = conn.execute(
            "SELECT pg_size_pretty(pg_table_size('issues')), pg_size_pretty(pg_indexes_size('issues'))"
        ).fetchone()
    print(
        json.dumps(
            {
                "benchmark": "jql_scale",
                "issues": args.issues,
                "generate_seconds": generated,
                "server_settings": settings,
                "issues_table_and_indexes": sizes,
                "all_meet_targets": all(r["meets_target"] for r in results),
                "queries": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
