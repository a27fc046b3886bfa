"""Which projects a board's filter can match, read from the filter's top-level `project = / in` clauses.

Board column intervals are computed for the issues of these projects only (a board whose filter names no project
gets every project). The filter itself is applied at query time, evaluated now, as Jira does; this narrowing
only keeps the mart small and depends on dimensions alone, so incremental builds and rebuilds agree.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

import jql
from jql import ast
from warehouse.models import BY_NAME
from warehouse.models.base import SourceColumns


def _values(operand: ast.Node | None) -> list[str] | None:
    if isinstance(operand, ast.StringValue | ast.NumberValue):
        return [str(operand.value)]
    if isinstance(operand, ast.ListValue):
        out: list[str] = []
        for item in operand.items:
            values = _values(item)
            if values is None:
                return None
            out.extend(values)
        return out
    return None


def _clauses(node: ast.Node | None) -> Iterable[ast.Node]:
    if isinstance(node, ast.And):
        for clause in node.clauses:
            yield from _clauses(clause)
    elif node is not None:
        yield node


def filter_projects(text: str | None, projects: list[tuple[int, str, str]]) -> set[int] | None:
    """Project ids a filter is limited to (None: not limited, or not decidable from its text)."""
    if not text or not text.strip():
        return None
    try:
        query = jql.parse(text)
    except jql.JqlError:
        return None
    limited: set[int] | None = None
    for clause in _clauses(query.where):
        if not isinstance(clause, ast.Terminal) or clause.predicates:
            continue
        field = clause.field
        if not isinstance(field, ast.Field) or field.name.lower() != "project":
            continue
        if clause.operator not in (ast.Operator.EQ, ast.Operator.IN):
            continue
        values = _values(clause.operand)
        if values is None:
            continue
        ids: set[int] = set()
        for value in values:
            low = value.lower()
            ids |= {
                pid for pid, key, name in projects if key.lower() == low or name.lower() == low or str(pid) == value
            }
        limited = ids if limited is None else limited & ids
    return limited


def register_board_scope(con: duckdb.DuckDBPyConnection, sources: SourceColumns) -> None:
    """`src_board_scope(board_id, project_id)`: the projects each board's filter is limited to (no rows: any)."""
    boards = con.execute(f"SELECT board_id, filter_jql FROM ({BY_NAME['stg_boards'].render(sources)})").fetchall()
    projects = [(r[0], r[1] or "", r[2] or "") for r in con.execute("SELECT id, key, name FROM projects").fetchall()]
    rows: list[tuple[int, int | None]] = []
    for board_id, text in boards:
        ids = filter_projects(text, projects)
        if ids is not None:
            rows.extend((board_id, pid) for pid in sorted(ids))
            if not ids:
                rows.append((board_id, None))  # limited to projects that do not exist: nothing
    con.execute("CREATE OR REPLACE TABLE src_board_scope (board_id BIGINT, project_id BIGINT)")
    if rows:
        con.executemany("INSERT INTO src_board_scope VALUES (?, ?)", rows)
