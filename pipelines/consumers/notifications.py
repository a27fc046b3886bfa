"""notifications: in-app notifications for assignee, reporter, watchers and @mentioned users, batched per issue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pipelines import metrics
from pipelines.topology import NOTIFICATIONS
from tracker.db import connect
from tracker.events import Event
from tracker.notifications.actions import notify


class Notifier:
    name = NOTIFICATIONS
    skip_stale = True

    def __init__(self, database_url: str, window_seconds: float = 5.0) -> None:
        self.database_url = database_url
        self.window_seconds = window_seconds

    async def apply(self, events: Sequence[Event], token: str) -> None:
        async with await connect(self.database_url) as conn:
            for event in events:
                async with conn.transaction():
                    await notify(conn, event, window_seconds=self.window_seconds)
        metrics.observe_lag(self.name, (e.occurred_at for e in events))

    async def landed(self, pending: Sequence[tuple[Event, str]]) -> set[uuid.UUID]:
        return set()  # notify() skips events a user's notifications already hold
