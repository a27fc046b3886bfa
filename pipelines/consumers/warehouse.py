"""warehouse.load: appends each batch of events to the landing zone as immutable Parquet files."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path

from pipelines import metrics
from pipelines.topology import WAREHOUSE
from tracker.events import Event
from warehouse.landing import LandingZone


class WarehouseSink:
    """The batch's claim token names its files, so after a crash a redelivered event is known to have landed."""

    name = WAREHOUSE
    skip_stale = False  # a change log: every event is a row, order comes from `version`

    def __init__(self, landing_root: Path) -> None:
        self.zone = LandingZone(landing_root)

    async def apply(self, events: Sequence[Event], token: str) -> None:
        await asyncio.to_thread(self.zone.write_batch, events, token)
        metrics.observe_lag(self.name, (e.occurred_at for e in events))

    async def landed(self, pending: Sequence[tuple[Event, str]]) -> set[uuid.UUID]:
        return {e.event_id for e, token in pending if token and self.zone.has_landed(e, token)}
