"""Bulk acknowledgements: one `basic.ack(multiple=True)` covers a run of processed deliveries.

A consumer applies events in micro-batches, so hundreds of messages finish in the same event-loop turn. Acking
each one cost a frame, a write and a future apiece; a window acks them together instead. RabbitMQ numbers the
deliveries of a channel 1, 2, 3, … and a multiple ack settles every outstanding delivery up to its tag, so the
window only ever acks up to the end of the *contiguous* run of deliveries that are done (acked or settled
otherwise): a delivery still being processed is never covered. Rejections and retries are sent one by one
before they are marked settled, so the frames reach RabbitMQ before any multiple ack that passes them.

A delivery that never reaches the handler would stop the run: FastStream drops, without settling them,
deliveries that arrive while a subscriber is not yet (or no longer) marked running — which happens at start-up
with a backlog waiting in the queue. So the window also records which deliveries *started* processing. When
the run has been stuck for `stall_seconds`, a delivery below processed ones that never started is requeued
(`basic.nack`, requeue: it comes again with a new tag; were it processed after all, dedup absorbs the copy), and
processed deliveries still waiting behind one that is being processed slowly are acked one by one.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any

log = logging.getLogger("tracklake.pipeline")

ACK = True
SETTLED = False


class AckWindow:
    """The acknowledgements of one AMQP channel (its delivery tags are consecutive from 1)."""

    def __init__(self, channel: Any, *, stall_seconds: float = 1.0) -> None:
        self.channel = channel
        self.stall_seconds = stall_seconds
        self.floor = 0  # every delivery tag up to here is settled (or its ack is on the way)
        self.done: dict[int, tuple[bool, float]] = {}  # tags above the floor: (needs an ack, since when)
        self.started: set[int] = set()  # tags above the floor whose processing began and has not finished
        self._flush_scheduled = False
        self._rescue: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, tag: int) -> None:
        """The delivery reached its handler (it is being processed)."""
        if tag > self.floor:
            self.started.add(tag)

    def ack(self, tag: int) -> None:
        """The delivery was processed: ack it (with the next multiple ack)."""
        self._mark(tag, ACK)

    def settled(self, tag: int) -> None:
        """The delivery was already settled on its own (rejected, nacked or acked singly)."""
        self._mark(tag, SETTLED)

    def _mark(self, tag: int, needs_ack: bool) -> None:
        self.started.discard(tag)
        if tag <= self.floor:
            return  # requeued as dropped while it was in fact processed: settled already (dedup absorbs the copy)
        self.done[tag] = (needs_ack, time.monotonic())
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        ack_to = 0
        while (entry := self.done.pop(self.floor + 1, None)) is not None:
            self.floor += 1
            if entry[0]:
                ack_to = self.floor
        if ack_to:
            self._send(ack_to, multiple=True)
        if self.done and self._rescue is None:
            self._rescue = asyncio.get_running_loop().call_later(self.stall_seconds, self._ack_stalled)

    def _ack_stalled(self) -> None:
        self._rescue = None
        self._flush()
        cutoff = time.monotonic() - self.stall_seconds
        waiting = [t for t, (_, since) in self.done.items() if since <= cutoff]
        if waiting:
            # Below a delivery processed long ago, one that never started was dropped before its handler.
            dropped = [t for t in range(self.floor + 1, max(waiting)) if t not in self.done and t not in self.started]
            if dropped:
                log.info("ack window: requeueing %d deliveries that never reached their handler", len(dropped))
                self.started.update(dropped)  # not found again while their nacks are on the way
                self._spawn(self._requeue(dropped))  # then the run passes them, with one multiple ack
                if self._rescue is None:
                    self._rescue = asyncio.get_running_loop().call_later(self.stall_seconds, self._ack_stalled)
                return
        stalled = [t for t, (needs_ack, since) in self.done.items() if needs_ack and since <= cutoff]
        if stalled:
            log.warning("ack window: %d deliveries wait behind a slow one; acking them singly", len(stalled))
        for tag in stalled:
            self.done[tag] = (SETTLED, self.done[tag][1])
            self._send(tag, multiple=False)
        if self.done and self._rescue is None:
            self._rescue = asyncio.get_running_loop().call_later(self.stall_seconds, self._ack_stalled)

    async def _requeue(self, tags: list[int]) -> None:
        """Nack (requeue) the deliveries one by one, and only once RabbitMQ has them let the run pass them: a
        multiple ack sent before a nack would settle that delivery as processed."""
        for tag in tags:
            await self.channel.basic_nack(delivery_tag=tag, multiple=False, requeue=True)
        for tag in tags:
            self.settled(tag)

    def _send(self, tag: int, *, multiple: bool) -> None:
        if not self.channel.is_closed:  # else its deliveries come again on the next channel (dedup absorbs them)
            self._spawn(self.channel.basic_ack(delivery_tag=tag, multiple=multiple))

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("ack window: an ack or nack was not sent (the deliveries come again): %r", exc)


_WINDOWS: weakref.WeakKeyDictionary[Any, AckWindow] = weakref.WeakKeyDictionary()


def window_of(channel: Any) -> AckWindow:
    """The window of an (aiormq) channel; a reopened channel gets a new one, as its tags start again at 1."""
    window = _WINDOWS.get(channel)
    if window is None:
        window = _WINDOWS[channel] = AckWindow(channel)
    return window
