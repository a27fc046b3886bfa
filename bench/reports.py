"""Report benchmark: sprint burndown, CFD and control chart over ~10M generated history rows.

Builds a PostgreSQL database with `tracklake.generate` (issues with consistent status / points / assignee /
priority history), adds what generate lacks for agile reports (one Scrum board per project with To Do | In
Progress | Done columns, 26 two-week sprints per board, a 'Sprint' history row for ~15% of issues), rebuilds the
warehouse from PostgreSQL (`warehouse.rebuild`), then times each report three ways on the same data:

* `report`: the registry function (reports/), over the warehouse marts, as the API runs it;
* `duckdb_plain`: one hand-written DuckDB query per report over the raw change log (the Parquet export of
  issue_history), computing the same numbers from scratch;
* `postgres`: the same hand-written query in PostgreSQL over issue_history.

Every figure is the median of --repeat warm runs; the numbers of the three are compared (`match`). Prints one JSON
object. Targets at 10M rows: burndown <= 0.3 s, control chart <= 1 s, each within 1.5x of the plain DuckDB query.

    python bench/reports.py [--rows 10000000] [--projects 20] [--repeat 5] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports import ReportContext
from reports.flow import cfd, control_chart
from reports.sprint import sprint_burndown
from tracklake.bootstrap import ensure_admin
from tracklake.generate import generate
from tracklake.migrate import migrate
from warehouse import Layout, Warehouse, rebuild
from warehouse.sources import history_files, sql_path

SERVER = os.environ.get("TRACKLAKE_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
DB = "tracklake_bench_reports"
SPRINTS_PER_BOARD = 26
SPRINT_SHARE = 0.15


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of `repeat` runs after one warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


# --- data ---------------------------------------------------------------------------------------------------------


def create_database(url: str, rows: int, projects: int) -> dict[str, Any]:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB}"')
    migrate(url)
    asyncio.run(ensure_admin(url, "tlk_bench_reports_admin"))
    issues = max(rows // 10, 1000)
    started = time.perf_counter()
    result = generate(url, projects=projects, issues=issues, history_per_issue=10, seed=7)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    sprint_rows = add_agile(url, result.projects)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE issue_history")
        conn.execute("VACUUM ANALYZE issues")
    return {
        "issues": issues,
        "history_rows": result.history_rows + sprint_rows,
        "generate_s": round(generated, 1),
        "agile_s": round(time.perf_counter() - started, 1),
    }


def add_agile(url: str, keys: list[str]) -> int:
    """Boards, columns, sprints and Sprint history rows for the generated projects; returns history rows added."""
    now = datetime.now(UTC).replace(microsecond=0)
    monday = (now - timedelta(days=now.weekday() + 7 * SPRINTS_PER_BOARD * 2)).replace(hour=9, minute=0, second=0)
    rng = np.random.default_rng(11)
    added = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        admin = cur.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]  # type: ignore[index]
        by_category: dict[str, list[int]] = dict(
            cur.execute("SELECT category, array_agg(id ORDER BY id) FROM statuses GROUP BY category").fetchall()
        )
        for key in keys:
            project_id = cur.execute("SELECT id FROM projects WHERE key = %s", (key,)).fetchone()[0]  # type: ignore[index]
            filter_id = cur.execute(
                "INSERT INTO saved_filters (owner_id, name, jql, shared) VALUES (%s, %s, %s, true) RETURNING id",
                (admin, f"Board {key}", f"project = {key} ORDER BY Rank"),
            ).fetchone()[0]  # type: ignore[index]
            board_id = cur.execute(
                "INSERT INTO boards (name, type, project_id, filter_id) VALUES (%s, 'scrum', %s, %s) RETURNING id",
                (f"{key} board", project_id, filter_id),
            ).fetchone()[0]  # type: ignore[index]
            for position, (name, category) in enumerate(
                (("To Do", "todo"), ("In Progress", "in_progress"), ("Done", "done"))
            ):
                cur.execute(
                    "INSERT INTO board_columns (board_id, position, name, status_ids) VALUES (%s, %s, %s, %s)",
                    (board_id, position, name, by_category.get(category, [])),
                )
            sprint_ids, starts, ends = [], [], []
            for k in range(SPRINTS_PER_BOARD):
                start = monday + timedelta(days=14 * k)
                end = start + timedelta(days=11, hours=8)  # Friday 17:00 of the second week
                active = k == SPRINTS_PER_BOARD - 1
                sprint_id = cur.execute(
                    "INSERT INTO sprints (board_id, name, state, start_date, end_date, activated_date, complete_date) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    (
                        board_id,
                        f"{key} Sprint {k + 1}",
                        "active" if active else "closed",
                        start,
                        end,
                        start,
                        None if active else end,
                    ),
                ).fetchone()[0]  # type: ignore[index]
                sprint_ids.append(sprint_id)
                starts.append(start)
                ends.append(end)
            issues = cur.execute(
                "SELECT id, key, created_at FROM issues WHERE project_id = %s AND created_at < %s ORDER BY id",
                (project_id, starts[-1]),
            ).fetchall()
            chosen = [r for r in issues if rng.random() < SPRINT_SHARE]
            rows = []
            start_arr = np.array([s.timestamp() for s in starts])
            for issue_id, issue_key, created in chosen:
                # Planned into the next sprint starting after its creation (added before that sprint starts);
                # a third join a sprint already running (scope added after the start).
                k = int(np.searchsorted(start_arr, created.timestamp()))
                if k >= SPRINTS_PER_BOARD:
                    continue
                if rng.random() < 0.33 and k > 0 and created < ends[k - 1]:
                    k -= 1
                    at = max(created, starts[k]) + timedelta(hours=float(rng.integers(1, 48)))
                else:
                    at = starts[k] - timedelta(hours=float(rng.integers(1, 72)))
                    at = max(at, created)
                rows.append((issue_id, issue_key, project_id, sprint_ids[k], at, admin))
            with cur.copy(
                "COPY issue_history (issue_id, issue_key, project_id, change_id, actor_id, occurred_at, field, "
                "field_type, from_value, from_string, to_value, to_string, is_create) FROM STDIN"
            ) as copy:
                for issue_id, issue_key, pid, sprint_id, at, actor in rows:
                    copy.write_row(
                        (
                            issue_id,
                            issue_key,
                            pid,
                            uuid.uuid4(),
                            actor,
                            at,
                            "Sprint",
                            "custom",
                            None,
                            None,
                            str(sprint_id),
                            str(sprint_id),
                            False,
                        )
                    )
            with cur.copy("COPY issue_sprints (issue_id, sprint_id) FROM STDIN") as copy:
                for issue_id, _, _, sprint_id, _, _ in rows:
                    copy.write_row((issue_id, sprint_id))
            added += len(rows)
        conn.commit()
    return added


# --- plain queries: the same numbers from the raw change log ------------------------------------------------------

BURNDOWN_DUCKDB = """
WITH members AS (
    SELECT DISTINCT issue_id FROM h
    WHERE field = 'Sprint' AND (list_contains(ids(to_value), $sprint) OR list_contains(ids(from_value), $sprint))
      AND issue_id IN (SELECT id FROM issues WHERE project_id = $project)
), ch AS (
    SELECT issue_id, occurred_at, id, field, from_value, to_value FROM h
    WHERE issue_id IN (SELECT issue_id FROM members) AND field IN ('status', 'Story Points', 'Sprint')
), firsts AS (
    SELECT issue_id, field, from_value FROM ch QUALIFY row_number() OVER (PARTITION BY issue_id, field ORDER BY occurred_at, id) = 1
), inst AS (
    SELECT issue_id, $start AS t FROM members
    UNION SELECT issue_id, occurred_at FROM ch WHERE occurred_at > $start AND occurred_at <= $until
), st AS (
    SELECT i.issue_id, i.t,
           CASE WHEN s.occurred_at IS NULL THEN fs.from_value ELSE s.to_value END AS status,
           CASE WHEN p.occurred_at IS NULL THEN fp.from_value ELSE p.to_value END AS points,
           CASE WHEN m.occurred_at IS NULL THEN fm.from_value ELSE m.to_value END AS sprints
    FROM inst i
    ASOF LEFT JOIN (SELECT * FROM ch WHERE field = 'status') s ON s.issue_id = i.issue_id AND s.occurred_at <= i.t
    ASOF LEFT JOIN (SELECT * FROM ch WHERE field = 'Story Points') p ON p.issue_id = i.issue_id AND p.occurred_at <= i.t
    ASOF LEFT JOIN (SELECT * FROM ch WHERE field = 'Sprint') m ON m.issue_id = i.issue_id AND m.occurred_at <= i.t
    LEFT JOIN firsts fs ON fs.issue_id = i.issue_id AND fs.field = 'status'
    LEFT JOIN firsts fp ON fp.issue_id = i.issue_id AND fp.field = 'Story Points'
    LEFT JOIN firsts fm ON fm.issue_id = i.issue_id AND fm.field = 'Sprint'
), c AS (
    SELECT issue_id, t,
           CASE WHEN list_contains(ids(sprints), $sprint) AND NOT list_contains($done, TRY_CAST(status AS BIGINT))
                THEN coalesce(TRY_CAST(points AS DOUBLE), 0) ELSE 0 END AS value
    FROM st
), d AS (
    SELECT t, value - coalesce(lag(value) OVER (PARTITION BY issue_id ORDER BY t), 0) AS delta FROM c
)
SELECT t, sum(sum(delta)) OVER (ORDER BY t) AS remaining FROM d GROUP BY t ORDER BY t
"""

BURNDOWN_POSTGRES = """
WITH members AS (
    SELECT DISTINCT h.issue_id FROM issue_history h JOIN issues i ON i.id = h.issue_id AND i.project_id = %(project)s
    WHERE h.field = 'Sprint' AND (%(sprint)s::text = ANY(string_to_array(replace(coalesce(h.to_value, ''), ' ', ''), ','))
                               OR %(sprint)s::text = ANY(string_to_array(replace(coalesce(h.from_value, ''), ' ', ''), ',')))
), ch AS (
    SELECT h.issue_id, h.occurred_at, h.id, h.field, h.from_value, h.to_value FROM issue_history h
    WHERE h.issue_id IN (SELECT issue_id FROM members) AND h.field IN ('status', 'Story Points', 'Sprint')
), inst AS (
    SELECT issue_id, %(start)s::timestamptz AS t FROM members
    UNION SELECT issue_id, occurred_at FROM ch WHERE occurred_at > %(start)s AND occurred_at <= %(until)s
), st AS (
    SELECT i.issue_id, i.t,
           (SELECT CASE WHEN x.occurred_at <= i.t THEN x.to_value ELSE x.from_value END FROM ch x
            WHERE x.issue_id = i.issue_id AND x.field = 'status'
            ORDER BY (x.occurred_at <= i.t) DESC, CASE WHEN x.occurred_at <= i.t THEN x.occurred_at END DESC,
                     x.occurred_at, x.id DESC LIMIT 1) AS status,
           (SELECT CASE WHEN x.occurred_at <= i.t THEN x.to_value ELSE x.from_value END FROM ch x
            WHERE x.issue_id = i.issue_id AND x.field = 'Story Points'
            ORDER BY (x.occurred_at <= i.t) DESC, CASE WHEN x.occurred_at <= i.t THEN x.occurred_at END DESC,
                     x.occurred_at, x.id DESC LIMIT 1) AS points,
           (SELECT CASE WHEN x.occurred_at <= i.t THEN x.to_value ELSE x.from_value END FROM ch x
            WHERE x.issue_id = i.issue_id AND x.field = 'Sprint'
            ORDER BY (x.occurred_at <= i.t) DESC, CASE WHEN x.occurred_at <= i.t THEN x.occurred_at END DESC,
                     x.occurred_at, x.id DESC LIMIT 1) AS sprints
    FROM inst i
), c AS (
    SELECT issue_id, t,
           CASE WHEN %(sprint)s::text = ANY(string_to_array(replace(coalesce(sprints, ''), ' ', ''), ','))
                 AND NOT (status::bigint = ANY(%(done)s::bigint[]))
                THEN coalesce(points::double precision, 0) ELSE 0 END AS value
    FROM st
), d AS (
    SELECT t, value - coalesce(lag(value) OVER (PARTITION BY issue_id ORDER BY t), 0) AS delta FROM c
)
SELECT t, sum(sum(delta)) OVER (ORDER BY t) AS remaining FROM d GROUP BY t ORDER BY t
"""

# Status intervals of the board's project, mapped to column indexes; shared by the CFD and control chart.
INTERVALS_DUCKDB = """
WITH iv AS (
    SELECT issue_id, TRY_CAST(to_value AS BIGINT) AS status_id, occurred_at AS valid_from,
           lead(occurred_at) OVER (PARTITION BY issue_id ORDER BY occurred_at, id) AS valid_to
    FROM h WHERE field = 'status' AND issue_id IN (SELECT id FROM issues WHERE project_id = $project)
)
SELECT iv.issue_id, m.column_index, iv.valid_from, iv.valid_to FROM iv JOIN mapping m USING (status_id)
"""
INTERVALS_POSTGRES = """
WITH iv AS (
    SELECT h.issue_id, h.to_value::bigint AS status_id, h.occurred_at AS valid_from,
           lead(h.occurred_at) OVER (PARTITION BY h.issue_id ORDER BY h.occurred_at, h.id) AS valid_to
    FROM issue_history h JOIN issues i ON i.id = h.issue_id AND i.project_id = %(project)s WHERE h.field = 'status'
)
SELECT iv.issue_id, m.column_index, iv.valid_from, iv.valid_to
FROM iv JOIN unnest(%(statuses)s::bigint[], %(columns)s::int[]) m(status_id, column_index) USING (status_id)
"""
CFD_TAIL = """
SELECT column_index, greatest(d, {first}) AS d, sum(n) AS n FROM (
    SELECT column_index, CAST({local_from} AS DATE) AS d, 1 AS n FROM ci WHERE valid_from < {last_end}
    UNION ALL
    SELECT column_index, CAST({local_to} AS DATE), -1 FROM ci WHERE valid_to IS NOT NULL AND valid_from < {last_end}
) x WHERE d <= {last} GROUP BY 1, 2 ORDER BY 1, 2
"""
CONTROL_TAIL = """
SELECT issue_id, sum({epoch_to} - {epoch_from}) / 86400.0 AS days, max(valid_to) AS exited
FROM ci WHERE column_index = 1 GROUP BY issue_id HAVING bool_and(valid_to IS NOT NULL) ORDER BY exited, issue_id
"""


def cfd_counts(rows: list[tuple[Any, ...]], first: date, last: date, columns: int) -> list[list[int]]:
    counts = np.zeros((columns, (last - first).days + 1), dtype=np.int64)
    for column_index, day, n in rows:
        counts[int(column_index), (day - first).days] += int(n)
    return np.cumsum(counts, axis=1).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="history rows to generate (about)")
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse the database and warehouse of a previous run")
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "tracklake-bench-reports"))
    args = parser.parse_args()
    url = f"{SERVER}/{DB}"
    root = Path(args.workdir) / "warehouse"
    out: dict[str, Any] = {"benchmark": "reports", "rows_requested": args.rows, "projects": args.projects}
    if not (args.keep and Layout(root).current() is not None):
        out |= create_database(url, args.rows, args.projects)
        started = time.perf_counter()
        result = rebuild(root, url)
        out["rebuild_s"] = round(time.perf_counter() - started, 1)
        out["mart_rows"] = result.manifest.rows
    manifest = Layout(root).current()
    assert manifest is not None
    out["changes_rows"] = manifest.rows.get("changes")

    wh = Warehouse(root)
    cur = wh.cursor()
    now = datetime.now(UTC)
    # A typical closed sprint: the one with the median number of members among closed sprints of the first board.
    board_id, project_id, board_tz = cur.execute(
        "SELECT board_id, project_id, timezone FROM stg_boards ORDER BY board_id LIMIT 1"
    ).fetchone()  # type: ignore[misc]
    sprint_id, start, until, members = cur.execute(
        """
        SELECT s.sprint_id, s.start_at, s.complete_at, count(DISTINCT m.issue_id) AS n
        FROM stg_sprints s JOIN sprint_membership m USING (sprint_id)
        WHERE s.board_id = ? AND s.complete_at IS NOT NULL GROUP BY ALL ORDER BY n, s.sprint_id
        """,
        [board_id],
    ).fetchall()[SPRINTS_PER_BOARD // 2 - 1]
    done = [
        r[0]
        for r in cur.execute(
            "SELECT status_id FROM board_column_map WHERE board_id = ? AND is_done_column AND status_id IS NOT NULL",
            [board_id],
        ).fetchall()
    ]
    mapping = cur.execute(
        "SELECT status_id, column_index FROM board_column_map WHERE board_id = ? AND status_id IS NOT NULL", [board_id]
    ).fetchall()
    out["sprint"] = {"id": sprint_id, "issues": members}

    ctx = ReportContext(cur, now=now)
    plain = Warehouse(root).cursor()
    files = history_files(Layout(root), manifest.history)
    plain.execute(
        f"CREATE OR REPLACE TEMP VIEW h AS SELECT * FROM read_parquet([{', '.join(repr(sql_path(f)) for f in files)}])"
    )
    plain.execute(
        "CREATE OR REPLACE MACRO ids(v) AS list_filter(list_transform(string_split(replace(coalesce(v, ''), ' ', ''), ','), lambda x: TRY_CAST(x AS BIGINT)), lambda x: x IS NOT NULL)"
    )
    plain.execute("CREATE OR REPLACE TEMP TABLE mapping (status_id BIGINT, column_index INTEGER)")
    plain.executemany("INSERT INTO mapping VALUES (?, ?)", mapping)
    pg = psycopg.connect(url, autocommit=True)
    pg.execute("SET TimeZone = 'UTC'")

    # --- sprint burndown ---
    report_s, burndown = timed(lambda: sprint_burndown(ctx, sprint=sprint_id), args.repeat)
    params = {"sprint": sprint_id, "project": project_id, "start": start, "until": until, "done": done}
    duck_s, duck_rows = timed(lambda: plain.execute(BURNDOWN_DUCKDB, params).fetchall(), args.repeat)
    pg_params = params | {"sprint": str(sprint_id)}
    pg_s, pg_rows = timed(lambda: pg.execute(BURNDOWN_POSTGRES, pg_params).fetchall(), max(1, args.repeat // 2))
    duck_series = {t.astimezone(UTC): float(v) for t, v in duck_rows}
    pg_series = {t.astimezone(UTC): float(v) for t, v in pg_rows}
    report_points = {
        datetime.fromisoformat(p["at"].replace("Z", "+00:00")): float(p["value"]) for p in burndown["remaining"]
    }
    match = all(abs(duck_series.get(t, v) - v) < 1e-9 for t, v in report_points.items()) and duck_series == pg_series
    match = match and abs(burndown["commitment"] - duck_series[start.astimezone(UTC)]) < 1e-9
    out["burndown"] = {
        "report_s": round(report_s, 4),
        "duckdb_plain_s": round(duck_s, 4),
        "postgres_s": round(pg_s, 4),
        "ratio_vs_duckdb_plain": round(report_s / duck_s, 2),
        "ratio_vs_postgres": round(report_s / pg_s, 3),
        "commitment": burndown["commitment"],
        "final_remaining": burndown["final_remaining"],
        "events": len(burndown["events"]),
        "match": match,
        "target_s": 0.3,
        "within_target": report_s <= 0.3 and report_s <= 1.5 * duck_s,
    }

    # --- cumulative flow, last 90 days ---
    last = now.date()
    first = last - timedelta(days=89)
    last_end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    report_s, flow = timed(lambda: cfd(ctx, board=board_id, from_=first, to=last), args.repeat)
    duck_sql = f"WITH ci AS ({INTERVALS_DUCKDB}) " + CFD_TAIL.format(
        first="$first",
        last="$last",
        last_end="$last_end",
        local_from=f"timezone('{board_tz}', valid_from)",
        local_to=f"timezone('{board_tz}', valid_to)",
    )
    dparams = {"project": project_id, "first": first, "last": last, "last_end": last_end}
    duck_s, duck_cfd = timed(lambda: plain.execute(duck_sql, dparams).fetchall(), args.repeat)
    pg_sql = f"WITH ci AS ({INTERVALS_POSTGRES}) " + CFD_TAIL.format(
        first="%(first)s::date",
        last="%(last)s::date",
        last_end="%(last_end)s",
        local_from=f"(valid_from AT TIME ZONE '{board_tz}')",
        local_to=f"(valid_to AT TIME ZONE '{board_tz}')",
    )
    statuses, columns = [m[0] for m in mapping], [m[1] for m in mapping]
    pparams = dparams | {"statuses": statuses, "columns": columns}
    pg_s, pg_cfd = timed(lambda: pg.execute(pg_sql, pparams).fetchall(), max(1, args.repeat // 2))
    ncol = len(flow["columns"])
    report_counts = [c["counts"] for c in flow["columns"]]
    out["cfd"] = {
        "days": len(flow["days"]),
        "report_s": round(report_s, 4),
        "duckdb_plain_s": round(duck_s, 4),
        "postgres_s": round(pg_s, 4),
        "ratio_vs_duckdb_plain": round(report_s / duck_s, 2),
        "ratio_vs_postgres": round(report_s / pg_s, 3),
        "issues_on_last_day": int(sum(c[-1] for c in report_counts)),
        "match": report_counts == cfd_counts(duck_cfd, first, last, ncol) == cfd_counts(pg_cfd, first, last, ncol),
    }

    # --- control chart: cycle time in In Progress, all time ---
    report_s, chart = timed(lambda: control_chart(ctx, board=board_id), args.repeat)
    duck_sql = f"WITH ci AS ({INTERVALS_DUCKDB}) " + CONTROL_TAIL.format(
        epoch_to="epoch(valid_to)", epoch_from="epoch(valid_from)"
    )
    duck_s, duck_cc = timed(lambda: plain.execute(duck_sql, {"project": project_id}).fetchall(), args.repeat)
    pg_sql = f"WITH ci AS ({INTERVALS_POSTGRES}) " + CONTROL_TAIL.format(
        epoch_to="extract(epoch FROM valid_to)", epoch_from="extract(epoch FROM valid_from)"
    )
    pg_s, pg_cc = timed(
        lambda: pg.execute(pg_sql, {"project": project_id, "statuses": statuses, "columns": columns}).fetchall(),
        max(1, args.repeat // 2),
    )
    report_days = np.array([p["cycle_time_days"] for p in chart["points"]])
    duck_days = np.array([float(r[1]) for r in duck_cc])
    pg_days = np.array([float(r[1]) for r in pg_cc])
    out["control_chart"] = {
        "issues": len(chart["points"]),
        "report_s": round(report_s, 4),
        "duckdb_plain_s": round(duck_s, 4),
        "postgres_s": round(pg_s, 4),
        "ratio_vs_duckdb_plain": round(report_s / duck_s, 2),
        "ratio_vs_postgres": round(report_s / pg_s, 3),
        "mean_days": chart["average_days"],
        "match": len(report_days) == len(duck_days) == len(pg_days)
        and bool(np.allclose(np.sort(report_days), np.sort(duck_days)))
        and bool(np.allclose(np.sort(duck_days), np.sort(pg_days))),
        "target_s": 1.0,
        "within_target": report_s <= 1.0 and report_s <= 1.5 * duck_s,
    }
    pg.close()
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    pl.Config.set_tbl_rows(5)
    main()
