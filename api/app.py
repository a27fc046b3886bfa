"""The FastAPI application."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from api import errors
from api.observability import ObservabilityMiddleware
from api.ratelimit import RateLimiter
from api.routes import (
    accounts,
    agile,
    boards,
    components,
    filters,
    health,
    issues,
    notifications,
    projects,
    sprints,
    versions,
    webhooks,
)
from api.routes import exports as exports_routes
from api.routes import fields as fields_routes
from api.routes import imports as imports_routes
from api.routes import pages as pages_routes
from api.routes import permissions as permissions_routes
from api.routes import reports as reports_routes
from api.routes import schedules as schedules_routes
from api.routes import search as search_routes
from api.routes import workflows as workflows_routes
from api.state import AppState, Pool
from tracker.accounts.cache import AuthCache
from tracker.db import SESSION_OPTIONS, fetch_val
from tracker.search.es import elasticsearch_client
from tracklake.bootstrap import announce_token, ensure_admin
from tracklake.migrate import migrate
from tracklake.settings import Settings
from warehouse.refresh import RefreshThread

log = logging.getLogger("tracklake")


def create_app(settings: Settings, *, database_url: str | None = None) -> FastAPI:
    """Build the app; `database_url` overrides the settings (the embedded server's address)."""
    url = database_url or settings.database_url
    if not url:
        raise RuntimeError("no database: set TRACKLAKE_DATABASE_URL or start through `tracklake serve`")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(migrate, url)
        token = await ensure_admin(url, settings.bootstrap_token)
        if token:
            announce_token(token)
        pool: Pool = AsyncConnectionPool(
            url,
            min_size=settings.db_pool_min,
            max_size=settings.db_pool_max,
            open=False,
            kwargs={"autocommit": True, "row_factory": dict_row, "options": SESSION_OPTIONS},
        )
        await pool.open(wait=True)
        redis = None
        if settings.redis_url:
            import redis.asyncio as aioredis

            redis = aioredis.from_url(settings.redis_url)
        auth = AuthCache(url, ttl=settings.auth_cache_seconds)
        auth.start()
        es = elasticsearch_client(settings.elasticsearch_url) if settings.elasticsearch_url else None
        limiter = None
        if settings.redis_url and settings.rate_limit:
            async with pool.connection() as conn:
                instance = await fetch_val(conn, "SELECT stamp FROM cache_stamps WHERE scope = 'instance'")
            limiter = RateLimiter(settings.redis_url, settings.rate_limit, namespace=str(instance))
        app.state.tracklake = AppState(
            settings=settings, pool=pool, auth=auth, redis=redis, rate_limiter=limiter, elasticsearch=es
        )
        pipeline = None
        if settings.pipeline_in_process and not settings.rabbitmq_url:
            # No broker: the relay and consumers run here (docs/pipeline.md); with one, `tracklake worker` runs them.
            from pipelines.worker import Pipeline

            pipeline = Pipeline(settings, url)
            await pipeline.start()
            app.state.tracklake.extras["pipeline"] = pipeline
        refresher = start_warehouse_refresh(settings, url) if pipeline is not None else None
        scheduler = None
        if settings.scheduler_in_process and not settings.rabbitmq_url:
            # Scheduled exports (docs/dashboards.md); with a broker `tracklake scheduler` runs them. Several
            # processes may run a scheduler: their claims skip each other.
            scheduler = schedules_routes.make_scheduler(settings, url)
            scheduler.start()
        # Everything built so far (modules, the app, the pool) lives as long as the process: keep it out of the
        # cyclic collector's generations, so collections stay short and do not stall requests.
        gc.freeze()
        log.info("tracklake ready")
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop()
            if refresher is not None:
                refresher.stop()
            if pipeline is not None:
                await pipeline.stop()
            await auth.stop()
            await pool.close()
            if redis is not None:
                await redis.aclose()
            if es is not None:
                await es.close()

    app = FastAPI(
        title="tracklake",
        version="0.1.0",
        lifespan=lifespan,
        description="Self-hosted issue tracker with Jira's model and agile analytics.",
    )
    errors.install(app)
    for router in (
        health.router,
        accounts.router,
        projects.router,
        issues.router,
        webhooks.router,
        notifications.router,
        workflows_routes.router,
        fields_routes.router,
        permissions_routes.router,
        search_routes.router,
        agile.router,
        filters.router,
        boards.router,
        sprints.router,
        versions.router,
        components.router,
        reports_routes.router,
        imports_routes.router,
        exports_routes.router,
        schedules_routes.router,
        pages_routes.router,
    ):
        app.include_router(router)
    app.add_middleware(ObservabilityMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


def start_warehouse_refresh(settings: Settings, url: str) -> RefreshThread | None:
    """Keep the warehouse marts up to date unless disabled (TRACKLAKE_WAREHOUSE_REFRESH_SECONDS=0)."""
    if settings.warehouse_refresh_seconds <= 0:
        return None
    return RefreshThread(settings.warehouse_dir, url, interval_seconds=settings.warehouse_refresh_seconds)


def create_app_from_env() -> FastAPI:
    """App factory for worker processes: settings (and the database URL) come from the environment."""
    from api.observability import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
