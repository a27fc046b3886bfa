"""The FastAPI application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from api import errors
from api.observability import ObservabilityMiddleware
from api.routes import accounts, health, issues, projects, search
from api.state import AppState, Pool
from tracklake.bootstrap import announce_token, ensure_admin
from tracklake.migrate import migrate
from tracklake.settings import Settings

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
            kwargs={"autocommit": True, "row_factory": dict_row},
        )
        await pool.open(wait=True)
        redis = None
        if settings.redis_url:
            import redis.asyncio as aioredis

            redis = aioredis.from_url(settings.redis_url)
        app.state.tracklake = AppState(settings=settings, pool=pool, redis=redis)
        log.info("tracklake ready")
        try:
            yield
        finally:
            await pool.close()
            if redis is not None:
                await redis.aclose()

    app = FastAPI(
        title="tracklake",
        version="0.1.0",
        lifespan=lifespan,
        description="Self-hosted issue tracker with Jira's model and agile analytics.",
    )
    errors.install(app)
    for router in (health.router, accounts.router, projects.router, issues.router, search.router):
        app.include_router(router)
    app.add_middleware(ObservabilityMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


def create_app_from_env() -> FastAPI:
    """App factory for worker processes: settings (and the database URL) come from the environment."""
    from api.observability import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
