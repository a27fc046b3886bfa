"""webhooks: turns events into pending deliveries (idempotent by webhook and event); the dispatcher sends them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from pipelines import metrics
from pipelines.topology import WEBHOOKS
from tracker.db import connect
from tracker.events import Event
from tracker.webhooks.actions import enqueue_deliveries


class WebhookEnqueuer:
    name = WEBHOOKS
    skip_stale = False  # receivers asked for every event of their types; each carries `version`

    def __init__(self, database_url: str, wake: asyncio.Event | None = None) -> None:
        self.database_url = database_url
        self.wake = wake

    async def apply(self, events: Sequence[Event], token: str) -> None:
        async with await connect(self.database_url) as conn, conn.transaction():
            created = await enqueue_deliveries(conn, events)
        if created and self.wake is not None:
            self.wake.set()
        metrics.observe_lag(self.name, (e.occurred_at for e in events))

    async def landed(self, pending: Sequence[tuple[Event, str]]) -> set[uuid.UUID]:
        return set()  # enqueueing again is a no-op (unique webhook and event)
