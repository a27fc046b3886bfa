"""Register the warehouse's source files as DuckDB views: the change log (PostgreSQL export and landing zone) and
the PostgreSQL-shaped snapshot tables. A table the snapshot lacks (e.g. before the agile migration) becomes an
empty table with the columns queries expect, so every model and every compiled JQL query binds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from warehouse.landing import LANDING_SCHEMA
from warehouse.layout import Layout

# PostgreSQL-shaped placeholders for tables a snapshot may not have. Columns follow the migrations (or, for tables
# not yet migrated, the names the JQL field catalog and the agile adapter expect).
PLACEHOLDERS: dict[str, str] = {
    "users": "id BIGINT, username VARCHAR, display_name VARCHAR, active BOOLEAN, is_admin BOOLEAN, "
    "created_at TIMESTAMPTZ",
    "groups": "id BIGINT, name VARCHAR, created_at TIMESTAMPTZ",
    "group_members": "group_id BIGINT, user_id BIGINT",
    "projects": "id BIGINT, key VARCHAR, name VARCHAR, description VARCHAR, lead_id BIGINT, workflow_id BIGINT, "
    "issue_seq INTEGER, created_at TIMESTAMPTZ",
    "statuses": "id BIGINT, name VARCHAR, category VARCHAR",
    "issue_types": "id BIGINT, name VARCHAR, description VARCHAR, subtask BOOLEAN, hierarchy_level INTEGER",
    "priorities": "id BIGINT, name VARCHAR, sequence INTEGER",
    "resolutions": "id BIGINT, name VARCHAR, description VARCHAR",
    "workflows": "id BIGINT, name VARCHAR, initial_status_id BIGINT",
    "workflow_statuses": "workflow_id BIGINT, status_id BIGINT",
    "issues": "id BIGINT, project_id BIGINT, number INTEGER, key VARCHAR, issue_type_id BIGINT, priority_id BIGINT, "
    "status_id BIGINT, resolution_id BIGINT, summary VARCHAR, description VARCHAR, assignee_id BIGINT, "
    "reporter_id BIGINT, labels VARCHAR[], due_date DATE, story_points DECIMAL(10,2), parent_id BIGINT, "
    "custom_fields JSON, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ, version INTEGER",
    "comments": "id BIGINT, issue_id BIGINT, author_id BIGINT, body VARCHAR, created_at TIMESTAMPTZ, "
    "updated_at TIMESTAMPTZ",
    "custom_fields": "id BIGINT, name VARCHAR, description VARCHAR, type VARCHAR, config JSON, deleted_at TIMESTAMPTZ",
    "custom_field_options": "id BIGINT, field_id BIGINT, parent_id BIGINT, value VARCHAR, position INTEGER, "
    "disabled BOOLEAN",
    "issue_watchers": "issue_id BIGINT, user_id BIGINT",
    "issue_voters": "issue_id BIGINT, user_id BIGINT",
    "saved_filters": "id BIGINT, owner_id BIGINT, name VARCHAR, jql VARCHAR, shared BOOLEAN",
    "boards": "id BIGINT, name VARCHAR, type VARCHAR, project_id BIGINT, filter_id BIGINT, estimation VARCHAR, "
    "deleted_at TIMESTAMPTZ",
    "board_columns": "id BIGINT, board_id BIGINT, position INTEGER, name VARCHAR, status_ids BIGINT[]",
    "board_quick_filters": "id BIGINT, board_id BIGINT, name VARCHAR, jql VARCHAR, position INTEGER",
    "board_non_working_days": "board_id BIGINT, day DATE",
    "sprints": "id BIGINT, board_id BIGINT, name VARCHAR, state VARCHAR, goal VARCHAR, start_date TIMESTAMPTZ, "
    "end_date TIMESTAMPTZ, activated_date TIMESTAMPTZ, complete_date TIMESTAMPTZ",
    "versions": "id BIGINT, project_id BIGINT, name VARCHAR, sequence INTEGER, released BOOLEAN, archived BOOLEAN, "
    "start_date DATE, release_date DATE",
    "components": "id BIGINT, project_id BIGINT, name VARCHAR, lead_id BIGINT",
    "issue_fix_versions": "issue_id BIGINT, version_id BIGINT",
    "issue_affected_versions": "issue_id BIGINT, version_id BIGINT",
    "issue_affects_versions": "issue_id BIGINT, version_id BIGINT",
    "link_types": "id BIGINT, name VARCHAR, outward VARCHAR, inward VARCHAR",
    "issue_components": "issue_id BIGINT, component_id BIGINT",
    "issue_links": "id BIGINT, source_issue_id BIGINT, target_issue_id BIGINT, link_type_id BIGINT",
}
HISTORY_DDL = (
    "id BIGINT, issue_id BIGINT, issue_key VARCHAR, project_id BIGINT, change_id UUID, actor_id BIGINT, "
    "occurred_at TIMESTAMPTZ, field VARCHAR, field_type VARCHAR, from_value VARCHAR, from_string VARCHAR, "
    "to_value VARCHAR, to_string VARCHAR, is_create BOOLEAN"
)


def sql_path(path: Path | str) -> str:
    """A path as a SQL string literal body."""
    return str(path).replace("'", "''")


def parquet_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(f"'{sql_path(p)}'" for p in paths) + "]"


class Sources:
    """The source relations registered in one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._columns: dict[str, set[str]] = {}
        self.tables: set[str] = set()

    def columns(self, table: str) -> set[str]:
        if table not in self._columns:
            rows = self.con.execute(f'DESCRIBE SELECT * FROM "{table}"').fetchall()
            self._columns[table] = {r[0] for r in rows}
        return self._columns[table]


