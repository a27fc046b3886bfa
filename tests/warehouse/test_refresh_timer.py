"""The timed refresh (serve and worker): it builds only when something landed, and one process builds at a time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.warehouse.test_incremental import dataset
from warehouse import Layout
from warehouse.build import build
from warehouse.refresh import refresh_forever, try_refresh


def test_refresh_is_due_only_when_events_landed_or_the_build_is_old(tmp_path: Path) -> None:
    d = dataset()
    layout = Layout(tmp_path)
    assert layout.refresh_due(600)  # nothing built yet
    events = d.events()
    d.land(layout, events[:4])
    build(layout, snapshot=d.write_snapshot(layout), history=None)
    assert not layout.refresh_due(600)
    assert layout.refresh_due(0)  # old enough: dimensions may have changed without an event
    d.land(layout, events[4:])
    assert layout.refresh_due(600)


def test_try_refresh_leaves_the_build_to_the_process_holding_the_lock(tmp_path: Path) -> None:
    d = dataset()
    layout = Layout(tmp_path)
    d.land(layout)
    d.write_snapshot(layout)
    with layout.build_lock():
        assert try_refresh(tmp_path) is None
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
        first = layout.current()
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
