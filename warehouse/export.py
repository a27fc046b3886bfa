"""PostgreSQL → Parquet: dimension snapshots and the issue_history export of a rebuild.

Tables keep their PostgreSQL names, columns and (mapped) types, so SQL compiled for PostgreSQL's schema (JQL)
also runs on DuckDB over these files. Each table is streamed with COPY … TO STDOUT as CSV into a temporary
file, then cast by DuckDB into Parquet; nothing is held row by row in Python.

All tables of one export are read in one REPEATABLE READ transaction, so a snapshot is consistent with itself.
`issues` and `comments` are exported incrementally when a previous snapshot exists: the rows updated since the
previous export's start (minus a safety margin covering transactions that were still open) replace their old
copies, and rows deleted since are dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from warehouse.layout import Layout, fsync_dir, new_generation, write_atomic

# Tables exported to every snapshot when they exist (None: every column). Sensitive or operational tables
# (tokens, outbox, idempotency keys, webhooks, notifications) are never exported.
SNAPSHOT_TABLES: dict[str, Sequence[str] | None] = {
    "users": ("id", "username", "display_name", "active", "is_admin", "created_at"),
    "groups": None,
    "group_members": None,
    "projects": None,
    "statuses": None,
    "issue_types": None,
    "priorities": None,
    "resolutions": None,
    "workflows": None,
    "workflow_statuses": None,
    "issues": None,
    "comments": None,
    "custom_fields": None,
    "custom_field_options": None,
    "issue_watchers": None,
    # agile and linking (migrations/0008_agile.sql)
    "saved_filters": ("id", "owner_id", "name", "jql", "shared"),
    "boards": None,
    "board_columns": None,
    "board_quick_filters": None,
    "board_non_working_days": None,
    "sprints": None,
    "issue_sprints": None,
    "versions": None,
    "components": None,
    "issue_fix_versions": None,
    "issue_affects_versions": None,
    "issue_affected_versions": None,
    "issue_components": None,
    "issue_voters": None,
    "issue_links": None,
    "link_types": None,
}
# Tables exported incrementally: table → (key column, change-time column).
INCREMENTAL: dict[str, tuple[str, str]] = {"issues": ("id", "updated_at"), "comments": ("id", "updated_at")}
SAFETY_MARGIN = timedelta(minutes=10)
HISTORY_COLUMNS = (
    "id",
    "issue_id",
    "issue_key",
    "project_id",
    "change_id",
    "actor_id",
    "occurred_at",
    "field",
    "field_type",
    "from_value",
    "from_string",
    "to_value",
    "to_string",
    "is_create",
)


@dataclass(frozen=True)
class PgColumn:
    name: str
    data_type: str
    udt_name: str
    precision: int | None
    scale: int | None

    def select_expression(self) -> str:
        """How the column is written to CSV (text that DuckDB casts back)."""
        q = f'"{self.name}"'
        if self.data_type == "ARRAY":
            return f"to_json({q})::text"
        if self.udt_name == "timestamptz":
            return f"""to_char({q} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
        return f"{q}::text"

    def duckdb_type(self) -> str:
        udt = self.udt_name
        simple = {
            "int8": "BIGINT",
            "int4": "INTEGER",
            "int2": "SMALLINT",
            "text": "VARCHAR",
            "varchar": "VARCHAR",
            "bpchar": "VARCHAR",
            "bool": "BOOLEAN",
            "timestamptz": "TIMESTAMPTZ",
            "timestamp": "TIMESTAMP",
            "date": "DATE",
            "float8": "DOUBLE",
            "float4": "FLOAT",
            "uuid": "UUID",
            "jsonb": "JSON",
            "json": "JSON",
            "interval": "INTERVAL",
            "time": "TIME",
        }
        if udt in simple:
            return simple[udt]
        if udt == "numeric":
            if self.precision and self.precision <= 38:
                return f"DECIMAL({self.precision},{self.scale or 0})"
            return "DOUBLE"
        if self.data_type == "ARRAY":
            inner = PgColumn(self.name, "", udt.lstrip("_"), None, None).duckdb_type()
            return f"{inner}[]"
        return "VARCHAR"

    def cast_expression(self) -> str:
        """DuckDB expression turning the CSV text back into the column's type."""
        q = f'"{self.name}"'
        target = self.duckdb_type()
        if self.data_type == "ARRAY":
            inner = target[:-2]
            return f"""from_json({q}, '["{inner}"]') AS {q}"""
        if target == "JSON":
            return f"{q}::JSON AS {q}"
        return f"{q}" if target == "VARCHAR" else f"CAST({q} AS {target}) AS {q}"


def table_columns(conn: psycopg.Connection[Any], table: str) -> list[PgColumn]:
    """Columns of a public table in ordinal order (empty when the table does not exist)."""
    rows = conn.execute(
        """
        SELECT column_name, data_type, udt_name, numeric_precision, numeric_scale
        FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = %s
        ORDER BY ordinal_position
        """,
        (table,),
    ).fetchall()
    return [PgColumn(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def _duck() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def copy_table_to_parquet(
    conn: psycopg.Connection[Any],
    table: str,
    columns: Sequence[PgColumn],
    target: Path,
    *,
    where: str | None = None,
    params: Sequence[Any] = (),
    order_by: str | None = None,
) -> int:
    """Stream `SELECT columns FROM table [WHERE …]` into a Parquet file; returns the row count."""
    target.parent.mkdir(parents=True, exist_ok=True)
    csv_path = target.with_name(f".{target.name}.{os.getpid()}.csv")
    select = ", ".join(c.select_expression() for c in columns)
    query = f'SELECT {select} FROM "{table}"' + (f" WHERE {where}" if where else "")
    try:
        with open(csv_path, "wb") as fh, conn.cursor() as cur:
            copy_sql = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '', FORCE_QUOTE *)"
            with cur.copy(copy_sql, params or None) as copy:  # type: ignore[arg-type]
                for chunk in copy:
                    fh.write(chunk)
        write_csv_as_parquet(csv_path, columns, target, order_by=order_by)
    finally:
        with contextlib.suppress(FileNotFoundError):
            csv_path.unlink()
    con = _duck()
    try:
        row = con.execute(f"SELECT count(*) FROM read_parquet('{_sql_path(target)}')").fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def write_csv_as_parquet(
    csv_path: Path, columns: Sequence[PgColumn], target: Path, *, order_by: str | None = None
) -> None:
    """Cast an all-text CSV (PostgreSQL COPY output) to typed Parquet, written under a temporary name first."""
    con = _duck()
    try:
        spec = "{" + ", ".join(f"'{c.name}': 'VARCHAR'" for c in columns) + "}"
        source = (
            f"read_csv('{_sql_path(csv_path)}', columns = {spec}, header = false, quote = '\"', escape = '\"', "
            "nullstr = '', allow_quoted_nulls = false, auto_detect = false, parallel = true)"
        )
        select = ", ".join(c.cast_expression() for c in columns)
        order = f" ORDER BY {order_by}" if order_by else ""
        tmp = target.with_name(f".{target.name}.tmp")
        con.execute(
            f"COPY (SELECT {select} FROM {source}{order}) TO '{_sql_path(tmp)}' "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
        )
        os.replace(tmp, target)
    finally:
        con.close()


@contextlib.contextmanager
def snapshot_transaction(url: str) -> Iterator[psycopg.Connection[Any]]:
    """A read-only REPEATABLE READ transaction: every table read in it comes from one snapshot."""
    with psycopg.connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute("SET LOCAL TimeZone = 'UTC'")
        yield conn
        conn.rollback()


def export_snapshot(
    url: str, layout: Layout, *, previous: str | None = None, tables: dict[str, Sequence[str] | None] | None = None
) -> str:
    """Export the dimension tables (and current issues) as a new snapshot generation; returns its name."""
    with snapshot_transaction(url) as conn:
        return export_snapshot_in(conn, layout, previous=previous, tables=tables)


def export_snapshot_in(
    conn: psycopg.Connection[Any],
    layout: Layout,
    *,
    previous: str | None = None,
    tables: dict[str, Sequence[str] | None] | None = None,
) -> str:
    """`export_snapshot` inside an open snapshot transaction."""
    gen = new_generation()
    directory = layout.snapshot_dir(gen)
    directory.mkdir(parents=True, exist_ok=True)
    previous_meta = _done_meta(layout, previous) if previous else {}
    counts: dict[str, int] = {}
    started = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
    for table, wanted in (tables or SNAPSHOT_TABLES).items():
        columns = table_columns(conn, table)
        if not columns:
            continue
        if wanted is not None:
            columns = [c for c in columns if c.name in wanted]
        target = directory / f"{table}.parquet"
        since = previous_meta.get("started_at")
        old = layout.snapshot_dir(previous) / f"{table}.parquet" if previous else None
        if table in INCREMENTAL and since and old is not None and old.exists():
            counts[table] = _export_incremental(conn, table, columns, target, old, since)
        else:
            counts[table] = copy_table_to_parquet(conn, table, columns, target)
    meta = {"started_at": started.astimezone(UTC).isoformat(), "rows": counts}
    write_atomic(directory / "_DONE", json.dumps(meta).encode())
    fsync_dir(directory)
    return gen


def _done_meta(layout: Layout, generation: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((layout.snapshot_dir(generation) / "_DONE").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data


def _export_incremental(
    conn: psycopg.Connection[Any], table: str, columns: Sequence[PgColumn], target: Path, old: Path, since: str
) -> int:
    key, changed = INCREMENTAL[table]
    watermark = datetime.fromisoformat(since) - SAFETY_MARGIN
    delta = target.with_name(f".{table}.delta.parquet")
    ids = target.with_name(f".{table}.ids.parquet")
    key_col = next(c for c in columns if c.name == key)
    try:
        copy_table_to_parquet(conn, table, columns, delta, where=f'"{changed}" >= %s', params=[watermark])
        copy_table_to_parquet(conn, table, [key_col], ids)
        con = _duck()
        try:
            tmp = target.with_name(f".{target.name}.tmp")
            names = ", ".join(f'"{c.name}"' for c in columns)
            con.execute(
                f"""
                COPY (
                    SELECT {names} FROM read_parquet('{_sql_path(delta)}')
                    UNION ALL
                    SELECT {names} FROM read_parquet('{_sql_path(old)}') o
                    WHERE o."{key}" IN (SELECT "{key}" FROM read_parquet('{_sql_path(ids)}'))
                      AND o."{key}" NOT IN (SELECT "{key}" FROM read_parquet('{_sql_path(delta)}'))
                    ORDER BY "{key}"
                ) TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION zstd)
                """
            )
            os.replace(tmp, target)
            row = con.execute(f"SELECT count(*) FROM read_parquet('{_sql_path(target)}')").fetchone()
        finally:
            con.close()
    finally:
        for path in (delta, ids):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return int(row[0]) if row else 0


def export_history(url: str, layout: Layout) -> str:
    """Export the whole issue_history (the source of truth) as a new history generation; returns its name."""
    with snapshot_transaction(url) as conn:
        return export_history_in(conn, layout)


def export_history_in(conn: psycopg.Connection[Any], layout: Layout) -> str:
    """`export_history` inside an open snapshot transaction."""
    gen = new_generation()
    directory = layout.history_dir(gen)
    directory.mkdir(parents=True, exist_ok=True)
    started = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
    columns = [c for c in table_columns(conn, "issue_history") if c.name in HISTORY_COLUMNS]
    rows = copy_table_to_parquet(
        conn, "issue_history", columns, directory / "part-0.parquet", order_by="issue_id, occurred_at, id"
    )
    meta = {"started_at": started.astimezone(UTC).isoformat(), "rows": rows}
    write_atomic(directory / "_DONE", json.dumps(meta).encode())
    return gen
