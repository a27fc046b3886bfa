"""Settings from TRACKLAKE_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
    log_level: str = "INFO"
