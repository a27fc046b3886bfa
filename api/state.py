"""Process-wide resources of the API, created in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool

from api.ratelimit import RateLimiter
from tracker.accounts.cache import AuthCache
from tracklake.settings import Settings

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]


@dataclass
class AppState:
    settings: Settings
    pool: Pool
    auth: AuthCache
    redis: Any | None = None
    rate_limiter: RateLimiter | None = None  # with TRACKLAKE_REDIS_URL and a TRACKLAKE_RATE_LIMIT
    elasticsearch: Any | None = None  # with TRACKLAKE_ELASTICSEARCH_URL: JQL search pages are read from it
    extras: dict[str, Any] = field(default_factory=dict)
