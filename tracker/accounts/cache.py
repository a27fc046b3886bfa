"""Authenticated tokens remembered in the API process, so a request does not look its token up every time.

Only successful lookups are kept: a wrong, revoked or unknown token is looked up again on every request. An entry
lives at most `ttl` seconds, and every entry is forgotten as soon as anything that could end or alter a token's
grant changes: migration 0017 makes each such change of `api_tokens` or `users` notify the channel
`tracklake_auth` at commit, and every process listens on it. The process that made a change (revoking a token,
deactivating a user) also forgets at once, before it answers, so its own next request already sees the change.

The cache is used only while the listener is connected: before it connects, after its connection fails and until
it has connected again, every request reads the database. A lookup that started before a change and finishes after
the notification is not stored (the generation counter moved meanwhile), so it cannot bring back a revoked token.
What remains is the time a notification takes to reach another process, milliseconds; `ttl` bounds anything
else.
"""

from __future__ import annotations

import asyncio
import logging

from cachetools import TTLCache

from tracker.accounts.actions import authenticate_digest, hash_token
from tracker.accounts.models import Actor
from tracker.db import Conn, connect

log = logging.getLogger(__name__)

CHANNEL = "tracklake_auth"


class AuthCache:
    """Actors by token digest, for `ttl` seconds; `ttl` 0 turns the cache off (every request reads the database)."""

    def __init__(
        self, database_url: str, ttl: float = 30.0, max_size: int = 10_000, retry_seconds: float = 1.0
    ) -> None:
        self.database_url = database_url
        self.ttl = ttl
        self.retry_seconds = retry_seconds
        self._entries: TTLCache[str, Actor] = TTLCache(maxsize=max_size, ttl=max(ttl, 0.001))
        self._generation = 0
        self._listening = False
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()  # set while the listener is connected (tests wait on it)

    @property
    def active(self) -> bool:
        """Whether lookups are served from memory right now."""
        return self._listening and self.ttl > 0

    def start(self) -> None:
        if self.ttl > 0 and self._task is None:
            self._task = asyncio.create_task(self._listen(), name="auth-cache-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._stopped()

    def forget(self) -> None:
        """Drop every entry, and keep lookups already under way from storing what they found."""
        self._generation += 1
        self._entries.clear()

    async def authenticate(self, conn: Conn, token: str, username: str | None = None) -> Actor | None:
        """The active user owning this unrevoked token (and matching `username` for Basic auth), or None; from
        memory when the token was seen lately."""
        digest = hash_token(token)
        actor = self._entries.get(digest) if self.active else None
        if actor is None:
            generation = self._generation
            actor = await authenticate_digest(conn, digest)
            if actor is not None and self.active and generation == self._generation:
                self._entries[digest] = actor
        return actor if actor is not None and username in (None, actor.username) else None

    def _stopped(self) -> None:
        self._listening = False
        self.connected.clear()
        self.forget()

    async def _listen(self) -> None:
        """LISTEN for changes and forget on each; while disconnected the cache stays off, then reconnect."""
        while True:
            try:
                async with await connect(self.database_url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    # Changes made while nobody listened were missed: start from nothing.
                    self.forget()
                    self._listening = True
                    self.connected.set()
                    async for _ in conn.notifies():
                        self.forget()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the connection failed: serve from the database until it is back
                log.warning("auth cache listener: %r; reading tokens from the database until it reconnects", exc)
            finally:
                self._stopped()
            await asyncio.sleep(self.retry_seconds)
