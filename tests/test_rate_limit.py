"""Per-user request limits counted in the real Redis (api/ratelimit.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pytest

from api.app import create_app
from api.ratelimit import RateLimiter
from tests.conftest import ADMIN_TOKEN, _client, unique
from tracker.errors import RateLimited
from tracklake.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


def token_of(client: Any) -> str:
    return str(client.headers["authorization"]).removeprefix("Bearer ")


async def limited_app(database_url: str, redis_url: str, limit: str) -> Any:
    settings = Settings(
        database_url=database_url,
        bootstrap_token=ADMIN_TOKEN,
        redis_url=redis_url,
        rate_limit=limit,
        pipeline_in_process=False,
        scheduler_in_process=False,
    )
    return create_app(settings)


@pytest.fixture
async def three_a_minute(database_url: str) -> AsyncIterator[Any]:
    application = await limited_app(database_url, REDIS_URL, "3/minute")
    async with application.router.lifespan_context(application):
        yield application


async def test_a_user_past_the_limit_gets_429_with_retry_after_and_others_do_not(three_a_minute, make_user):
    _, alice = await make_user()
    _, bob = await make_user()
    async with _client(three_a_minute, token_of(alice)) as a, _client(three_a_minute, token_of(bob)) as b:
        for _ in range(3):
            assert (await a.get("/api/v1/myself")).status_code == 200
        refused = await a.get("/api/v1/myself")
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "rate_limited" and "3 per 1 minute" in refused.json()["title"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert (await b.get("/api/v1/myself")).status_code == 200  # counted per user
        # Credentials are checked first: a wrong token is a 401, never counted against anyone.
        async with _client(three_a_minute, "tlk_wrong") as wrong:
            assert (await wrong.get("/api/v1/myself")).status_code == 401


async def test_two_trackers_on_one_redis_count_apart():
    """Keys carry the database's instance id: user 7 of one tracker is not user 7 of another."""
    one, other = (RateLimiter(REDIS_URL, "1/minute", namespace=unique("instance-")) for _ in range(2))
    await one.check(7)
    await other.check(7)
    with pytest.raises(RateLimited):
        await one.check(7)


async def test_without_redis_requests_are_let_through(database_url, make_user, caplog):
    _, alice = await make_user()
    application = await limited_app(database_url, "redis://127.0.0.1:1/0", "1/minute")  # nothing listens there
    async with application.router.lifespan_context(application), _client(application, token_of(alice)) as a:
        with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
            for _ in range(3):
                assert (await a.get("/api/v1/myself")).status_code == 200
    assert "rate limit not checked" in caplog.text


def test_a_limit_that_does_not_parse_stops_the_start():
    with pytest.raises(pydantic.ValidationError, match="is not a rate limit"):
        Settings(rate_limit="lots per day")
    assert Settings(rate_limit=" ").rate_limit == ""
