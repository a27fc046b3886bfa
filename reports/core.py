"""Jira Core reports and gadgets: created vs resolved, resolution time, average age, field
statistics (pie) and two-dimensional statistics. They read resolution, not board columns; resolutiondate is the
time the current resolution was set (empty while unresolved), as issue_snapshot replays it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from reports.context import Board, ReportContext, ReportError, iso
from reports.stats import PERIODS, periods

# field → SQL yielding (issue_id, value_id, value) for every issue id in `issues` (NULL value: "None").
FIELDS: dict[str, str] = {
    "project": "SELECT i.id AS issue_id, i.project_id AS value_id, p.name AS value, p.id AS sort "
    "FROM issues i LEFT JOIN projects p ON p.id = i.project_id",
    "issuetype": "SELECT i.id, i.issue_type_id, t.name, t.id FROM issues i "
    "LEFT JOIN issue_types t ON t.id = i.issue_type_id",
    "status": "SELECT i.id, i.status_id, s.name, s.id FROM issues i LEFT JOIN statuses s ON s.id = i.status_id",
    "statusCategory": "SELECT i.id, NULL::BIGINT, s.category, NULL FROM issues i "
    "LEFT JOIN statuses s ON s.id = i.status_id",
    "priority": "SELECT i.id, i.priority_id, p.name, p.sequence FROM issues i "
    "LEFT JOIN priorities p ON p.id = i.priority_id",
    "resolution": "SELECT i.id, i.resolution_id, r.name, r.id FROM issues i "
    "LEFT JOIN resolutions r ON r.id = i.resolution_id",
    "assignee": "SELECT i.id, i.assignee_id, u.display_name, NULL FROM issues i "
    "LEFT JOIN users u ON u.id = i.assignee_id",
    "reporter": "SELECT i.id, i.reporter_id, u.display_name, NULL FROM issues i "
    "LEFT JOIN users u ON u.id = i.reporter_id",
    "labels": "SELECT i.id, NULL::BIGINT, l.label, NULL FROM issues i "
    "LEFT JOIN (SELECT id, unnest(labels) AS label FROM issues) l ON l.id = i.id",
    "component": "SELECT i.id, c.id, c.name, NULL FROM issues i "
    "LEFT JOIN issue_components ic ON ic.issue_id = i.id LEFT JOIN components c ON c.id = ic.component_id",
    "fixVersion": "SELECT i.id, v.id, v.name, v.sequence FROM issues i "
    "LEFT JOIN issue_fix_versions iv ON iv.issue_id = i.id LEFT JOIN versions v ON v.id = iv.version_id",
    "sprint": "SELECT i.id, s.id, s.name, s.id FROM issues i "
    "LEFT JOIN issue_sprints x ON x.issue_id = i.id LEFT JOIN sprints s ON s.id = x.sprint_id",
}
ALIASES = {"type": "issuetype", "components": "component", "fixversions": "fixVersion", "label": "labels"}
NONE = "None"


def _field(name: str, param: str) -> str:
    key = ALIASES.get(name.lower(), name)
    for known in FIELDS:
        if known.lower() == key.lower():
            return known
    raise ReportError(f"Unknown statistic field '{name}'; one of {', '.join(FIELDS)}", field=param)


def _values_sql(ctx: ReportContext, field: str, jql: str | None, board: Board | None) -> str:
    cond = ctx.issue_condition("v.issue_id", jql, board)
    return (
        f"SELECT DISTINCT v.issue_id, v.value_id, coalesce(CAST(v.value AS VARCHAR), '{NONE}') AS value, v.sort "
        f"FROM ({FIELDS[field]}) v(issue_id, value_id, value, sort) WHERE {cond}"
    )


def _board(ctx: ReportContext, board: int | None) -> Board | None:
    return ctx.board(board) if board is not None else None


def statistics(ctx: ReportContext, *, field: str, jql: str | None = None, board: int | None = None) -> dict[str, Any]:
    """Issues grouped by one field (pie chart); a multi-valued field puts an issue in each of its values."""
    name = _field(field, "field")
    b = _board(ctx, board)
    values = _values_sql(ctx, name, jql, b)
    total_row = ctx.sql(f"SELECT count(DISTINCT issue_id) FROM ({values})")
    total = int(total_row[0][0]) if total_row else 0
    rows = ctx.sql(
        f"SELECT value_id, value, count(DISTINCT issue_id) AS n, min(sort) FROM ({values}) "
        "GROUP BY value_id, value ORDER BY n DESC, min(sort) NULLS LAST, value"
    )
    return {
        "report": "statistics",
        "field": name,
        "total": total,
        "slices": [
            {"id": r[0], "value": r[1], "count": int(r[2]), "percent": 100.0 * r[2] / total if total else 0.0}
            for r in rows
        ],
    }


def two_dimensional(
    ctx: ReportContext, *, x: str, y: str, jql: str | None = None, board: int | None = None
) -> dict[str, Any]:
    """Counts of issues by field x (columns) x field y (rows), with totals; multi-valued fields count once per
    value."""
    xf, yf = _field(x, "x"), _field(y, "y")
    b = _board(ctx, board)
    xs, ys = _values_sql(ctx, xf, jql, b), _values_sql(ctx, yf, jql, b)
    cells = ctx.sql(
        f"SELECT a.value, b.value, count(DISTINCT a.issue_id) FROM ({xs}) a JOIN ({ys}) b USING (issue_id) GROUP BY ALL"
    )
    x_totals = {r[0]: int(r[1]) for r in ctx.sql(f"SELECT value, count(DISTINCT issue_id) FROM ({xs}) GROUP BY ALL")}
    y_totals = {r[0]: int(r[1]) for r in ctx.sql(f"SELECT value, count(DISTINCT issue_id) FROM ({ys}) GROUP BY ALL")}
    x_order = [r[0] for r in ctx.sql(f"SELECT value FROM ({xs}) GROUP BY value ORDER BY min(sort) NULLS LAST, value")]
    y_order = [r[0] for r in ctx.sql(f"SELECT value FROM ({ys}) GROUP BY value ORDER BY min(sort) NULLS LAST, value")]
    grid = {(a, c): int(n) for a, c, n in cells}
    total_row = ctx.sql(f"SELECT count(DISTINCT issue_id) FROM ({xs})")
    return {
        "report": "two-dimensional",
        "x": xf,
        "y": yf,
        "x_values": x_order,
        "y_values": y_order,
        "matrix": [[grid.get((xv, yv), 0) for xv in x_order] for yv in y_order],
        "column_totals": [x_totals.get(v, 0) for v in x_order],
        "row_totals": [y_totals.get(v, 0) for v in y_order],
        "total": int(total_row[0][0]) if total_row else 0,
    }


# --- time-based reports ---------------------------------------------------------------------------------------


def _window(
    ctx: ReportContext, b: Board | None, days: int, period: str, timezone: str | None
) -> tuple[Board, date, date]:
    if period not in PERIODS:
        raise ReportError(f"period must be one of {', '.join(PERIODS)}", field="period")
    if not 1 <= days <= 3660:
        raise ReportError("days must be between 1 and 3660", field="days")
    board = b or ctx.category_board(timezone)
    last = board.calendar.local_date(ctx.now)
    return board, last - timedelta(days=days - 1), last


def _issue_times(ctx: ReportContext, jql: str | None, board: Board | None) -> tuple[np.ndarray, np.ndarray]:
    """(created, resolved) as epoch seconds (resolved NaN while unresolved) of the covered issues."""
    cond = ctx.issue_condition("s.issue_id", jql, board)
    rows = ctx.cursor.execute(
        f"SELECT epoch(s.created_at), epoch(s.resolved_at) FROM issue_snapshot s WHERE s.deleted_at IS NULL AND {cond}"
    ).fetchall()
    created = np.array([r[0] for r in rows], dtype=float)
    resolved = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=float)
    return created, resolved


def _resolution_events(ctx: ReportContext, jql: str | None, board: Board | None) -> np.ndarray:
    """Epoch seconds of every change setting a resolution on an unresolved issue."""
    cond = ctx.issue_condition("c.issue_id", jql, board)
    rows = ctx.sql(
        "SELECT epoch(c.occurred_at) FROM changes c WHERE c.field = 'resolution' AND c.to_value IS NOT NULL "
        f"AND (c.from_value IS NULL OR c.is_create) AND {cond}"
    )
    return np.array([r[0] for r in rows], dtype=float)


def _buckets(board: Board, first: date, last: date, period: str) -> list[tuple[date, date, float, float]]:
    """(start day, end day exclusive, start epoch, end epoch) per period, clipped to the window."""
    out = []
    for start, end in periods(first, last, period):
        s, e = max(start, first), min(end, last + timedelta(days=1))
        out.append((s, e, board.calendar.day_start(s).timestamp(), board.calendar.day_start(e).timestamp()))
    return out


def created_vs_resolved(
    ctx: ReportContext,
    *,
    jql: str | None = None,
    board: int | None = None,
    period: str = "day",
    days: int = 30,
    cumulative: bool = False,
    resolution_source: str = "resolutiondate",
    timezone: str | None = None,
) -> dict[str, Any]:
    """Issues created and resolved per period over the last `days` days (cumulative: running sums from the start
    of the window), with the unresolved trend (cumulative created - cumulative resolved)."""
    if resolution_source not in ("resolutiondate", "events"):
        raise ReportError("resolution_source must be 'resolutiondate' or 'events'", field="resolution_source")
    b = _board(ctx, board)
    cal_board, first, last = _window(ctx, b, days, period, timezone)
    created, resolved = _issue_times(ctx, jql, b)
    resolutions = _resolution_events(ctx, jql, b) if resolution_source == "events" else resolved[~np.isnan(resolved)]
    out = []
    cum_c = cum_r = 0
    for s, e, lo, hi in _buckets(cal_board, first, last, period):
        c = int(((created >= lo) & (created < hi)).sum())
        r = int(((resolutions >= lo) & (resolutions < hi)).sum())
        cum_c += c
        cum_r += r
        out.append(
            {
                "start": s.isoformat(),
                "end": (e - timedelta(days=1)).isoformat(),
                "created": cum_c if cumulative else c,
                "resolved": cum_r if cumulative else r,
                "created_in_period": c,
                "resolved_in_period": r,
                "unresolved_trend": cum_c - cum_r,
            }
        )
    return {
        "report": "created-vs-resolved",
        "period": period,
        "days": days,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "cumulative": cumulative,
        "resolution_source": resolution_source,
        "timezone": cal_board.calendar.timezone,
        "periods": out,
        "total_created": cum_c,
        "total_resolved": cum_r,
    }


def resolution_time(
    ctx: ReportContext,
    *,
    jql: str | None = None,
    board: int | None = None,
    period: str = "day",
    days: int = 30,
    timezone: str | None = None,
) -> dict[str, Any]:
    """Per period, the mean of resolutiondate - created (days) over issues resolved in that period."""
    b = _board(ctx, board)
    cal_board, first, last = _window(ctx, b, days, period, timezone)
    created, resolved = _issue_times(ctx, jql, b)
    out = []
    for s, e, lo, hi in _buckets(cal_board, first, last, period):
        mask = (resolved >= lo) & (resolved < hi)
        spans = (resolved[mask] - created[mask]) / 86400.0
        out.append(
            {
                "start": s.isoformat(),
                "end": (e - timedelta(days=1)).isoformat(),
                "resolved": int(mask.sum()),
                "average_days": float(spans.mean()) if spans.size else None,
            }
        )
    return {
        "report": "resolution-time",
        "period": period,
        "days": days,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "periods": out,
    }


def average_age(
    ctx: ReportContext,
    *,
    jql: str | None = None,
    board: int | None = None,
    period: str = "day",
    days: int = 30,
    variant: str = "cloud",
    timezone: str | None = None,
) -> dict[str, Any]:
    """Per period p, the mean age of issues unresolved at p's start: created before p.start (Server/DC: before
    p.end), resolutiondate empty or ≥ p.start; age = min(resolutiondate, p.end, now) - created."""
    if variant not in ("cloud", "server"):
        raise ReportError("variant must be 'cloud' or 'server'", field="variant")
    b = _board(ctx, board)
    cal_board, first, last = _window(ctx, b, days, period, timezone)
    created, resolved = _issue_times(ctx, jql, b)
    now = ctx.now.timestamp()
    out = []
    for s, e, lo, hi in _buckets(cal_board, first, last, period):
        cutoff = lo if variant == "cloud" else hi
        mask = (created < cutoff) & (np.isnan(resolved) | (resolved >= lo))
        ends = np.fmin(np.where(np.isnan(resolved), np.inf, resolved), min(hi, now))
        ages = (ends[mask] - created[mask]) / 86400.0
        out.append(
            {
                "start": s.isoformat(),
                "end": (e - timedelta(days=1)).isoformat(),
                "issues": int(mask.sum()),
                "average_age_days": float(ages.mean()) if ages.size else None,
            }
        )
    return {
        "report": "average-age",
        "period": period,
        "days": days,
        "variant": variant,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "now": iso(ctx.now),
        "periods": out,
    }
