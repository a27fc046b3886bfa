"""Sends pending webhook deliveries: signed POSTs with a timeout, retried on the configured backoff schedule.

A delivery is attempted once and then retried after each delay of `webhook_retry_delays` (default 1, 2, 4, 8
and 16 s); a 2xx answer delivers it, otherwise after the last retry it is recorded as failed (and can be
redelivered through the API). Every attempt is logged in `webhook_attempts`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

import httpx
import orjson
from tenacity import AsyncRetrying, RetryError, retry_if_exception_type, stop_after_attempt, wait_chain, wait_fixed

from pipelines import metrics
from pipelines.waiting import sleep_or_stop, wait_either
from tracker.db import Conn, connect, fetch_all
from tracker.webhooks import repository as sql
from tracker.webhooks.actions import host_allowed
from tracker.webhooks.signing import SIGNATURE_HEADER, sign

log = logging.getLogger("tracklake.webhooks")
DEFAULT_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)


class DeliveryRefused(Exception):
    """The delivery may not be sent at all (webhook deactivated, host no longer allowed): no retries."""


class AttemptFailed(Exception):
    """One delivery attempt did not get a 2xx answer."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def retrying(delays: Sequence[float], **kwargs: Any) -> AsyncRetrying:
    """The retry policy of a delivery: the first attempt, then one retry after each delay."""
    return AsyncRetrying(
        stop=stop_after_attempt(len(delays) + 1),
        wait=wait_chain(*(wait_fixed(d) for d in delays)) if delays else wait_fixed(0),
        retry=retry_if_exception_type(AttemptFailed),
        **kwargs,
    )


def delivery_body(delivery: dict[str, Any]) -> bytes:
    """The JSON body POSTed for a delivery (the same bytes on every attempt)."""
    return orjson.dumps(
        {"webhook_id": delivery["webhook_id"], "delivery_id": delivery["id"], "event": delivery["payload"]}
    )


class WebhookDispatcher:
    """Claims due deliveries (FOR UPDATE SKIP LOCKED, one in flight per webhook and issue) and sends them."""

    def __init__(
        self,
        database_url: str,
        *,
        allowed_hosts: Sequence[str],
        timeout: float = 10.0,
        delays: Sequence[float] = DEFAULT_DELAYS,
        concurrency: int = 16,
        poll_seconds: float = 1.0,
    ) -> None:
        self.database_url = database_url
        self.allowed_hosts = list(allowed_hosts)
        self.timeout = timeout
        self.delays = tuple(delays)
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.wake = asyncio.Event()
        # A claimed delivery is ours for its longest possible run; after that another dispatcher may take it.
        self.lease = sum(self.delays) + (len(self.delays) + 1) * (timeout + 1) + 30
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch until `stop` is set: on wake-ups from the webhooks consumer, else every poll interval."""
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            while not stop.is_set():
                try:
                    async with await connect(self.database_url, autocommit=True) as conn:
                        while not stop.is_set():
                            claimed = await self._claim(conn, max(0, self.concurrency - len(self._tasks)))
                            for delivery in claimed:
                                task = asyncio.create_task(self._send(client, delivery))
                                self._tasks.add(task)
                                task.add_done_callback(self._finished)
                            if not claimed:
                                await wait_either(self.wake, stop, self.poll_seconds)
                                self.wake.clear()
                except Exception as exc:  # the database went away: retry
                    if stop.is_set():
                        break
                    log.warning("webhook dispatcher: %r; retrying", exc)
                    await sleep_or_stop(stop, self.poll_seconds)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.wake.set()  # the next delivery of that webhook and issue may now go

    async def _claim(self, conn: Conn, limit: int) -> list[dict[str, Any]]:
        if limit <= 0:
            return []
        return [dict(r) for r in await fetch_all(conn, sql.CLAIM_DUE, {"limit": limit, "lease": self.lease})]

    async def dispatch_once(self, client: httpx.AsyncClient) -> int:
        """Send every due delivery once through its retries (used by tests and the CLI); returns how many."""
        async with await connect(self.database_url, autocommit=True) as conn:
            claimed = await self._claim(conn, self.concurrency)
        await asyncio.gather(*(self._send(client, d) for d in claimed))
        return len(claimed)

    async def _send(self, client: httpx.AsyncClient, delivery: dict[str, Any]) -> None:
        body = delivery_body(delivery)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "tracklake-webhooks",
            "X-Tracklake-Event": delivery["event_type"],
            "X-Tracklake-Delivery": str(delivery["id"]),
            "X-Tracklake-Webhook": str(delivery["webhook_id"]),
            SIGNATURE_HEADER: sign(delivery["secret"], body),
        }
        async with await connect(self.database_url, autocommit=True) as conn:
            status = "failed"
            try:
                async for attempt in retrying(self.delays, reraise=False):
                    with attempt:
                        await self._attempt(conn, client, delivery, body, headers)
                status = "delivered"
            except RetryError:
                pass
            except DeliveryRefused:  # not retryable: the webhook was deactivated or its host disallowed
                pass
            await conn.execute(sql.FINISH_DELIVERY, {"id": delivery["id"], "status": status})
        metrics.WEBHOOK_DELIVERIES.labels(status).inc()

    async def _attempt(
        self, conn: Conn, client: httpx.AsyncClient, delivery: dict[str, Any], body: bytes, headers: dict[str, str]
    ) -> None:
        start = time.perf_counter()
        code: int | None = None
        error: str | None = None
        refused = False
        try:
            host = httpx.URL(delivery["url"]).host
            if not delivery["active"] or not host_allowed(host, self.allowed_hosts):
                refused = True
                error = "webhook inactive" if not delivery["active"] else f"host '{host}' is no longer allowed"
            else:
                response = await client.post(delivery["url"], content=body, headers=headers, timeout=self.timeout)
                code = response.status_code
                if not 200 <= code < 300:
                    error = f"HTTP {code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        elapsed = (time.perf_counter() - start) * 1000
        params = {"id": delivery["id"], "status_code": code, "error": error, "duration_ms": elapsed}
        await conn.execute(sql.INSERT_ATTEMPT, params)
        await conn.execute(sql.RECORD_ATTEMPT, params)
        if error is not None:
            if refused:
                raise DeliveryRefused(error)
            raise AttemptFailed(error, code)
