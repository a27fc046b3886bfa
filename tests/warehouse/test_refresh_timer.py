"""The timed refresh (serve and worker), and where analysts find the warehouse by default."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb

from tests.warehouse.test_incremental import dataset
from warehouse import Layout
from warehouse.build import build
from warehouse.refresh import refresh, refresh_forever, refresh_tick, try_refresh


def test_a_tick_builds_only_when_something_landed_or_the_build_is_old(tmp_path: Path) -> None:
    d = dataset()
    layout = Layout(tmp_path)
    events = d.events()
    d.land(layout, events[:4])
    d.write_snapshot(layout)
    covered = refresh_tick(layout, None, None)  # the first tick always builds
    first = layout.current()
    assert first is not None and covered == layout.landed_names()
    assert refresh_tick(layout, None, covered) == covered
    assert layout.current() == first  # nothing new: no build
    refresh_tick(layout, None, covered, max_idle_seconds=0)
    assert layout.current() != first  # old enough: dimensions may have changed without an event
    second = layout.current()
    d.land(layout, events[4:])
    covered = refresh_tick(layout, None, covered)
    assert layout.current() != second and covered == layout.landed_names()


def test_events_landed_after_the_snapshot_bring_another_refresh(tmp_path: Path) -> None:
    """A build may read an event that landed after its snapshot was exported (the event's new project is not in
    that snapshot); the timer must refresh again even though the current manifest lists the event's file."""
    d = dataset()
    layout = Layout(tmp_path)
    events = d.events()
    d.land(layout, events[:4])
    d.write_snapshot(layout)
    covered = refresh_tick(layout, None, None)
    d.land(layout, events[4:])
    refresh(tmp_path)  # another build reads the new file: the manifest now lists it
    built = layout.current()
    assert built is not None and layout.landed_names() <= set(built.landing_files)
    assert refresh_tick(layout, None, covered) != covered
    assert layout.current() != built


def test_try_refresh_leaves_the_build_to_the_process_holding_the_lock(tmp_path: Path) -> None:
    d = dataset()
    layout = Layout(tmp_path)
    d.land(layout)
    d.write_snapshot(layout)
    with layout.build_lock():
        assert try_refresh(tmp_path) is None
        assert refresh_tick(layout, None, None) is None
        assert layout.current() is None
    built = try_refresh(tmp_path)
    assert built is not None and layout.current() is not None


def test_refresh_forever_skips_ticks_with_nothing_new(tmp_path: Path, database_url: str) -> None:
    layout = Layout(tmp_path)
    stop = threading.Event()
    thread = threading.Thread(
        target=refresh_forever, args=(tmp_path, database_url, stop), kwargs={"interval_seconds": 0.05}
    )
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while layout.current() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        first = layout.current()  # the first tick's build (and perhaps one more, for what landed meanwhile)
        assert first is not None
        time.sleep(1.0)  # about twenty ticks
        assert layout.current() == first
        dataset().land(layout)
        deadline = time.monotonic() + 60
        while layout.current() == first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert layout.current() != first
    finally:
        stop.set()
        thread.join(timeout=60)


def test_default_root_finds_the_data_dir_of_a_parent_folder(tmp_path: Path, monkeypatch) -> None:
    """A notebook's kernel starts in notebooks/, below the checkout whose .tracklake `demo` filled."""
    from warehouse.query import default_root

    monkeypatch.delenv("TRACKLAKE_DATA_DIR", raising=False)
    (tmp_path / ".tracklake").mkdir()
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert default_root() == tmp_path / ".tracklake" / "warehouse"
    monkeypatch.setenv("TRACKLAKE_DATA_DIR", "elsewhere")
    assert default_root() == tmp_path / "notebooks" / "elsewhere" / "warehouse"


def test_a_refresh_compacts_past_days_and_builds_the_same_marts(tmp_path: Path) -> None:
    """Each micro-batch lands a file per day; a refresh first merges every past day into one file, and the marts
    it builds equal those built from the files as they landed."""
    d = dataset()
    events = d.events()
    plain = Layout(tmp_path / "plain")
    compacted = Layout(tmp_path / "compacted")
    for layout in (plain, compacted):
        for n in range(0, len(events), 2):  # one batch per two events: several files per day
            d.land(layout, events[n : n + 2])
    assert len(plain.landing_files()) > len({p.parent for p in plain.landing_files()})  # some day has several
    with plain.build_lock():
        expected = build(plain, snapshot=None, history=None, mode="full")  # refresh without a database: the same
    result = refresh(compacted.root, mode="full")
    days = [p.parent for p in compacted.landing_files()]
    assert len(days) == len(set(days))  # one file per (past) day
    assert result.manifest.rows == expected.manifest.rows
    for model in result.manifest.models:
        got = duckdb.sql(f"SELECT * FROM '{compacted.mart_file(result.manifest.generation, model)}' ORDER BY ALL")
        want = duckdb.sql(f"SELECT * FROM '{plain.mart_file(expected.manifest.generation, model)}' ORDER BY ALL")
        assert got.fetchall() == want.fetchall(), model