def _landing_ddl() -> str:
    types = {
        "string": "VARCHAR",
        "int64": "BIGINT",
        "int32": "INTEGER",
        "bool": "BOOLEAN",
        "timestamp[us, tz=UTC]": "TIMESTAMPTZ",
    }
    return ", ".join(f"{f.name} {types.get(str(f.type), 'VARCHAR')}" for f in LANDING_SCHEMA)


def register_changelog(
    con: duckdb.DuckDBPyConnection, history_files: Sequence[Path], landing_files: Sequence[Path]
) -> None:
    """`src_history` (the PostgreSQL export) and `src_landing` (the landed events) as views or empty tables."""
    con.execute("DROP VIEW IF EXISTS src_history; DROP TABLE IF EXISTS src_history")
    if history_files:
        con.execute(f"CREATE VIEW src_history AS SELECT * FROM read_parquet({parquet_list(history_files)})")
    else:
        con.execute(f"CREATE TABLE src_history ({HISTORY_DDL})")
    con.execute("DROP VIEW IF EXISTS src_landing; DROP TABLE IF EXISTS src_landing")
    if landing_files:
        con.execute(
            f"CREATE VIEW src_landing AS SELECT * FROM read_parquet({parquet_list(landing_files)}, "
            "hive_partitioning = true, union_by_name = true)"
        )
    else:
        con.execute(f"CREATE TABLE src_landing ({_landing_ddl()})")


def register_snapshot(con: duckdb.DuckDBPyConnection, layout: Layout, generation: str | None) -> Sources:
    """Every table of a snapshot generation as a view named like its PostgreSQL table (placeholders for the rest)."""
    sources = Sources(con)
    present: dict[str, Path] = {}
    if generation:
        for path in sorted(layout.snapshot_dir(generation).glob("*.parquet")):
            if not path.name.startswith("."):
                present[path.stem] = path
    for table, path in present.items():
        con.execute(f"CREATE OR REPLACE VIEW \"{table}\" AS SELECT * FROM read_parquet('{sql_path(path)}')")
        sources.tables.add(table)
    for table, ddl in PLACEHOLDERS.items():
        if table not in present:
            con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({ddl})')
    from warehouse.board_scope import register_board_scope

    register_board_scope(con, sources)
    return sources


def history_files(layout: Layout, generation: str | None) -> list[Path]:
    if not generation:
        return []
    return sorted(p for p in layout.history_dir(generation).glob("*.parquet") if not p.name.startswith("."))


def new_connection(threads: int | None = None, temp_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC (the warehouse never opens a shared database file)."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{sql_path(temp_dir)}'")
    return con
