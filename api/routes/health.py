"""/health (each dependency healthy, degraded or absent, with latency) and /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from api.deps import app_state
from api.observability import REGISTRY
from api.responses import Json

router = APIRouter(tags=["operations"])
log = logging.getLogger("tracklake.api")
TIMEOUT = 2.0


async def _probe(check: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        await asyncio.wait_for(check(), TIMEOUT)
    except Exception as exc:  # any failure of a dependency is reported, not raised
        return {
            "status": "degraded",
            "error": f"{type(exc).__name__}: {exc}"[:300],
            "latency_ms": round((time.perf_counter() - start) * 1000, 2),
        }
    return {"status": "healthy", "latency_ms": round((time.perf_counter() - start) * 1000, 2)}


@router.get("/health", summary="Health of tracklake and each dependency")
async def health(request: Request) -> Response:
    state = app_state(request)
    settings = state.settings

    async def database() -> None:
        async with state.pool.connection() as conn:
            await conn.execute("SELECT 1")

    async def redis() -> None:
        assert state.redis is not None
        await state.redis.ping()

    async def rabbitmq() -> None:
        import aio_pika

        assert settings.rabbitmq_url is not None
        connection = await aio_pika.connect(settings.rabbitmq_url, timeout=TIMEOUT)
        await connection.close()

    async def elasticsearch() -> None:
        import httpx

        assert settings.elasticsearch_url is not None
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            (await client.get(settings.elasticsearch_url)).raise_for_status()

    checks: dict[str, Callable[[], Awaitable[Any]] | None] = {
        "database": database,
        "redis": redis if state.redis is not None else None,
        "rabbitmq": rabbitmq if settings.rabbitmq_url else None,
        "elasticsearch": elasticsearch if settings.elasticsearch_url else None,
    }
    names = [n for n, c in checks.items() if c is not None]
    results = await asyncio.gather(*(_probe(checks[n]) for n in names))  # type: ignore[arg-type]
    deps: dict[str, Any] = {n: {"status": "absent"} for n, c in checks.items() if c is None}
    deps.update(dict(zip(names, results, strict=True)))
    database_ok = deps["database"]["status"] == "healthy"
    overall = "healthy" if all(d["status"] != "degraded" for d in deps.values()) else "degraded"
    if not database_ok:
        overall = "unhealthy"
    return Json({"status": overall, "dependencies": deps}, status_code=200 if database_ok else 503)


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(request: Request) -> Response:
    from pipelines import metrics as pipeline

    state = app_state(request)
    settings = state.settings
    try:  # shared pipeline state, read at scrape time: outbox backlog and age, queue depths, dead letters
        async with state.pool.connection() as conn:
            await pipeline.refresh_outbox_gauges(conn)
        if settings.rabbitmq_url:
            from pipelines.topology import enabled_queues, topology_from

            await asyncio.wait_for(
                pipeline.refresh_queue_gauges(settings.rabbitmq_url, topology_from(settings), enabled_queues(settings)),
                TIMEOUT,
            )
    except Exception as exc:  # a scrape reports what it can; /health says what is down
        log.warning("metrics: pipeline gauges not refreshed: %r", exc)
    body = generate_latest(REGISTRY) + generate_latest(pipeline.REGISTRY)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
