"""The thin adapter between the agile tables of PostgreSQL (migrations/0008_agile.sql) and the staging models.

Only this module knows how boards, columns and sprints are spelled in PostgreSQL. Each function receives the
columns a snapshot table actually has and returns staging SQL with the warehouse's own names, so a renamed or
added column upstream is a change here and nowhere else. Missing tables are registered as empty tables with the
expected columns (warehouse/sources.py), so every function also works before the agile migration exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from warehouse.models.base import SourceColumns

DEFAULT_TIMEZONE = "UTC"
DEFAULT_WORKING_WEEKDAYS = "[1, 2, 3, 4, 5]"  # ISO weekdays, Monday = 1


def _first(columns: set[str], candidates: Sequence[str]) -> str | None:
    return next((c for c in candidates if c in columns), None)


def _pick(columns: set[str], candidates: Sequence[str], cast: str, default: str = "NULL") -> str:
    name = _first(columns, candidates)
    return f'CAST("{name}" AS {cast})' if name else f"CAST({default} AS {cast})"


def sprints(src: SourceColumns) -> str:
    """stg_sprints: one row per sprint. `start_at` is the commitment instant (0008: the start_date set when the
    sprint starts), `end_at` the planned end, `activated_at` the click on Start, `complete_at` the close."""
    cols = src.columns("sprints")
    return f"""
SELECT CAST(id AS BIGINT) AS sprint_id,
       {_pick(cols, ("board_id", "rapid_view_id", "origin_board_id"), "BIGINT")} AS board_id,
       {_pick(cols, ("name",), "VARCHAR")} AS sprint_name,
       {_pick(cols, ("state",), "VARCHAR")} AS state,
       {_pick(cols, ("goal",), "VARCHAR")} AS goal,
       {_pick(cols, ("start_date", "started_at", "start_at"), "TIMESTAMPTZ")} AS start_at,
       {_pick(cols, ("end_date", "end_at", "planned_end_date"), "TIMESTAMPTZ")} AS end_at,
       {_pick(cols, ("activated_date", "activated_at"), "TIMESTAMPTZ")} AS activated_at,
       {_pick(cols, ("complete_date", "completed_at", "complete_at", "closed_at"), "TIMESTAMPTZ")} AS complete_at
FROM sprints
"""


def boards(src: SourceColumns) -> str:
    """stg_boards: one row per board: location project, filter JQL (0008: through saved_filters), estimation
    statistic, time zone and working weekdays (UTC and Monday-Friday until boards carry their own)."""
    cols = src.columns("boards")
    weekdays = _first(cols, ("working_weekdays", "working_days"))
    weekday_sql = f'CAST(b."{weekdays}" AS INTEGER[])' if weekdays else "NULL"
    inline_filter = _first(cols, ("filter_jql", "jql"))
    if inline_filter:
        filter_sql, join = f'CAST(b."{inline_filter}" AS VARCHAR)', ""
    elif "filter_id" in cols and "jql" in src.columns("saved_filters"):
        filter_sql, join = "CAST(f.jql AS VARCHAR)", "LEFT JOIN saved_filters f ON f.id = b.filter_id"
    else:
        filter_sql, join = "CAST(NULL AS VARCHAR)", ""

    def pick(names: Sequence[str], cast: str) -> str:
        name = _first(cols, names)
        return f'CAST(b."{name}" AS {cast})' if name else f"CAST(NULL AS {cast})"

    return f"""
SELECT CAST(b.id AS BIGINT) AS board_id,
       {pick(("name",), "VARCHAR")} AS board_name,
       coalesce({pick(("type", "board_type"), "VARCHAR")}, 'scrum') AS board_type,
       {pick(("project_id", "location_project_id"), "BIGINT")} AS project_id,
       {filter_sql} AS filter_jql,
       coalesce({pick(("estimation", "estimation_statistic"), "VARCHAR")}, 'story_points') AS estimation,
       coalesce({pick(("timezone", "time_zone"), "VARCHAR")}, '{DEFAULT_TIMEZONE}') AS timezone,
       coalesce({weekday_sql}, CAST({DEFAULT_WORKING_WEEKDAYS} AS INTEGER[])) AS working_weekdays,
       {pick(("deleted_at",), "TIMESTAMPTZ")} AS deleted_at
FROM boards b {join}
"""


def board_columns(src: SourceColumns) -> str:
    """stg_board_columns: one row per board column per status mapped to it (a column without statuses: one row
    with a NULL status)."""
    cols = src.columns("board_columns")
    position = _first(cols, ("position", "ordinal", "sequence", "rank")) or "id"
    name = _first(cols, ("name", "column_name")) or "id"
    base = (
        f"SELECT CAST(c.board_id AS BIGINT) AS board_id, CAST(c.id AS BIGINT) AS column_id, "
        f'CAST(c."{name}" AS VARCHAR) AS column_name, CAST(c."{position}" AS BIGINT) AS column_position'
    )
    array_col = _first(cols, ("status_ids", "statuses"))
    if array_col:
        return f"""
{base}, CAST(s.status_id AS BIGINT) AS status_id
FROM board_columns c
LEFT JOIN LATERAL (SELECT unnest(CAST(c."{array_col}" AS BIGINT[])) AS status_id) s ON true
"""
    if "status_id" in cols:
        return f"{base}, CAST(c.status_id AS BIGINT) AS status_id FROM board_columns c"
    return f"{base}, CAST(NULL AS BIGINT) AS status_id FROM board_columns c"


def board_non_working_days(src: SourceColumns) -> str:
    """stg_board_non_working_days: one row per board per non-working date (holidays)."""
    cols = src.columns("board_non_working_days")
    day = _first(cols, ("day", "date", "non_working_date")) or "day"
    return f'SELECT CAST(board_id AS BIGINT) AS board_id, CAST("{day}" AS DATE) AS day FROM board_non_working_days'
