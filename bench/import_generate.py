"""Import and generate benchmark: `tracklake generate` and `tracklake import jira`, each next to a raw COPY of the
very rows it wrote, measured in the same run on a fresh database.

Prints one JSON object:
- `generate`: issues/s of `tracklake.generate.generate` (synthetic issues and their history, bulk COPY);
- `generate_baseline_raw_copy`: the same issue and history rows copied with plain COPY into tables shaped like
  `issues` and `issue_history` (same columns and indexes, no triggers): the floor under generate;
- `import`: issues/s of a Jira export (JSON bytes → parsed, checked, history rebuilt, issues, history rows and
  outbox events written), one transaction like the CLI's; `reimport` is the same export again (nothing to write);
- `import_baseline_raw_copy`: the rows that import wrote (issues, issue_history, outbox) by plain COPY;
- `import_fast_into_empty_tracker`: the same export imported into a fresh database with `fast=True` (indexes and
  foreign keys of issues, history, sprint memberships and comments rebuilt after the load: a first import);
- `targets`: ≥ 50,000 issues/s for generate, ≥ 5,000 issues/s with history for import, and whether they were met.

Each phase starts after a CHECKPOINT, so the previous phase's writes are not flushed on its time.

    python bench/import_generate.py [--generate 200000] [--history-per-issue 10] [--import-issues 20000]
                                    [--histories 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg

sys.path.insert(0, str(Path(__file__).parent.parent))

from tracker.importer import bundle_from_data, run_import
from tracklake.bootstrap import ensure_admin
from tracklake.generate import generate
from tracklake.migrate import migrate

SERVER = os.environ.get("TRACKLAKE_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
DB = "tracklake_bench_import"
GENERATE_TARGET, IMPORT_TARGET = 50_000, 5_000

STATUSES = [
    {"id": "10000", "name": "To Do", "statusCategory": {"key": "new"}},
    {"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}},
    {"id": "10003", "name": "In Review", "statusCategory": {"key": "indeterminate"}},
    {"id": "10001", "name": "Done", "statusCategory": {"key": "done"}},
]
SP, SPRINT = "customfield_10016", "customfield_10020"


def recreate(name: str) -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def jira_export(issues: int, histories: int, seed: int = 1) -> dict[str, Any]:
    """A Jira export of `issues` issues with `histories` changelog entries each (one or two items per entry)."""
    rng = random.Random(seed)
    users = [{"name": f"dev{n:03d}", "key": f"dev{n:03d}", "displayName": f"Developer {n:03d}"} for n in range(50)]
    sprints = [
        {
            "id": 500 + n,
            "name": f"Sprint {n + 1}",
            "state": "closed",
            "originBoardId": 9,
            "startDate": (datetime(2023, 1, 2, 9, tzinfo=UTC) + timedelta(days=14 * n)).isoformat(),
            "endDate": (datetime(2023, 1, 16, 9, tzinfo=UTC) + timedelta(days=14 * n)).isoformat(),
            "completeDate": (datetime(2023, 1, 16, 10, tzinfo=UTC) + timedelta(days=14 * n)).isoformat(),
        }
        for n in range(26)
    ]
    out = []
    base = datetime(2023, 1, 1, tzinfo=UTC)
    for n in range(issues):
        created = base + timedelta(seconds=rng.randrange(300 * 86400))
        status, points, priority = 0, rng.choice((1, 2, 3, 5, 8)), "Medium"
        assignee: str | None = None
        sprint_ids: list[int] = []
        at = created
        entries = []
        for h in range(histories):
            at += timedelta(minutes=rng.randrange(10, 3000))
            kind = rng.random()
            items: list[dict[str, Any]] = []
            if kind < 0.45:
                new = (status + 1) % 4
                a, b = STATUSES[status], STATUSES[new]
                items.append({"field": "status", "fieldtype": "jira", "from": a["id"], "fromString": a["name"],
                              "to": b["id"], "toString": b["name"]})  # fmt: skip
                status = new
                if rng.random() < 0.5:
                    who = rng.choice(users)["key"]
                    items.append({"field": "assignee", "fieldtype": "jira", "from": assignee, "fromString": None,
                                  "to": who, "toString": who})  # fmt: skip
                    assignee = who
            elif kind < 0.6:
                new_points = rng.choice((1, 2, 3, 5, 8, 13))
                items.append({"field": "Story Points", "fieldtype": "custom", "fieldId": SP, "from": None,
                              "fromString": str(points), "to": None, "toString": str(new_points)})  # fmt: skip
                points = new_points
            elif kind < 0.8:
                new_sprints = [*sprint_ids, 500 + rng.randrange(len(sprints))]
                items.append({"field": "Sprint", "fieldtype": "custom", "fieldId": SPRINT,
                              "from": ", ".join(map(str, sorted(set(sprint_ids)))), "fromString": "",
                              "to": ", ".join(map(str, sorted(set(new_sprints)))), "toString": ""})  # fmt: skip
                sprint_ids = new_sprints
            else:
                new_priority = rng.choice(("High", "Medium", "Low"))
                items.append({"field": "priority", "fieldtype": "jira", "from": "3", "fromString": priority,
                              "to": "2", "toString": new_priority})  # fmt: skip
                priority = new_priority
            entries.append({"id": str(1_000_000 + n * histories + h), "author": users[h % 50],
                            "created": at.isoformat(), "items": items})  # fmt: skip
        fields = {
            "summary": f"Synthetic issue {n + 1}",
            "issuetype": {"name": "Task"},
            "created": created.isoformat(),
            "updated": at.isoformat(),
            "status": STATUSES[status],
            "priority": {"name": priority},
            "assignee": {"key": assignee} if assignee else None,
            "reporter": users[n % 50],
            "labels": ["bench"],
            SP: points,
            SPRINT: [{"id": s} for s in sorted(set(sprint_ids))],
        }
        out.append(
            {"id": str(100_000 + n), "key": f"BENCH-{n + 1}", "fields": fields, "changelog": {"histories": entries}}
        )
    return {
        "users": users,
        "fields": [
            {
                "id": SP,
                "name": "Story Points",
                "schema": {"custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"},
            },
            {"id": SPRINT, "name": "Sprint", "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"}},
        ],
        "statuses": STATUSES,
        "projects": [{"id": "1", "key": "BENCH", "name": "Bench", "issueTypes": [{"name": "Task"}]}],
        "boards": [
            {
                "id": 9,
                "name": "Bench board",
                "type": "scrum",
                "location": {"projectKey": "BENCH"},
                "configuration": {
                    "columnConfig": {"columns": [{"name": s["name"], "statuses": [{"id": s["id"]}]} for s in STATUSES]}
                },
            },
        ],
        "sprints": sprints,
        "issues": out,
    }


def raw_copy(url: str, tables: dict[str, str]) -> tuple[float, int]:
    """Copy rows out of the real tables, then time plain COPY of them into twins with the same indexes."""
    with psycopg.connect(url) as conn:
        data: dict[str, bytes] = {}
        for table, where in tables.items():
            buffer = bytearray()
            with conn.cursor().copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT") as copy:
                for chunk in copy:
                    buffer += chunk
            data[table] = bytes(buffer)
            conn.execute(f"DROP TABLE IF EXISTS bench_{table}")
            conn.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)")
        conn.commit()
        started = time.perf_counter()
        rows = 0
        with conn.cursor() as cur:
            for table, payload in data.items():
                with cur.copy(f"COPY bench_{table} FROM STDIN") as copy:
                    copy.write(payload)
                rows += cur.rowcount
        conn.commit()
        seconds = time.perf_counter() - started
        for table in tables:
            conn.execute(f"DROP TABLE bench_{table}")
        conn.commit()
    return seconds, rows


def settle(url: str) -> None:
    """Flush what the previous phase wrote (a CHECKPOINT), so its writes are not paid by the next phase."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generate", type=int, default=200_000, help="issues to generate")
    parser.add_argument("--history-per-issue", type=int, default=10)
    parser.add_argument("--import-issues", type=int, default=20_000)
    parser.add_argument("--histories", type=int, default=8, help="changelog entries per imported issue")
    args = parser.parse_args()

    url = recreate(DB)
    migrate(url)
    asyncio.run(ensure_admin(url, "tlk_bench_" + os.urandom(8).hex()))

    settle(url)
    gen = generate(url, projects=4, issues=args.generate, history_per_issue=args.history_per_issue, seed=1)
    settle(url)
    gen_where = "project_id IN (SELECT id FROM projects WHERE key LIKE 'GEN%')"
    gen_raw_seconds, gen_raw_rows = raw_copy(url, {"issues": gen_where, "issue_history": gen_where})

    export = orjson.dumps(jira_export(args.import_issues, args.histories))
    settle(url)
    started = time.perf_counter()
    summary = asyncio.run(run_import(url, bundle_from_data(orjson.loads(export)), source="bench"))
    import_seconds = time.perf_counter() - started
    assert not summary.errors, summary.errors[:3]
    started = time.perf_counter()
    again = asyncio.run(run_import(url, bundle_from_data(orjson.loads(export)), source="bench"))
    reimport_seconds = time.perf_counter() - started
    settle(url)
    bench = "project_id IN (SELECT id FROM projects WHERE key = 'BENCH')"
    imp_raw_seconds, imp_raw_rows = raw_copy(
        url, {"issues": bench, "issue_history": bench, "outbox": "project_key = 'BENCH' AND issue_id IS NOT NULL"}
    )

    empty = recreate(DB + "_empty")
    migrate(empty)
    asyncio.run(ensure_admin(empty, "tlk_bench_" + os.urandom(8).hex()))
    settle(empty)
    started = time.perf_counter()
    first = asyncio.run(run_import(empty, bundle_from_data(orjson.loads(export)), source="bench", fast=True))
    fast_seconds = time.perf_counter() - started
    assert not first.errors, first.errors[:3]
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}_empty" WITH (FORCE)')

    n = summary.counts["issues_created"]
    result = {
        "benchmark": "import_generate",
        "generate": {
            "issues": gen.issues,
            "history_rows": gen.history_rows,
            "seconds": round(gen.seconds, 3),
            "issues_per_s": rate(gen.issues, gen.seconds),
            "indexes_rebuilt_after_load": gen.fast,
        },
        "generate_baseline_raw_copy": {
            "rows": gen_raw_rows,
            "seconds": round(gen_raw_seconds, 3),
            "issues_per_s": rate(gen.issues, gen_raw_seconds),
        },
        "import": {
            "issues": n,
            "history_rows": summary.counts["history_rows"],
            "events": summary.counts["events"],
            "export_mb": round(len(export) / 1e6, 1),
            "seconds": round(import_seconds, 3),
            "issues_per_s": rate(n, import_seconds),
            "history_rows_per_s": rate(summary.counts["history_rows"], import_seconds),
        },
        "reimport": {
            "issues_unchanged": again.counts["issues_unchanged"],
            "rows_written": again.counts["history_rows"] + again.counts["events"],
            "seconds": round(reimport_seconds, 3),
            "issues_per_s": rate(n, reimport_seconds),
        },
        "import_baseline_raw_copy": {
            "rows": imp_raw_rows,
            "seconds": round(imp_raw_seconds, 3),
            "issues_per_s": rate(n, imp_raw_seconds),
        },
        "import_fast_into_empty_tracker": {
            "issues": first.counts["issues_created"],
            "history_rows": first.counts["history_rows"],
            "seconds": round(fast_seconds, 3),
            "issues_per_s": rate(first.counts["issues_created"], fast_seconds),
        },
        "ratio_generate_to_raw_copy": round(gen_raw_seconds / gen.seconds, 3) if gen.seconds else None,
        "ratio_import_to_raw_copy": round(imp_raw_seconds / import_seconds, 3) if import_seconds else None,
        "targets": {
            "generate_issues_per_s": GENERATE_TARGET,
            "generate_met": rate(gen.issues, gen.seconds) >= GENERATE_TARGET,
            "import_issues_per_s": IMPORT_TARGET,
            "import_met": rate(n, import_seconds) >= IMPORT_TARGET,
            "import_fast_into_empty_met": rate(first.counts["issues_created"], fast_seconds) >= IMPORT_TARGET,
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
