"""The in-process memory of authenticated tokens (tracker/accounts/cache.py) against the real PostgreSQL.

A connection that is already closed stands in for the database where a test must show that no query ran: any
statement on it raises.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.pipeline.conftest import eventually
from tracker.accounts.actions import hash_token
from tracker.accounts.cache import AuthCache
from tracker.db import Conn, connect


def token_of(client: Any) -> str:
    return str(client.headers["authorization"]).removeprefix("Bearer ")


@pytest.fixture
async def closed(database_url: str) -> Conn:
    conn = await connect(database_url, autocommit=True)
    await conn.close()
    return conn


@pytest.fixture
async def cache(database_url: str) -> AsyncIterator[AuthCache]:
    auth = AuthCache(database_url, ttl=30.0, retry_seconds=0.2)
    auth.start()
    await eventually(lambda: _true(auth.active), within=10)
    yield auth
    await auth.stop()


async def _true(value: bool) -> bool:
    return value


async def forgotten(auth: AuthCache, closed: Conn, token: str) -> bool:
    """Whether `auth` no longer holds the token (it would have to look it up, which fails on `closed`)."""
    try:
        await auth.authenticate(closed, token)
    except psycopg.OperationalError:
        return True
    return False


async def test_a_token_seen_lately_is_not_looked_up_again(cache, db, closed, make_user):
    name, client = await make_user()
    token = token_of(client)
    with pytest.raises(psycopg.OperationalError):
        await cache.authenticate(closed, token)  # not seen yet: looked up
    actor = await cache.authenticate(db, token)
    assert actor is not None and actor.username == name
    assert await cache.authenticate(closed, token) == actor
    assert await cache.authenticate(closed, token, name) == actor  # Basic: the user name must still match
    assert await cache.authenticate(closed, token, "someone-else") is None
    # Failures are never remembered: a wrong token is looked up every time.
    assert await cache.authenticate(db, "tlk_wrong") is None
    with pytest.raises(psycopg.OperationalError):
        await cache.authenticate(closed, "tlk_wrong")


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %(hash)s",
        "DELETE FROM api_tokens WHERE token_hash = %(hash)s",
        "UPDATE users SET active = false WHERE username = %(name)s",
    ],
)
async def test_a_change_committed_by_another_process_is_seen(cache, db, closed, make_user, change):
    name, client = await make_user()
    token = token_of(client)
    assert await cache.authenticate(db, token) is not None
    await db.execute(change, {"hash": hash_token(token), "name": name})
    # The notification makes the cache forget: the next lookup goes to the database, which refuses the token.
    await eventually(lambda: forgotten(cache, closed, token), within=5)
    assert await cache.authenticate(db, token) is None


async def test_what_a_user_is_comes_back_changed(cache, db, closed, make_user):
    name, client = await make_user()
    token = token_of(client)
    assert (await cache.authenticate(db, token)).is_admin is False  # type: ignore[union-attr]
    await db.execute("UPDATE users SET is_admin = true, display_name = 'Renamed' WHERE username = %s", (name,))
    await eventually(lambda: forgotten(cache, closed, token), within=5)
    actor = await cache.authenticate(db, token)
    assert actor is not None and actor.is_admin and actor.display_name == "Renamed"


async def test_using_a_token_does_not_make_every_process_forget(cache, db, closed, make_user):
    """The lookup itself records last_used_at; that write must not count as a change of the token."""
    _, client = await make_user()
    token = token_of(client)
    await db.execute("UPDATE api_tokens SET last_used_at = NULL WHERE token_hash = %s", (hash_token(token),))
    assert await cache.authenticate(db, token) is not None  # sets last_used_at
    _, other = await make_user()
    assert await cache.authenticate(db, token_of(other)) is not None  # and again, for another token
    assert not await forgotten(cache, closed, token)


async def test_without_its_listener_the_cache_is_not_used(cache, db, closed, make_user):
    _, client = await make_user()
    token = token_of(client)
    assert await cache.authenticate(db, token) is not None
    # The listener's connection dies (a restart of PostgreSQL, a network failure): until it is back, a change would
    # go unheard, so nothing is served from memory.
    await db.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN tracklake_auth' AND pid IN"
        " (SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
    )
    await eventually(lambda: _true(not cache.active), within=5)
    assert await forgotten(cache, closed, token)
    await db.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %s", (hash_token(token),))
    # It reconnects by itself, forgetting what it held; the token revoked meanwhile stays refused.
    await eventually(lambda: _true(cache.active), within=10)
    assert await cache.authenticate(db, token) is None


async def test_ttl_zero_turns_the_cache_off(database_url, db, closed):
    auth = AuthCache(database_url, ttl=0)
    auth.start()
    try:
        assert await auth.authenticate(db, ADMIN_TOKEN) is not None
        assert not auth.active
        with pytest.raises(psycopg.OperationalError):
            await auth.authenticate(closed, ADMIN_TOKEN)
    finally:
        await auth.stop()


async def test_the_api_refuses_a_token_revoked_elsewhere(app, db, anonymous, make_user):
    """Through the API: a token in use, revoked by another process, is refused shortly after."""
    _, client = await make_user()
    assert (await client.get("/api/v1/myself")).status_code == 200
    await db.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %s", (hash_token(token_of(client)),))

    async def refused() -> bool:
        return (await client.get("/api/v1/myself")).status_code == 401

    await eventually(refused, within=5)
