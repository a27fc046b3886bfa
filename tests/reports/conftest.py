"""Report test helpers: build a hand-made warehouse and open a report context on it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path

from reports import ReportContext
from tests.warehouse.builder import Dataset
from warehouse import Warehouse


def context(d: Dataset, root: Path, now: datetime, scope: Collection[int] | None = None) -> ReportContext:
    """Build `d` into a warehouse under `root` and return a report context as of `now`."""
    d.build(root)
    return ReportContext(Warehouse(root).cursor(), scope=scope, now=now)
