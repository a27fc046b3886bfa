"""JQL over the warehouse: compile with `jql.to_sql(..., dialect="duckdb")` against the warehouse's own catalog."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Collection, Sequence
from pathlib import Path

import duckdb
import polars as pl

import jql
from jql import QueryContext
from warehouse.catalog import WarehouseCatalog
from warehouse.reader import Warehouse, shared


def default_root() -> Path:
    """DATA_DIR/warehouse: TRACKLAKE_DATA_DIR when set, else the nearest `.tracklake` in the current directory or
    one of its parents (a notebook's kernel starts in notebooks/, below the checkout that `serve` and `demo` ran
    in), else ./.tracklake (tracklake's default). Always an absolute path, so errors name the place."""
    configured = os.environ.get("TRACKLAKE_DATA_DIR")
    if configured:
        return Path(configured).resolve() / "warehouse"
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / ".tracklake").is_dir():
            return folder / ".tracklake" / "warehouse"
    return here / ".tracklake" / "warehouse"


def catalog_for(cur: duckdb.DuckDBPyConnection, scope: Collection[int] | None = None) -> WarehouseCatalog:
    return WarehouseCatalog(cur, scope)


def compile_filter(
    cur: duckdb.DuckDBPyConnection,
    jql_text: str | None,
    *,
    scope: Collection[int] | None,
    context: QueryContext | None = None,
    catalog: WarehouseCatalog | None = None,
) -> str:
    """SQL selecting the ids of matching issues (`SELECT i.id FROM issues AS i WHERE …`), scope included."""
    text = (jql_text or "").strip()
    if not text:
        where = (
            "TRUE"
            if scope is None
            else (f"i.project_id IN ({', '.join(str(int(p)) for p in scope)})" if scope else "FALSE")
        )
        return f"SELECT i.id FROM issues AS i WHERE {where}"
    # A filter selects; its ORDER BY (board filters end in "ORDER BY Rank") plays no part.
    query = dataclasses.replace(jql.parse(text), order_by=())
    select = jql.to_sql(
        query, catalog or catalog_for(cur, scope), "duckdb", scope=scope, context=context, columns=("id",)
    )
    return select.sql(dialect="duckdb")


def query_jql(
    jql_text: str,
    *,
    root: Path | str | None = None,
    warehouse: Warehouse | None = None,
    scope: Collection[int] | None = None,
    columns: Sequence[str] | None = None,
    context: QueryContext | None = None,
    limit: int | None = None,
) -> pl.DataFrame:
    """The issues matching `jql_text` (PostgreSQL `issues` columns, in the query's ORDER BY) as a Polars frame.

    `scope` is the project ids the caller may browse (None: all). Raises jql.JqlError for invalid queries.
    """
    wh = warehouse or shared(root or default_root())
    cur = wh.cursor()
    try:
        wanted = list(columns) if columns else [r[0] for r in cur.execute("DESCRIBE SELECT * FROM issues").fetchall()]
        text = jql_text.strip()
        if text:
            select = jql.to_sql(
                text, catalog_for(cur, scope), "duckdb", scope=scope, context=context, columns=wanted, limit=limit
            )
            sql = select.sql(dialect="duckdb")
        else:
            sql = compile_filter(cur, None, scope=scope).replace(
                "SELECT i.id", "SELECT " + ", ".join(f"i.{c}" for c in wanted)
            )
            sql += " ORDER BY i.id" + (f" LIMIT {int(limit)}" if limit is not None else "")
        return cur.sql(sql).pl()
    finally:
        cur.close()
