"""The warehouse landing zone: every event's changes as immutable Parquet files, one per batch and date.

    <warehouse>/landing/events/date=YYYY-MM-DD/<batch_id>.parquet

Grain: one row per change of an event (an event without changes still gets one row, with `field` NULL). A batch
is written to a hidden temporary name in the same directory, flushed to disk and renamed, so a reader globbing
`*.parquet` sees whole files only and never blocks the writer. The schema is documented in
docs/warehouse-landing.md; `LANDING_SCHEMA` below is the authority.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tracker.events import Event

SCHEMA_VERSION = 1
TS = pa.timestamp("us", tz="UTC")
LANDING_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("occurred_at", TS, nullable=False),
        pa.field("actor", pa.string()),
        pa.field("actor_id", pa.int64()),
        pa.field("issue_id", pa.int64()),
        pa.field("issue_key", pa.string()),
        pa.field("project_key", pa.string()),
        pa.field("version", pa.int64()),
        pa.field("change_index", pa.int32()),
        pa.field("field", pa.string()),
        pa.field("field_type", pa.string()),
        pa.field("from_value", pa.string()),
        pa.field("from_string", pa.string()),
        pa.field("to_value", pa.string()),
        pa.field("to_string", pa.string()),
        pa.field("is_create", pa.bool_(), nullable=False),
        pa.field("event_json", pa.string(), nullable=False),
        pa.field("schema_version", pa.int32(), nullable=False),
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("batch_row", pa.int32(), nullable=False),
        pa.field("loaded_at", TS, nullable=False),
    ]
)


def event_rows(event: Event) -> list[dict[str, Any]]:
    """The landing rows of one event (without the batch columns)."""
    base = {
        "event_id": str(event.event_id),
        "type": event.type,
        "occurred_at": event.occurred_at.astimezone(UTC),
        "actor": event.actor,
        "actor_id": event.actor_id,
        "issue_id": event.issue_id,
        "issue_key": event.issue_key,
        "project_key": event.project_key,
        "version": event.version,
        "is_create": event.type == "issue.created",
        "event_json": json.dumps(event.to_json(), separators=(",", ":"), sort_keys=True),
        "schema_version": SCHEMA_VERSION,
    }
    if not event.changes:
        return [
            base
            | {
                "change_index": None,
                "field": None,
                "field_type": None,
                "from_value": None,
                "from_string": None,
                "to_value": None,
                "to_string": None,
            }
        ]
    return [
        base
        | {
            "change_index": i,
            "field": c.field,
            "field_type": c.field_type,
            "from_value": c.from_,
            "from_string": c.from_string,
            "to_value": c.to,
            "to_string": c.to_string,
        }
        for i, c in enumerate(event.changes)
    ]


def partition_date(event: Event) -> date:
    """The date partition of an event: its UTC day."""
    return event.occurred_at.astimezone(UTC).date()


class LandingZone:
    """Writes and reads the landing zone under `root` (normally DATA_DIR/warehouse/landing)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.events_dir = self.root / "events"

    def batch_file(self, batch_id: str, day: date) -> Path:
        return self.events_dir / f"date={day.isoformat()}" / f"{batch_id}.parquet"

    def has_landed(self, event: Event, batch_id: str) -> bool:
        """Whether the batch `batch_id` wrote this event (its file for the event's date exists)."""
        return self.batch_file(batch_id, partition_date(event)).exists()

    def write_batch(self, events: Sequence[Event], batch_id: str | None = None) -> list[Path]:
        """Append a batch as one new file per date; all or nothing (files already renamed are removed on error)."""
        batch_id = batch_id or uuid.uuid4().hex
        loaded_at = datetime.now(UTC)
        by_day: dict[date, list[dict[str, Any]]] = {}
        for event in events:
            by_day.setdefault(partition_date(event), []).extend(event_rows(event))
        written: list[Path] = []
        try:
            for day, rows in sorted(by_day.items()):
                for i, row in enumerate(rows):
                    row.update(batch_id=batch_id, batch_row=i, loaded_at=loaded_at)
                written.append(self._write_file(self.batch_file(batch_id, day), rows))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return written

    def _write_file(self, final: Path, rows: list[dict[str, Any]]) -> Path:
        table = pa.Table.from_pylist(rows, schema=LANDING_SCHEMA)
        return _write_tables(final, table.schema, [table])

    def files(self) -> list[Path]:
        return sorted(self.events_dir.glob("date=*/*.parquet"))

    def compact(self, before: date) -> int:
        """Merge each date partition older than `before` that holds several files into one; the number of files
        merged away.

        A micro-batch writes one file per date, so a quiet tracker lands about one small file per event, and
        every build lists and opens all of them. The merged file is written (and made durable) before the
        originals are removed, so a crash in between leaves duplicates, which the `changes` mart drops by change
        id, never a gap. Builders must hold the build lock: a build reads the files it listed.
        """
        merged = 0
        for partition in sorted(self.events_dir.glob("date=*")):
            try:
                day = date.fromisoformat(partition.name.removeprefix("date="))
            except ValueError:
                continue
            files = sorted(partition.glob("*.parquet"))
            if day >= before or len(files) < 2:
                continue
            # One file at a time, into the schema of them all (files written before a column was added lack it).
            schemas = [pq.read_schema(f) for f in files]
            schema = pa.unify_schemas(schemas, promote_options="permissive")
            lacking = {f.name for f in schema if any(f.name not in s.names for s in schemas)}
            schema = pa.schema([f.with_nullable(True) if f.name in lacking else f for f in schema])
            tables = (_conform(pq.read_table(f), schema) for f in files)
            _write_tables(partition / f"compacted-{uuid.uuid4().hex}.parquet", schema, tables)
            for f in files:
                f.unlink()
            _fsync_dir(partition)
            merged += len(files)
        return merged

    @property
    def glob(self) -> str:
        """The pattern DuckDB reads (hidden temporary files never match it)."""
        return str(self.events_dir / "date=*" / "*.parquet")

    def relation_sql(self) -> str:
        """A FROM-clause item over every landed row (with the `date` partition column)."""
        return f"read_parquet('{self.glob}', hive_partitioning = true, union_by_name = true)"

    def read(self, where: str | None = None, con: duckdb.DuckDBPyConnection | None = None) -> pl.DataFrame:
        """All landed rows (optionally filtered by a SQL condition) as a Polars frame; empty when nothing landed."""
        if not self.files():
            return pl.from_arrow(LANDING_SCHEMA.empty_table())  # type: ignore[return-value]
        own = con is None
        con = con or duckdb.connect()
        try:
            sql = f"SELECT * FROM {self.relation_sql()}" + (f" WHERE {where}" if where else "")
            return con.sql(sql).pl()
        finally:
            if own:
                con.close()


def _write_tables(final: Path, schema: pa.Schema, tables: Iterable[pa.Table]) -> Path:
    """Write the tables as one Parquet file at `final`: to a hidden temporary name, fsynced, then renamed."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            with pq.ParquetWriter(fh, schema, compression="zstd") as writer:
                for table in tables:
                    writer.write_table(table)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_dir(final.parent)
    return final


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table with the schema's columns in its order (nulls for those it lacks)."""
    columns = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def landed_event_ids(zone: LandingZone) -> list[str]:
    """Event ids in the landing zone, one entry per event per file it appears in (duplicates show twice)."""
    frame = zone.read()
    if frame.is_empty():
        return []
    per_file = frame.group_by(["batch_id", "event_id"]).len()
    return [str(e) for e in per_file["event_id"].to_list()]
