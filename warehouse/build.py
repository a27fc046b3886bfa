"""Build a marts generation from the change log and a snapshot: fully, or incrementally for touched issues.

Full: every materialized model is computed from all changes. Incremental: the issues named by landing files the
previous generation did not include are recomputed from all their changes, and every other row is carried over
from the previous generation (unchanged files are hard-linked, not copied). An incremental build falls back to a
full one when the previous generation is missing, was built from another history export, or when a dimension the
per-issue marts read (projects, statuses, issue types, board columns) changed. Both paths run the same model SQL
over the same change rows, which is why an incremental result equals a rebuild (tests/warehouse prove it).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import duckdb

from warehouse.layout import Layout, Manifest, new_generation
from warehouse.models import DIMENSION_INPUTS, MODELS, Model
from warehouse.sources import (
    Sources,
    history_files,
    new_connection,
    parquet_list,
    register_changelog,
    register_snapshot,
    sql_path,
)

BuildMode = Literal["auto", "full", "incremental"]
AFFECTED = "issue_id IN (SELECT issue_id FROM _affected)"


@dataclass(frozen=True)
class BuildResult:
    manifest: Manifest
    affected_issues: int | None  # None for a full build
    seconds: float


def define_views(con: duckdb.DuckDBPyConnection, sources: Sources, models: Sequence[Model]) -> None:
    """Create the views a build needs: the non-materialized models listed before the first materialized one."""
    for model in models:
        if model.materialized == "table":
            break
        con.execute(f'CREATE OR REPLACE VIEW "{model.name}" AS {model.render(sources)}')


def dimension_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the dimension rows the per-issue marts depend on."""
    digest = hashlib.sha256()
    for name in DIMENSION_INPUTS:
        rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
        for row in sorted(repr(r) for r in rows):
            digest.update(row.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def _can_increment(layout: Layout, previous: Manifest | None, history: str | None, fingerprint: str) -> bool:
    if previous is None or previous.history != history or previous.fingerprint != fingerprint:
        return False
    wanted = tuple(m.name for m in MODELS if m.materialized == "table")
    if previous.models != wanted:
        return False
    return all(layout.mart_file(previous.generation, name).exists() for name in wanted)


def build(
    layout: Layout,
    *,
    snapshot: str | None,
    history: str | None,
    mode: BuildMode = "auto",
    threads: int | None = None,
) -> BuildResult:
    """Build and publish a new marts generation (callers hold `layout.build_lock()`)."""
    started = datetime.now(UTC)
    previous = layout.current()
    landing = layout.landing_files()
    landing_names = [layout.landing_name(p) for p in landing]
    con = new_connection(threads, layout.root / ".tmp")
    try:
        register_changelog(con, history_files(layout, history), landing)
        sources = register_snapshot(con, layout, snapshot)
        define_views(con, sources, MODELS)
        fingerprint = dimension_fingerprint(con)
        incremental = mode != "full" and _can_increment(layout, previous, history, fingerprint)
        if mode == "incremental" and not incremental:
            raise ValueError("an incremental build needs a compatible previous generation; run a full build")
        gen = new_generation()
        (layout.marts / gen).mkdir(parents=True, exist_ok=True)
        affected: int | None = None
        if incremental:
            assert previous is not None
            new_files = [p for p, n in zip(landing, landing_names, strict=True) if n not in set(previous.landing_files)]
            affected = _mark_affected(con, new_files)
            rows = _build_incremental(con, sources, layout, previous.generation, gen, affected)
        else:
            rows = _build_full(con, sources, layout, gen)
        manifest = Manifest(
            generation=gen,
            snapshot=snapshot,
            history=history,
            landing_files=tuple(landing_names),
            mode="incremental" if incremental else "full",
            built_at=started.isoformat(),
            fingerprint=fingerprint,
            models=tuple(m.name for m in MODELS if m.materialized == "table"),
            rows=rows,
        )
        layout.publish(manifest)
    finally:
        con.close()
    return BuildResult(manifest, affected, (datetime.now(UTC) - started).total_seconds())


def _mark_affected(con: duckdb.DuckDBPyConnection, new_files: Sequence[Path]) -> int:
    con.execute("CREATE OR REPLACE TEMP TABLE _affected (issue_id BIGINT PRIMARY KEY)")
    if new_files:
        con.execute(
            f"INSERT INTO _affected SELECT DISTINCT CAST(issue_id AS BIGINT) FROM read_parquet("
            f"{parquet_list(new_files)}, union_by_name = true) WHERE issue_id IS NOT NULL"
        )
    row = con.execute("SELECT count(*) FROM _affected").fetchone()
    return int(row[0]) if row else 0


def _write(con: duckdb.DuckDBPyConnection, select: str, model: Model, target: Path) -> int:
    tmp = target.with_name(f".{target.name}.tmp")
    order = f" ORDER BY {model.sort}" if model.sort else ""
    con.execute(
        f"COPY (SELECT * FROM ({select}) t{order}) TO '{sql_path(tmp)}' "
        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
    )
    os.replace(tmp, target)
    row = con.execute(f"SELECT count(*) FROM read_parquet('{sql_path(target)}')").fetchone()
    return int(row[0]) if row else 0


def _build_full(con: duckdb.DuckDBPyConnection, sources: Sources, layout: Layout, gen: str) -> dict[str, int]:
    rows: dict[str, int] = {}
    for model in MODELS:
        if model.materialized != "table":
            continue
        target = layout.mart_file(gen, model.name)
        rows[model.name] = _write(con, model.render(sources), model, target)
        con.execute(f"CREATE OR REPLACE VIEW \"{model.name}\" AS SELECT * FROM read_parquet('{sql_path(target)}')")
    return rows


def _build_incremental(
    con: duckdb.DuckDBPyConnection, sources: Sources, layout: Layout, previous: str, gen: str, affected: int
) -> dict[str, int]:
    rows: dict[str, int] = {}
    # The change-log staging views only see the touched issues from here on.
    for model in MODELS:
        if model.layer == "staging" and model.name in ("stg_history_changes", "stg_landing_changes"):
            con.execute(f'CREATE OR REPLACE VIEW "{model.name}" AS {model.render(sources, AFFECTED)}')
    for model in MODELS:
        if model.materialized != "table":
            continue
        old = layout.mart_file(previous, model.name)
        target = layout.mart_file(gen, model.name)
        if affected == 0:
            os.link(old, target)
            row = con.execute(f"SELECT count(*) FROM read_parquet('{sql_path(target)}')").fetchone()
            rows[model.name] = int(row[0]) if row else 0
            continue
        if not model.per_issue:
            raise RuntimeError(f"model {model.name} is materialized but not per issue: it cannot be incremental")
        select = (
            f"SELECT * FROM ({model.render(sources)}) n UNION ALL BY NAME "
            f"SELECT * FROM read_parquet('{sql_path(old)}') o WHERE o.issue_id NOT IN (SELECT issue_id FROM _affected)"
        )
        rows[model.name] = _write(con, select, model, target)
        # Downstream models compute for the touched issues only.
        con.execute(
            f"CREATE OR REPLACE VIEW \"{model.name}\" AS SELECT * FROM read_parquet('{sql_path(target)}') "
            f"WHERE {AFFECTED}"
        )
    return rows
