"""The two ways the warehouse is brought up to date.

* `refresh`: the incremental path. Exports a fresh dimension snapshot (issues and comments incrementally), then
  recomputes the marts for the issues named by newly landed events. Run it after sink batches or on a timer.
* `rebuild`: the source-of-truth path (`tracklake warehouse rebuild`). Exports all of issue_history and every
  dimension in one PostgreSQL snapshot and builds every mart from scratch. Landed events stay included
  (deduplicated by change id), so events committed after the export are not lost.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from warehouse.build import BuildMode, BuildResult, build
from warehouse.export import export_history_in, export_snapshot, export_snapshot_in, snapshot_transaction
from warehouse.landing import LandingZone
from warehouse.layout import Layout

log = logging.getLogger("tracklake.warehouse")


def refresh(
    root: Path | str, database_url: str | None = None, *, mode: BuildMode = "auto", threads: int | None = None
) -> BuildResult:
    """Bring the marts up to date with the landing zone (and the dimensions, when a database URL is given)."""
    done = _refresh(Layout(root), database_url, mode=mode, threads=threads, wait=True)
    assert done is not None
    return done[0]


def try_refresh(root: Path | str, database_url: str | None = None, *, threads: int | None = None) -> BuildResult | None:
    """`refresh`, or None at once when another process is building (its build includes what has landed)."""
    done = _refresh(Layout(root), database_url, mode="auto", threads=threads, wait=False)
    return None if done is None else done[0]


def _refresh(
    layout: Layout, database_url: str | None, *, mode: BuildMode, threads: int | None, wait: bool
) -> tuple[BuildResult, frozenset[str]] | None:
    """The build, and the landed files there were before its dimension snapshot was exported (after past days
    were compacted: see LandingZone.compact); None when another process holds the build lock."""
    with layout.try_build_lock(wait=wait) as locked:
        if not locked:
            return None
        LandingZone(layout.landing).compact(before=datetime.now(UTC).date())
        landed = layout.landed_names()
        previous = layout.current()
        snapshot = previous.snapshot if previous else None
        if database_url:
            snapshot = export_snapshot(database_url, layout, previous=snapshot)
        history = previous.history if previous else None
        result = build(layout, snapshot=snapshot, history=history, mode=mode, threads=threads)
        layout.collect_garbage()
    return result, landed


def refresh_forever(
    root: Path | str,
    database_url: str,
    stop: threading.Event,
    *,
    interval_seconds: float = 30.0,
    threads: int | None = None,
    max_idle_seconds: float = 600.0,
) -> None:
    """Refresh every `interval_seconds` until `stop` is set (for `serve`, `worker` or `scheduler` to run in a
    thread); a failed refresh is logged and retried at the next tick, leaving the current generation in place.
    Each tick is `refresh_tick`: it builds only when there is something new."""
    layout = Layout(root)
    covered: frozenset[str] | None = None
    while not stop.is_set():
        try:
            covered = refresh_tick(layout, database_url, covered, max_idle_seconds=max_idle_seconds, threads=threads)
        except Exception:
            log.exception("warehouse refresh failed")
        stop.wait(interval_seconds)


def refresh_tick(
    layout: Layout,
    database_url: str | None,
    covered: frozenset[str] | None,
    *,
    max_idle_seconds: float = 600.0,
    threads: int | None = None,
) -> frozenset[str] | None:
    """One tick of the timed refresh. `covered` holds the landed files this timer's last refresh saw before it
    exported its dimension snapshot (None: no refresh yet); returns the new value.

    It refreshes when a file has landed since (an event may name a project or user newer than that snapshot,
    even when a build already read the event), or when the current generation is older than
    `max_idle_seconds` (a renamed status or user lands no event). It skips when another process is building:
    with several `serve` workers, one of them refreshes at a time.
    """
    landed = layout.landed_names()
    age = layout.current_age_seconds()
    if covered is not None and landed <= covered and age is not None and age < max_idle_seconds:
        return covered
    done = _refresh(layout, database_url, mode="auto", threads=threads, wait=False)
    return covered if done is None else done[1]


def rebuild(root: Path | str, database_url: str, *, threads: int | None = None) -> BuildResult:
    """Rebuild every mart from PostgreSQL's issue_history and a full dimension snapshot."""
    layout = Layout(root)
    with layout.build_lock():
        with snapshot_transaction(database_url) as conn:
            history = export_history_in(conn, layout)
            snapshot = export_snapshot_in(conn, layout)
        result = build(layout, snapshot=snapshot, history=history, mode="full", threads=threads)
        layout.collect_garbage()
    return result


class RefreshThread:
    """`refresh_forever` in a daemon thread, for `serve` (no broker) and `tracklake worker`."""

    def __init__(self, root: Path | str, database_url: str, *, interval_seconds: float = 30.0) -> None:
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=refresh_forever,
            args=(root, database_url, self.stop_event),
            kwargs={"interval_seconds": interval_seconds},
            name="warehouse-refresh",
            daemon=True,
        )
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=60)
