"""Settings from TRACKLAKE_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every optional service is enabled by its URL and absent otherwise."""

    model_config = SettingsConfigDict(env_prefix="TRACKLAKE_", extra="ignore")

    data_dir: Path = Path("./.tracklake")
    database_url: str | None = None
    redis_url: str | None = None
    rabbitmq_url: str | None = None
    elasticsearch_url: str | None = None
    bootstrap_token: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    db_pool_min: int = 2
    db_pool_max: int = 20
    max_body_bytes: int = Field(default=1_048_576, description="requests larger than this get 413")
    rate_limit: str = Field(
        default="6000/minute;200/second",
        description="requests per user with REDIS_URL, in the notation of the `limits` library; empty: no limit",
    )
    auth_cache_seconds: float = Field(
        default=30.0, ge=0, description="how long a process remembers an authenticated token; 0: look up every time"
    )
    log_level: str = "INFO"

    # Event pipeline (docs/pipeline.md).
    pipeline_prefix: str = Field(default="", description="prefix of every RabbitMQ exchange and queue name")
    pipeline_in_process: bool = Field(
        default=True, description="without RABBITMQ_URL, `serve` runs the relay and consumers in-process"
    )
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=1.0, gt=0, description="polling fallback when no NOTIFY arrives")
    relay_max_backoff_seconds: float = Field(default=5.0, gt=0, description="longest wait between tries while down")
    outbox_retention_hours: float = Field(default=168.0, ge=0, description="sent outbox rows are purged after this")
    consumer_prefetch: int = Field(
        default=16, ge=1, le=10_000, description="deliveries in flight per consumer (a relay batch message is one)"
    )
    consumer_max_retries: int = Field(default=5, ge=0, le=20)
    consumer_retry_base_seconds: float = Field(default=1.0, gt=0, description="retry n waits base * 2**(n-1)")
    warehouse_refresh_seconds: float = Field(
        default=30.0, ge=0, description="how often the warehouse marts catch up with landed events; 0: never"
    )
    warehouse_batch_seconds: float = Field(default=0.05, gt=0, description="longest wait to fill a landing batch")
    webhook_allowed_hosts: str = Field(
        default="", description="comma-separated hosts webhooks may target; '*.example.com' allows subdomains"
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_delays: tuple[float, ...] = Field(
        default=(1.0, 2.0, 4.0, 8.0, 16.0), description="waits before each retry of a failed delivery"
    )
    notification_batch_seconds: float = Field(default=5.0, ge=0)
    worker_metrics_port: int | None = Field(default=None, description="`tracklake worker` serves /metrics here")

    # Dashboards and scheduled exports (docs/dashboards.md).
    dashboard_session_hours: float = Field(default=12.0, gt=0, le=24 * 90, description="life of the login cookie")
    dashboard_secure_cookie: bool = Field(
        default=False, description="always mark the login cookie Secure (set it behind a TLS-terminating proxy)"
    )
    scheduler_in_process: bool = Field(
        default=True, description="without RABBITMQ_URL, `serve` runs due scheduled exports itself"
    )
    scheduler_poll_seconds: float = Field(
        default=15.0, gt=0, le=3600, description="how often due schedules are claimed"
    )
    scheduler_refresh_warehouse: bool = Field(
        default=True, description="refresh the warehouse before running due exports, so they show recent changes"
    )

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        """A limit that does not parse fails at start, not at the first request."""
        if value.strip():
            from limits import parse_many

            try:
                parse_many(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a rate limit like '6000/minute;200/second'") from None
        return value.strip()

    @property
    def warehouse_dir(self) -> Path:
        """Root of the warehouse files (the landing zone lives under `landing/`)."""
        return self.data_dir / "warehouse"

    @property
    def exports_dir(self) -> Path:
        """Where scheduled exports write their files."""
        return self.data_dir / "exports"
