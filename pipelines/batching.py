"""Micro-batching for broker consumers: messages wait for their batch to be applied before they are acked.

FastStream runs each delivered message in its own task (up to the prefetch limit). Each task submits its event
(or the events of a batch message) and awaits the outcome of the batch they joined, so a message is acknowledged
only once its effect is durable and a crash loses nothing (unacked messages are redelivered). Batches are applied
one at a time, in arrival order.

Broker subscribers submit raw message bodies, validated here straight from JSON when their batch is taken (a
body that is not a valid event fails alone), instead of FastStream decoding and validating every message.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence

from tracker.events import Event

Apply = Callable[[Sequence[Event]], Awaitable[dict[uuid.UUID, BaseException]]]


def parse_bodies(bodies: Sequence[bytes]) -> list[Event | BaseException]:
    """Events of JSON message bodies; a body that is not a valid event yields its error instead."""
    out: list[Event | BaseException] = []
    for body in bodies:
        try:
            out.append(Event.model_validate_json(body))  # straight from JSON: no dict in between
        except ValueError as exc:
            out.append(exc)
    return out


class MicroBatcher:
    """Collects events for up to `max_delay` seconds, `max_size` events or `max_waiting` submissions, then applies
    them as one batch."""

    def __init__(self, apply: Apply, *, max_size: int, max_delay: float, max_waiting: int | None = None) -> None:
        self.apply = apply
        self.max_size = max_size
        self.max_delay = max_delay
        # Submissions (deliveries) that may wait at once: the consumer's prefetch. When that many wait, no
        # further delivery can come until some are acknowledged, so the batch closes without waiting out the delay.
        self.max_waiting = max_waiting
        self._queued = 0  # submissions with events in `_items`
        self._items: list[tuple[Event | bytes, asyncio.Future[None]]] = []
        self._last: list[bool] = []  # parallel to `_items`: the item ends its submission
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._oldest = 0.0  # when the oldest waiting item arrived (loop time)

    async def submit(self, event: Event | bytes) -> None:
        """Add an event (or its JSON); returns when its batch was applied, raises the error if the event failed."""
        (future,) = self._add([event])
        await future

    async def submit_many(self, events: Sequence[Event | bytes]) -> list[BaseException | None]:
        """Add the events of one delivery; returns, once they were applied, each one's error (None: applied)."""
        if not events:
            return []
        outcomes = await asyncio.gather(*self._add(events), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, asyncio.CancelledError):
                raise outcome
        return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]

    def _add(self, events: Sequence[Event | bytes]) -> list[asyncio.Future[None]]:
        loop = asyncio.get_running_loop()
        if not self._items:
            self._oldest = loop.time()
        futures: list[asyncio.Future[None]] = []
        for event in events:
            future: asyncio.Future[None] = loop.create_future()
            self._items.append((event, future))
            self._last.append(False)
            futures.append(future)
        self._last[-1] = True
        self._queued += 1
        if self._full_now():
            self._full.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon())
        return futures

    def _full_now(self) -> bool:
        return len(self._items) >= self.max_size or (self.max_waiting is not None and self._queued >= self.max_waiting)

    async def _flush_soon(self) -> None:
        loop = asyncio.get_running_loop()
        while self._items:
            # The delay counts from the oldest item's arrival: items that came in while the previous batch was
            # being applied have waited already.
            wait = self._oldest + self.max_delay - loop.time()
            if wait > 0 and not self._full.is_set():
                try:
                    await asyncio.wait_for(self._full.wait(), wait)
                except TimeoutError:
                    pass
            self._full.clear()
            batch, self._items = self._items[: self.max_size], self._items[self.max_size :]
            self._queued -= sum(self._last[: self.max_size])
            del self._last[: self.max_size]
            self._oldest = loop.time()
            if self._full_now():
                self._full.set()
            async with self._lock:
                await self._run(batch)

    async def _run(self, submitted: list[tuple[Event | bytes, asyncio.Future[None]]]) -> None:
        batch = self._parsed(submitted)
        try:
            failed = await self.apply([e for e, _ in batch]) if batch else {}
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

    @staticmethod
    def _parsed(
        submitted: list[tuple[Event | bytes, asyncio.Future[None]]],
    ) -> list[tuple[Event, asyncio.Future[None]]]:
        """The batch as events; a body that is not a valid event fails its own submission only."""
        raw = [item for item, _ in submitted if not isinstance(item, Event)]
        parsed = iter(parse_bodies(raw) if raw else [])
        batch: list[tuple[Event, asyncio.Future[None]]] = []
        for item, future in submitted:
            event = item if isinstance(item, Event) else next(parsed)
            if isinstance(event, BaseException):
                if not future.done():
                    future.set_exception(event)
            else:
                batch.append((event, future))
        return batch
