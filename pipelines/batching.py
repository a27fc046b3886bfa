"""Micro-batching for broker consumers: messages wait for their batch to be applied before they are acked.

FastStream runs each delivered message in its own task (up to the prefetch limit). Each task submits its event
and awaits the outcome of the batch it joined, so a message is acknowledged only once its effect is durable and
a crash loses nothing (unacked messages are redelivered). Batches are applied one at a time, in arrival order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence

from tracker.events import Event

Apply = Callable[[Sequence[Event]], Awaitable[dict[uuid.UUID, BaseException]]]


class MicroBatcher:
    """Collects events for up to `max_delay` seconds or `max_size` events, then applies them as one batch."""

    def __init__(self, apply: Apply, *, max_size: int, max_delay: float) -> None:
        self.apply = apply
        self.max_size = max_size
        self.max_delay = max_delay
        self._items: list[tuple[Event, asyncio.Future[None]]] = []
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def submit(self, event: Event) -> None:
        """Add an event; returns when its batch was applied, raises the error if the event failed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._items.append((event, future))
        if len(self._items) >= self.max_size:
            self._full.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon())
        await future

    async def _flush_soon(self) -> None:
        while self._items:
            try:
                await asyncio.wait_for(self._full.wait(), self.max_delay)
            except TimeoutError:
                pass
            self._full.clear()
            batch, self._items = self._items[: self.max_size], self._items[self.max_size :]
            if len(self._items) >= self.max_size:
                self._full.set()
            async with self._lock:
                await self._run(batch)

    async def _run(self, batch: list[tuple[Event, asyncio.Future[None]]]) -> None:
        try:
            failed = await self.apply([e for e, _ in batch])
        except BaseException as exc:  # the whole batch failed (or we are being cancelled)
            cancelled = isinstance(exc, asyncio.CancelledError)
            for _, future in batch:
                if not future.done():
                    future.cancel() if cancelled else future.set_exception(exc)
            if cancelled:
                raise
            return
        for event, future in batch:
            if future.done():
                continue
            error = failed.get(event.event_id)
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
