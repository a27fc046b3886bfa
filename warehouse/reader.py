"""Read the warehouse: an in-memory DuckDB connection with views over the current generation's files.

Readers never open a database file the builder writes. A `Warehouse` resolves CURRENT, defines views over that
generation's immutable files and caches the connection until CURRENT moves; each caller gets its own cursor, so
threads can query concurrently. Besides the models, the connection exposes PostgreSQL-shaped tables (`issues`,
`issue_history`, `projects`, `statuses`, `users`, `issue_types`, `priorities`, `resolutions`, `issue_sprints`,
`sprints`, `boards`, `versions`, `components`, …) so SQL compiled for PostgreSQL's schema runs here unchanged.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from warehouse.layout import Layout, Manifest
from warehouse.models import MODELS
from warehouse.sources import new_connection, register_changelog, register_snapshot, sql_path

# issue_history as PostgreSQL has it, over the deduplicated change log.
ISSUE_HISTORY_VIEW = """
CREATE OR REPLACE VIEW issue_history AS
SELECT id, issue_id, issue_key, project_id, change_id, actor_id, occurred_at, field, field_type, from_value,
       from_string, to_value, to_string, is_create
FROM changes
"""
# Used when PostgreSQL has no issue_sprints table: current Sprint field values from the change log.
ISSUE_SPRINTS_FALLBACK = """
CREATE OR REPLACE VIEW issue_sprints AS
SELECT issue_id, unnest(sprint_ids) AS sprint_id FROM issue_snapshot WHERE deleted_at IS NULL
"""


class Warehouse:
    """The warehouse under `root` (DATA_DIR/warehouse), for reading."""

    def __init__(self, root: Path | str, *, threads: int | None = None, in_memory: bool = False) -> None:
        self.layout = Layout(root)
        self.threads = threads
        # Load materialized marts into DuckDB memory once per generation (faster queries, more memory).
        self.in_memory = in_memory
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._manifest: Manifest | None = None

    @property
    def root(self) -> Path:
        return self.layout.root

    def manifest(self) -> Manifest | None:
        """The manifest of the current generation (None before the first build)."""
        return self.layout.current()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the current generation (cheap; use one per thread or request)."""
        manifest = self.layout.current()
        generation = manifest.generation if manifest else ""
        with self._lock:
            if self._con is None or generation != self._generation:
                old = self._con
                self._con = open_generation(self.layout, manifest, threads=self.threads, in_memory=self.in_memory)
                self._generation = generation
                self._manifest = manifest
                if old is not None:
                    old.close()
            cur = self._con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        return cur

    @property
    def generation(self) -> str | None:
        return self._generation or None

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
                self._generation = None


def open_generation(
    layout: Layout, manifest: Manifest | None, *, threads: int | None = None, in_memory: bool = False
) -> duckdb.DuckDBPyConnection:
    """A new connection whose views read one generation (or an empty warehouse when `manifest` is None)."""
    con = new_connection(threads)
    snapshot = manifest.snapshot if manifest else None
    register_changelog(con, [], [])
    sources = register_snapshot(con, layout, snapshot)
    for model in MODELS:
        if model.materialized == "view":
            con.execute(f'CREATE OR REPLACE VIEW "{model.name}" AS {model.render(sources)}')
            continue
        path = layout.mart_file(manifest.generation, model.name) if manifest else None
        if path is not None and path.exists():
            kind = "TABLE" if in_memory else "VIEW"
            con.execute(f"CREATE OR REPLACE {kind} \"{model.name}\" AS SELECT * FROM read_parquet('{sql_path(path)}')")
        else:
            # Empty, correctly typed: the model over the empty change log.
            con.execute(f'CREATE OR REPLACE TABLE "{model.name}" AS {model.render(sources)}')
    con.execute(ISSUE_HISTORY_VIEW)
    if "issue_sprints" not in sources.tables:
        con.execute(ISSUE_SPRINTS_FALLBACK)
    return con


_shared: dict[Path, Warehouse] = {}
_shared_lock = threading.Lock()


def shared(root: Path | str) -> Warehouse:
    """One Warehouse per root per process (API workers, the scheduler and notebooks reuse its connection)."""
    key = Path(root).resolve()
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Warehouse(key)
        return _shared[key]
