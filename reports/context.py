"""What every report computation receives: a warehouse cursor, the caller's browse scope, the clock, and helpers
to load boards and sprints and to select the issues a report covers (scope ∧ board filter ∧ JQL)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb

import jql
from reports.calendar import WorkCalendar, calendar_of
from warehouse import compile_filter
from warehouse.catalog import WarehouseCatalog


class ReportError(Exception):
    """A request a report cannot answer (bad parameter): shown to the user, HTTP 422."""

    status = 422
    code = "invalid_report_parameter"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or ({field: message} if field else {})


class ReportNotFound(ReportError):
    """The board, sprint or report does not exist or is not visible to the caller: HTTP 404."""

    status = 404
    code = "not_found"


@dataclass(frozen=True)
class Column:
    index: int
    name: str
    status_ids: tuple[int, ...]


@dataclass(frozen=True)
class Board:
    id: int | None  # None: the status-category pseudo-board (To Do | In Progress | Done)
    name: str
    type: str
    project_id: int | None
    filter_jql: str | None
    estimation: str
    calendar: WorkCalendar
    columns: tuple[Column, ...]

    @property
    def done_column(self) -> Column:
        return self.columns[-1]

    @property
    def done_status_ids(self) -> tuple[int, ...]:
        return self.done_column.status_ids if self.columns else ()

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "timezone": self.calendar.timezone,
            "working_weekdays": sorted(self.calendar.weekdays),
            "columns": [{"index": c.index, "name": c.name, "status_ids": list(c.status_ids)} for c in self.columns],
        }


@dataclass(frozen=True)
class Sprint:
    id: int
    board_id: int
    name: str
    state: str
    start: datetime | None
    end: datetime | None
    complete: datetime | None
    activated: datetime | None

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "board_id": self.board_id,
            "name": self.name,
            "state": self.state,
            "start": iso(self.start),
            "end": iso(self.end),
            "complete": iso(self.complete),
            "activated": iso(self.activated),
        }


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class ReportContext:
    """One report run: a cursor on one warehouse generation, the caller's scope and the clock."""

    cursor: duckdb.DuckDBPyConnection
    scope: Collection[int] | None = None  # project ids the caller may browse; None: all
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    user_id: int | None = None
    _catalog: WarehouseCatalog | None = None

    def sql(self, query: str, params: list[Any] | dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.cursor.execute(query, params or []).fetchall()

    @property
    def catalog(self) -> WarehouseCatalog:
        if self._catalog is None:
            self._catalog = WarehouseCatalog(self.cursor, self.scope)
        return self._catalog

    def in_scope(self, project_id: int | None) -> bool:
        return self.scope is None or (project_id is not None and project_id in self.scope)

    # --- issue selection -----------------------------------------------------------------------

    def _compile(self, text: str | None, field_name: str) -> str:
        context = jql.QueryContext(user_id=self.user_id, now=self.now)
        try:
            return compile_filter(self.cursor, text, scope=self.scope, context=context, catalog=self.catalog)
        except jql.JqlError as exc:
            raise JqlReportError(exc, field_name) from None

    def issue_filter(self, jql_text: str | None, board: Board | None = None) -> str:
        """SQL selecting the ids of the issues a report covers.

        Issues are those the caller may browse, matching the board's filter (evaluated now) and `jql_text`.
        """
        parts = []
        if board is not None and board.filter_jql:
            parts.append(self._compile(board.filter_jql, "board"))
        if jql_text and jql_text.strip():
            parts.append(self._compile(jql_text, "jql"))
        if not parts:
            # Every browsable issue that exists now (deleted issues leave reports, as in Jira).
            parts.append(self._compile(None, "jql"))
        return " INTERSECT ".join(f"({p})" for p in parts)

    def issue_condition(self, column: str, jql_text: str | None, board: Board | None = None) -> str:
        """A SQL condition on an issue-id column: the issue is covered by the report."""
        return f"{column} IN ({self.issue_filter(jql_text, board)})"

    # --- boards and sprints --------------------------------------------------------------------

    def board(self, board_id: int | None, *, timezone: str | None = None) -> Board:
        """A board visible to the caller (or the status-category pseudo-board for None)."""
        if board_id is None:
            return self.category_board(timezone)
        rows = self.sql(
            "SELECT board_id, board_name, board_type, project_id, filter_jql, estimation, timezone, working_weekdays, "
            "deleted_at FROM stg_boards WHERE board_id = ?",
            [board_id],
        )
        if not rows or rows[0][8] is not None or not self.in_scope(rows[0][3]):
            raise ReportNotFound(f"Board {board_id} does not exist", field="board")
        bid, name, kind, project_id, filter_jql, estimation, tz, weekdays, _ = rows[0]
        holidays = [r[0] for r in self.sql("SELECT day FROM stg_board_non_working_days WHERE board_id = ?", [bid])]
        columns: dict[int, tuple[str, list[int]]] = {}
        for index, column_name, status_id in self.sql(
            "SELECT column_index, column_name, status_id FROM board_column_map WHERE board_id = ? "
            "ORDER BY column_index, status_id",
            [bid],
        ):
            entry = columns.setdefault(index, (column_name, []))
            if status_id is not None:
                entry[1].append(status_id)
        return Board(
            id=bid,
            name=name,
            type=kind,
            project_id=project_id,
            filter_jql=filter_jql,
            estimation=estimation or "story_points",
            calendar=calendar_of(timezone or tz, weekdays, holidays),
            columns=tuple(Column(i, n, tuple(s)) for i, (n, s) in sorted(columns.items())),
        )

    def category_board(self, timezone: str | None = None) -> Board:
        """Without a board, flow reports use status categories as columns: To Do | In Progress | Done."""
        by_category: dict[str, list[int]] = {"todo": [], "in_progress": [], "done": []}
        for status_id, category in self.sql("SELECT status_id, status_category FROM stg_statuses ORDER BY status_id"):
            by_category.setdefault(category, []).append(status_id)
        names = {"todo": "To Do", "in_progress": "In Progress", "done": "Done"}
        return Board(
            id=None,
            name="Status categories",
            type="kanban",
            project_id=None,
            filter_jql=None,
            estimation="issue_count",
            calendar=calendar_of(timezone, None, None),
            columns=tuple(
                Column(i, names[c], tuple(by_category.get(c, ())))
                for i, c in enumerate(("todo", "in_progress", "done"))
            ),
        )

    def sprint(self, sprint_id: int) -> Sprint:
        rows = self.sql(
            "SELECT s.sprint_id, s.board_id, s.sprint_name, s.state, s.start_at, s.end_at, s.complete_at, "
            "s.activated_at, b.project_id FROM stg_sprints s LEFT JOIN stg_boards b USING (board_id) "
            "WHERE s.sprint_id = ?",
            [sprint_id],
        )
        if not rows or not self.in_scope(rows[0][8]):
            raise ReportNotFound(f"Sprint {sprint_id} does not exist", field="sprint")
        r = rows[0]
        return Sprint(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])


class JqlReportError(ReportError):
    """An invalid JQL filter (HTTP 400 with the position of the error)."""

    status = 400
    code = "jql_error"

    def __init__(self, exc: jql.JqlError, field_name: str) -> None:
        super().__init__(str(exc), field=field_name)  # with "Did you mean …?" when the catalog has suggestions
        self.jql = exc
        self.start = exc.start
        self.end = exc.end


def open_context(
    root: str | Any,
    *,
    scope: Collection[int] | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> ReportContext:
    """A context on the current generation of the warehouse under `root` (close its cursor when done)."""
    from warehouse import shared

    return ReportContext(shared(root).cursor(), scope=scope, now=now or datetime.now(UTC), user_id=user_id)


def warehouse_status(root: str | Any) -> dict[str, Any]:
    """Which warehouse generation reports read now (empty before the first build)."""
    from warehouse import Layout

    manifest = Layout(root).current()
    if manifest is None:
        return {"generation": None, "built_at": None, "mode": None}
    return {"generation": manifest.generation, "built_at": manifest.built_at, "mode": manifest.mode}
