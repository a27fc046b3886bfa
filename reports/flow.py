"""Flow reports over board columns: cumulative flow, control chart, lead time,
throughput and aging work in progress.

Columns are the board's (done = its rightmost column); without a board, status categories act as the columns
To Do | In Progress | Done. Days are the board's local days (UTC without a board); the CFD and flow metrics use
calendar time, the control chart optionally working time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from reports.context import Board, ReportContext, ReportError, iso
from reports.stats import PERIODS, centred_rolling, percentile, periods, rolling_window_size, summary

DEFAULT_DAYS = 90


def column_intervals_sql(board: Board) -> str:
    """(issue_id, column_index, valid_from, valid_to) of the board's column intervals."""
    if board.id is not None:
        return (
            "SELECT issue_id, column_index, valid_from, valid_to FROM board_column_intervals "
            f"WHERE board_id = {int(board.id)}"
        )
    mapping = ", ".join(f"({int(s)}, {c.index})" for c in board.columns for s in c.status_ids) or "(NULL, NULL)"
    return f"""
        SELECT issue_id, column_index, min(valid_from) AS valid_from, last(valid_to ORDER BY interval_seq) AS valid_to
        FROM (
            SELECT si.issue_id, si.interval_seq, m.column_index, si.valid_from, si.valid_to,
                   si.interval_seq - row_number() OVER (
                       PARTITION BY si.issue_id, m.column_index ORDER BY si.interval_seq) AS island
            FROM status_intervals si JOIN (VALUES {mapping}) m(status_id, column_index) USING (status_id)
        ) GROUP BY issue_id, column_index, island"""


def _tz(board: Board) -> str:
    return board.calendar.timezone.replace("'", "''")


def _range(
    ctx: ReportContext, board: Board, from_: date | None, to: date | None, days: int = DEFAULT_DAYS
) -> tuple[date, date]:
    last = to or board.calendar.local_date(ctx.now)
    first = from_ or last - timedelta(days=days - 1)
    if first > last:
        raise ReportError("'from' must not be after 'to'", field="from")
    if (last - first).days > 3660:
        raise ReportError("the date range is limited to ten years", field="from")
    return first, last


# --- cumulative flow ----------------------------------------------------------------------------------------------


