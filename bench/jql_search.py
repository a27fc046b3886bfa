"""JQL benchmark: compile cost and PostgreSQL execution of compiled JQL next to hand-written SQL.

Prints one JSON object. Baselines are measured in the same run: compile time is compared with sqlglot
parsing the SQL it produced, and execution time with hand-written SQL for the same question (full-text
`~` against an unindexed ILIKE scan). Uses the generated dataset of the JQL tests.

    python bench/jql_search.py [--issues 5000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import sqlglot

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jql  # noqa: E402
from tests.jql.dataset import NOW, diff_catalog, generate  # noqa: E402
from tests.jql.test_differential import load_postgres  # noqa: E402

SERVER = os.environ.get("TRACKLAKE_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
DB = "tracklake_bench_jql"
CTX = jql.QueryContext(user_id=1, now=NOW)

# (JQL, equivalent hand-written SQL returning the same ids in the same order)
PAIRS: list[tuple[str, str]] = [
    (
        "project = ABC AND status = Done",
        "SELECT id FROM issues WHERE project_id = 1 AND status_id = 10001 ORDER BY created_at DESC, id DESC",
    ),
    (
        "assignee != bob AND priority in (High, Highest)",
        "SELECT id FROM issues WHERE assignee_id IS NOT NULL AND assignee_id <> 2 AND priority_id IN (1, 2)"
        " ORDER BY created_at DESC, id DESC",
    ),
    (
        "labels = urgent ORDER BY key",
        "SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.labels @> ARRAY['urgent']"
        " ORDER BY p.key, i.number, i.id DESC",
    ),
    (
        'status changed from "To Do" to "In Progress" after -30d',
        "SELECT id FROM issues i WHERE EXISTS (SELECT 1 FROM issue_history h WHERE h.issue_id = i.id"
        " AND h.field = 'status' AND NOT h.is_create AND h.from_value = '1' AND h.to_value = '3'"
        " AND h.occurred_at > TIMESTAMPTZ '2024-05-16 12:00:00+00') ORDER BY created_at DESC, id DESC",
    ),
    (
        "summary ~ login",
        "SELECT id FROM issues WHERE summary ~* '(^|[^[:alnum:]])login([^[:alnum:]]|$)'"
        " ORDER BY created_at DESC, id DESC",
    ),
]
COMPILE_ONLY = [
    "",
    'project = ABC AND status in ("To Do", "In Progress") AND assignee in membersOf(qa) ORDER BY priority DESC',
    'status was "In Progress" by bob during ("2024-01-01", "2024-03-01") OR status changed to Done after -1w',
    'issue in linkedIssuesOf("project = XYZ AND priority > Medium", blocks) AND sprint in openSprints()',
    'NOT (labels in (ui, perf) OR component = Backend) AND timeInStatus("In Progress") > 3d',
]


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median seconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    catalog = diff_catalog()

    compile_us, parse_us = [], []
    for text in [p[0] for p in PAIRS] + COMPILE_ONLY:
        sql = jql.to_sql(text, catalog, scope=[1, 2], context=CTX).sql("postgres")
        compile_us.append(
            timed(lambda t=text: jql.to_sql(t, catalog, scope=[1, 2], context=CTX).sql("postgres"), args.repeat) * 1e6
        )
        parse_us.append(timed(lambda s=sql: sqlglot.parse_one(s, read="postgres"), args.repeat) * 1e6)

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.execute(f"CREATE DATABASE \"{DB}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
    queries: dict[str, dict[str, float]] = {}
    try:
        with psycopg.connect(f"{SERVER}/{DB}", autocommit=True) as conn:
            load_postgres(conn, generate(count=args.issues))
            for text, baseline in PAIRS:
                sql = jql.to_sql(text, catalog, scope=None, context=CTX).sql("postgres")
                got = [r[0] for r in conn.execute(sql).fetchall()]
                want = [r[0] for r in conn.execute(baseline).fetchall()]
                assert got == want, text
                jql_ms = timed(lambda s=sql: conn.execute(s).fetchall(), args.repeat) * 1000
                base_ms = timed(lambda s=baseline: conn.execute(s).fetchall(), args.repeat) * 1000
                queries[text] = {
                    "rows": len(got),
                    "jql_ms": round(jql_ms, 3),
                    "baseline_ms": round(base_ms, 3),
                    "ratio": round(jql_ms / base_ms, 2),
                }
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')

    print(
        json.dumps(
            {
                "benchmark": "jql_search",
                "issues": args.issues,
                "compile_p50_us": round(statistics.median(compile_us), 1),
                "compile_max_us": round(max(compile_us), 1),
                "sqlglot_parse_p50_us": round(statistics.median(parse_us), 1),
                "compile_baseline_ratio": round(statistics.median(compile_us) / statistics.median(parse_us), 2),
                "queries": queries,
                "execution_baseline_ratio": round(statistics.median(q["ratio"] for q in queries.values()), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
