"""Where the warehouse keeps its files, and how a generation becomes current.

    <root>/landing/events/date=*/<batch>.parquet   events landed by the pipeline (warehouse/landing.py)
    <root>/history/<gen>/part-*.parquet            issue_history exported from PostgreSQL by a rebuild
    <root>/snapshots/<gen>/<table>.parquet         PostgreSQL tables (dimensions, current issues) as Parquet
    <root>/marts/<gen>/<model>.parquet             materialized models, plus manifest.json
    <root>/CURRENT                                 name of the current marts generation

Every file is written once under a fresh generation directory and never modified. A build writes a whole new
generation, then replaces CURRENT atomically (write to a temporary name, fsync, rename); readers resolve CURRENT
once per connection and read only immutable files, so they never block the writer and never see half a build.
Old generations are deleted only after `keep` newer ones exist and a grace period has passed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GRACE_SECONDS = 600.0


def new_generation() -> str:
    """A sortable, unique generation name (UTC time plus a random suffix)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so readers see the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Manifest:
    """What one marts generation was built from."""

    generation: str
    snapshot: str | None
    history: str | None
    landing_files: tuple[str, ...]
    mode: str  # 'full' | 'incremental'
    built_at: str
    fingerprint: str  # of the dimensions the per-issue models depend on
    models: tuple[str, ...]
    rows: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "snapshot": self.snapshot,
            "history": self.history,
            "landing_files": list(self.landing_files),
            "mode": self.mode,
            "built_at": self.built_at,
            "fingerprint": self.fingerprint,
            "models": list(self.models),
            "rows": self.rows,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            generation=data["generation"],
            snapshot=data.get("snapshot"),
            history=data.get("history"),
            landing_files=tuple(data.get("landing_files", ())),
            mode=data.get("mode", "full"),
            built_at=data.get("built_at", ""),
            fingerprint=data.get("fingerprint", ""),
            models=tuple(data.get("models", ())),
            rows=dict(data.get("rows", {})),
        )


class Layout:
    """The warehouse directory (normally DATA_DIR/warehouse)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.landing = self.root / "landing"
        self.history = self.root / "history"
        self.snapshots = self.root / "snapshots"
        self.marts = self.root / "marts"
        self.current_file = self.root / "CURRENT"
        self.lock_file = self.root / ".build.lock"

    # --- generations ---------------------------------------------------------------------------

    def current(self) -> Manifest | None:
        """The manifest of the current marts generation, or None before the first build."""
        try:
            gen = self.current_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return self.manifest(gen) if gen else None

    def manifest(self, generation: str) -> Manifest:
        data = json.loads((self.marts / generation / "manifest.json").read_text(encoding="utf-8"))
        return Manifest.from_json(data)

    def publish(self, manifest: Manifest) -> None:
        """Write the manifest of a finished generation, then make it current."""
        directory = self.marts / manifest.generation
        write_atomic(directory / "manifest.json", json.dumps(manifest.to_json(), indent=1).encode())
        write_atomic(self.current_file, manifest.generation.encode())

    def latest(self, kind: str) -> str | None:
        """The newest complete generation of `history` or `snapshots` (complete ones hold a `_DONE` marker)."""
        base = self.history if kind == "history" else self.snapshots
        if not base.exists():
            return None
        done = sorted(p.parent.name for p in base.glob("*/_DONE"))
        return done[-1] if done else None

    def mart_file(self, generation: str, model: str) -> Path:
        return self.marts / generation / f"{model}.parquet"

    def snapshot_dir(self, generation: str) -> Path:
        return self.snapshots / generation

    def history_dir(self, generation: str) -> Path:
        return self.history / generation

    def landing_files(self) -> list[Path]:
        """Landed batch files (hidden temporary files never match)."""
        return sorted((self.landing / "events").glob("date=*/*.parquet"))

    def landing_name(self, path: Path) -> str:
        return str(path.relative_to(self.landing))

    # --- writer lock and garbage collection ----------------------------------------------------

    @contextlib.contextmanager
    def build_lock(self) -> Iterator[None]:
        """One builder at a time per warehouse (readers take no lock)."""
        with self.try_build_lock(wait=True):
            yield

    @contextlib.contextmanager
    def try_build_lock(self, *, wait: bool = False) -> Iterator[bool]:
        """The builder lock when it is free (yields True), else yields False at once; with `wait`, waits for it."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a+") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def landed_names(self) -> frozenset[str]:
        """Names of the landed batch files (as manifests list them)."""
        return frozenset(self.landing_name(p) for p in self.landing_files())

    def current_age_seconds(self) -> float | None:
        """Seconds since the current generation was built (None before the first build)."""
        current = self.current()
        if current is None:
            return None
        try:
            return (datetime.now(UTC) - datetime.fromisoformat(current.built_at)).total_seconds()
        except ValueError:
            return None

    def collect_garbage(self, keep: int = 3, grace_seconds: float = GRACE_SECONDS) -> list[Path]:
        """Delete generations older than the `keep` newest that nothing current refers to, after a grace period."""
        current = self.current()
        pinned = set()
        if current is not None:
            pinned = {current.generation, current.snapshot, current.history}
        removed: list[Path] = []
        now = time.time()
        for base in (self.marts, self.snapshots, self.history):
            if not base.exists():
                continue
            gens = sorted(p for p in base.iterdir() if p.is_dir())
            for path in gens[:-keep] if keep else gens:
                if path.name in pinned:
                    continue
                if now - path.stat().st_mtime < grace_seconds:
                    continue
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        return removed