def cfd(
    ctx: ReportContext,
    *,
    board: int | None = None,
    from_: date | None = None,
    to: date | None = None,
    jql: str | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Issues per board column at the end of each local day (point-in-time, as Jira draws it)."""
    b = ctx.board(board, timezone=timezone)
    first, last = _range(ctx, b, from_, to)
    tz = _tz(b)
    cond = ctx.issue_condition("c.issue_id", jql, b)
    # An interval counts on day d when it holds at the end of d: entered on or before d, left after d.
    rows = ctx.sql(
        f"""
        WITH iv AS (
            SELECT c.column_index,
                   CAST(timezone('{tz}', c.valid_from) AS DATE) AS day_in,
                   CAST(timezone('{tz}', c.valid_to) AS DATE) AS day_out
            FROM ({column_intervals_sql(b)}) c
            WHERE {cond} AND c.valid_from < ?
        )
        SELECT column_index, greatest(day, ?) AS day, sum(n) AS n FROM (
            SELECT column_index, day_in AS day, 1 AS n FROM iv
            UNION ALL
            SELECT column_index, day_out, -1 FROM iv WHERE day_out IS NOT NULL
        ) WHERE day <= ? GROUP BY ALL ORDER BY 1, 2
        """,
        [b.calendar.day_end(last), first, last],
    )
    n_days = (last - first).days + 1
    counts = np.zeros((len(b.columns), n_days), dtype=np.int64)
    for column_index, day, n in rows:
        counts[int(column_index), (day - first).days] += int(n)
    counts = np.cumsum(counts, axis=1)
    days = [(first + timedelta(days=i)).isoformat() for i in range(n_days)]
    # Stacked with the rightmost column at the bottom: the top edge of column c is the sum over c' ≥ c.
    tops = np.cumsum(counts[::-1], axis=0)[::-1]
    return {
        "report": "cfd",
        "board": b.view(),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": days,
        "columns": [
            {"index": c.index, "name": c.name, "counts": counts[c.index].tolist(), "top": tops[c.index].tolist()}
            for c in b.columns
        ],
    }


# --- control chart ---------------------------------------------------------------------------------------------


def _selected_columns(board: Board, columns: Sequence[str] | None) -> list[int]:
    if not columns:
        middle = [c.index for c in board.columns[1:-1]]
        return middle or [c.index for c in board.columns[:-1]]
    chosen = []
    for name in columns:
        match = [c.index for c in board.columns if c.name.lower() == str(name).lower() or str(c.index) == str(name)]
        if not match:
            raise ReportError(f"Board has no column '{name}'", field="columns")
        chosen.extend(match)
    return sorted(set(chosen))


def control_chart(
    ctx: ReportContext,
    *,
    board: int | None = None,
    columns: Sequence[str] | None = None,
    from_: date | None = None,
    to: date | None = None,
    jql: str | None = None,
    include_non_working_days: bool = True,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Cycle time per issue: time spent in the selected columns (every visit counts), for issues that left them
    within the timeframe; dots at the last exit, with a centred rolling average, a std-dev band and percentiles."""
    b = ctx.board(board, timezone=timezone)
    selected = _selected_columns(b, columns)
    first, last = (from_, to) if from_ or to else (None, None)
    lo = b.calendar.day_start(first) if first else None
    hi = b.calendar.day_end(last) if last else None
    cond = ctx.issue_condition("c.issue_id", jql, b)
    in_list = ", ".join(str(i) for i in selected)
    named: dict[str, Any] = {"now": ctx.now}
    time_filter = ""
    if lo is not None:
        time_filter += " AND p.exited_at >= $lo"
        named["lo"] = lo
    if hi is not None:
        time_filter += " AND p.exited_at < $hi"
        named["hi"] = hi
    base = f"""
        SELECT c.issue_id, c.valid_from, least(coalesce(c.valid_to, $now), $now) AS valid_to,
               c.valid_to IS NULL OR c.valid_to > $now AS open
        FROM ({column_intervals_sql(b)}) c
        WHERE c.column_index IN ({in_list}) AND c.valid_from <= $now AND {cond}"""
    rows = ctx.cursor.execute(
        f"""
        WITH sel AS ({base}),
        per AS (
            SELECT issue_id, sum(epoch(valid_to) - epoch(valid_from)) AS seconds, max(valid_to) AS exited_at,
                   bool_or(open) AS still_in
            FROM sel GROUP BY issue_id
        )
        SELECT p.issue_id, s.issue_key, p.seconds, p.exited_at
        FROM per p JOIN issue_snapshot s USING (issue_id)
        WHERE NOT p.still_in {time_filter}
        ORDER BY p.exited_at, p.issue_id
        """,
        named,
    ).fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    seconds = np.array([r[2] for r in rows], dtype=float)
    if not include_non_working_days and len(rows):
        seconds = _working_seconds_per_issue(ctx, b, base, ids)
    days_ = seconds / 86400.0
    window = rolling_window_size(len(rows))
    mean, std = centred_rolling(days_, window)
    stats = summary(days_)
    points = [
        {
            "issue_id": int(r[0]),
            "key": r[1],
            "completed": iso(r[3]),
            "cycle_time_seconds": float(seconds[i]),
            "cycle_time_days": float(days_[i]),
            "rolling_average_days": float(mean[i]),
            "rolling_std_days": float(std[i]),
            "outlier": bool(days_[i] > mean[i] + std[i]),
        }
        for i, r in enumerate(rows)
    ]
    return {
        "report": "control-chart",
        "board": b.view(),
        "columns": [b.columns[i].name for i in selected],
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
        "include_non_working_days": include_non_working_days,
        "window": window,
        "summary": stats,
        "average_days": stats["mean"],
        "percentiles": {"p50": stats["p50"], "p85": stats["p85"], "p95": stats["p95"]},
        "points": points,
    }


def _working_seconds_per_issue(ctx: ReportContext, board: Board, base: str, ids: np.ndarray) -> np.ndarray:
    """Working seconds in the selected columns per issue (same order as `ids`)."""
    tz = _tz(board)
    frame = ctx.cursor.execute(
        f"SELECT issue_id, timezone('{tz}', valid_from) AS a, timezone('{tz}', valid_to) AS b FROM ({base}) x",
        {"now": ctx.now},
    ).fetchnumpy()
    secs = board.calendar.working_seconds_many(np.asarray(frame["a"]), np.asarray(frame["b"]))
    order = {int(i): k for k, i in enumerate(ids)}
    out = np.zeros(len(ids))
    for issue_id, s in zip(np.asarray(frame["issue_id"]), secs, strict=True):
        k = order.get(int(issue_id))
        if k is not None:
            out[k] += s
    return out


# --- done times, lead time, throughput -------------------------------------------------------------------------


def _finished_sql(board: Board, cond: str) -> str:
    """(issue_id, done_at, first_start, created_at): issues now in the done column, the last time they entered
    it, and their first entry into a column right of the first (the start of work)."""
    done_index = board.done_column.index
    return f"""
        WITH ci AS ({column_intervals_sql(board)}),
        done AS (
            SELECT issue_id, valid_from AS done_at FROM ci
            WHERE column_index = {done_index} AND (valid_to IS NULL OR valid_to > $now) AND valid_from <= $now
        ),
        started AS (
            SELECT issue_id, min(valid_from) AS first_start FROM ci
            WHERE column_index >= $start_column AND valid_from <= $now GROUP BY issue_id
        )
        SELECT d.issue_id, d.done_at, st.first_start, s.created_at, s.issue_key
        FROM done d JOIN issue_snapshot s USING (issue_id) LEFT JOIN started st USING (issue_id)
        WHERE {cond.replace("c.issue_id", "d.issue_id")}
    """


def finished_items(
    ctx: ReportContext, board: Board, jql: str | None, start_column: int = 1
) -> list[tuple[int, datetime, datetime | None, datetime, str]]:
    cond = ctx.issue_condition("c.issue_id", jql, board)
    return ctx.cursor.execute(
        _finished_sql(board, cond) + " ORDER BY d.done_at, d.issue_id",
        {"now": ctx.now, "start_column": start_column},
    ).fetchall()


def lead_time(
    ctx: ReportContext,
    *,
    board: int | None = None,
    from_: date | None = None,
    to: date | None = None,
    jql: str | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Created → last entry into the done column, for issues now done whose last entry falls in the range."""
    b = ctx.board(board, timezone=timezone)
    first, last = _range(ctx, b, from_, to)
    lo, hi = b.calendar.day_start(first), b.calendar.day_end(last)
    items = [r for r in finished_items(ctx, b, jql) if lo <= r[1] < hi]
    days_ = np.array([(r[1] - r[3]).total_seconds() / 86400.0 for r in items])
    histogram: dict[int, int] = {}
    for d in days_:
        histogram[int(d)] = histogram.get(int(d), 0) + 1
    return {
        "report": "lead-time",
        "board": b.view(),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "summary": summary(days_),
        "histogram": [{"days": k, "issues": v} for k, v in sorted(histogram.items())],
        "issues": [
            {"issue_id": r[0], "key": r[4], "created": iso(r[3]), "done": iso(r[1]), "lead_time_days": float(days_[i])}
            for i, r in enumerate(items)
        ],
    }


def daily_throughput(
    ctx: ReportContext, board: Board, jql: str | None, first: date, last: date
) -> tuple[list[date], np.ndarray]:
    """Items finished (final entry into the done column) per local day in [first, last], zero days included."""
    counts = np.zeros((last - first).days + 1, dtype=np.int64)
    for _, done_at, *_ in finished_items(ctx, board, jql):
        day = board.calendar.local_date(done_at)
        if first <= day <= last:
            counts[(day - first).days] += 1
    return [first + timedelta(days=i) for i in range(len(counts))], counts


def throughput(
    ctx: ReportContext,
    *,
    board: int | None = None,
    from_: date | None = None,
    to: date | None = None,
    period: str = "week",
    jql: str | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Items finished per period (a reopened item counts once, at its last finish), zero periods included."""
    if period not in PERIODS:
        raise ReportError(f"period must be one of {', '.join(PERIODS)}", field="period")
    b = ctx.board(board, timezone=timezone)
    first, last = _range(ctx, b, from_, to)
    days, counts = daily_throughput(ctx, b, jql, first, last)
    buckets = []
    for start, end in periods(first, last, period):
        n = int(sum(c for d, c in zip(days, counts, strict=True) if start <= d < end))
        buckets.append({"start": start.isoformat(), "end": (end - timedelta(days=1)).isoformat(), "count": n})
    return {
        "report": "throughput",
        "board": b.view(),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "period": period,
        "periods": buckets,
        "total": int(counts.sum()),
        "daily": [{"day": d.isoformat(), "count": int(c)} for d, c in zip(days, counts, strict=True)],
    }


# --- aging work in progress ----------------------------------------------------------------------------------


def aging_wip(
    ctx: ReportContext,
    *,
    board: int | None = None,
    start_column: int = 1,
    history_days: int = DEFAULT_DAYS,
    jql: str | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Items now in progress (between the start column and the done column) with their age since they first
    started, against percentiles of the cycle times of items finished in the last `history_days` days."""
    b = ctx.board(board, timezone=timezone)
    done_index = b.done_column.index
    if not 0 < start_column < done_index:
        raise ReportError(f"start_column must be between 1 and {done_index - 1}", field="start_column")
    cond = ctx.issue_condition("c.issue_id", jql, b)
    rows = ctx.cursor.execute(
        f"""
        WITH ci AS ({column_intervals_sql(b)}),
        current AS (
            SELECT issue_id, column_index FROM ci
            WHERE valid_from <= $now AND (valid_to IS NULL OR valid_to > $now)
        ),
        started AS (
            SELECT issue_id, min(valid_from) AS first_start FROM ci
            WHERE column_index >= $start_column AND valid_from <= $now GROUP BY issue_id
        )
        SELECT c.issue_id, s.issue_key, c.column_index, st.first_start
        FROM current c JOIN started st USING (issue_id) JOIN issue_snapshot s USING (issue_id)
        WHERE c.column_index >= $start_column AND c.column_index < {done_index} AND {cond}
        ORDER BY st.first_start, c.issue_id
        """,
        {"now": ctx.now, "start_column": start_column},
    ).fetchall()
    since = ctx.now - timedelta(days=history_days)
    cycle = np.array(
        [
            (r[1] - r[2]).total_seconds() / 86400.0
            for r in finished_items(ctx, b, jql, start_column)
            if r[2] is not None and r[1] >= since
        ]
    )
    marks = {f"p{p}": percentile(cycle, p) for p in (50, 70, 85, 95)}
    today = b.calendar.local_date(ctx.now)
    items = []
    for issue_id, key, column_index, first_start in rows:
        age = (ctx.now - first_start).total_seconds() / 86400.0
        pace = float((cycle <= age).mean() * 100) if cycle.size else None
        items.append(
            {
                "issue_id": issue_id,
                "key": key,
                "column": b.columns[column_index].name,
                "column_index": column_index,
                "started": iso(first_start),
                "age_days": age,
                "age_whole_days": (today - b.calendar.local_date(first_start)).days + 1,
                "pace_percentile": pace,
            }
        )
    return {
        "report": "aging-wip",
        "board": b.view(),
        "now": iso(ctx.now),
        "columns": [
            {"index": c.index, "name": c.name, "count": sum(1 for i in items if i["column_index"] == c.index)}
            for c in b.columns[start_column:done_index]
        ],
        "cycle_time_percentiles": marks,
        "history_items": int(cycle.size),
        "items": items,
    }
