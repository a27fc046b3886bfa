"""Request dependencies: the pooled connection, the authenticated actor, and the write wrapper."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from psycopg.types.json import Jsonb
from starlette.responses import Response

from api.responses import problem
from api.state import AppState
from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_one, fetch_val
from tracker.errors import Unauthorized, ValidationError

MAX_IDEMPOTENCY_KEY = 255


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.tracklake
    return state


async def db(request: Request) -> AsyncIterator[Conn]:
    """A pooled connection in autocommit mode; writes open their own transaction."""
    async with app_state(request).pool.connection() as conn:
        yield conn


DB = Annotated[Conn, Depends(db)]


def parse_credentials(header: str | None) -> tuple[str, str | None]:
    """(token, user name or None) from an Authorization header; anything but Bearer or Basic is Unauthorized."""
    if not header:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value, None
    if scheme.lower() == "basic" and value:
        try:
            user, sep, token = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("Malformed Basic credentials") from None
        if sep and user and token:
            return token, user
    raise Unauthorized("Unsupported authorization: use a Bearer token or Basic with user name and token")


async def current_actor(request: Request, conn: DB, authorization: Annotated[str | None, Header()] = None) -> Actor:
    """The user the request's credentials belong to; anything else is 401."""
    token, username = parse_credentials(authorization)
    state = app_state(request)
    actor = await state.auth.authenticate(conn, token, username)
    if actor is None:
        raise Unauthorized("Invalid or revoked credentials")
    if state.rate_limiter is not None:
        await state.rate_limiter.check(actor.id)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def parse_if_match(value: str | None) -> int | None:
    """The version a write was made against, from an If-Match header (`"3"`, `W/"3"`, `3` or `*`)."""
    if value is None or value.strip() == "*":
        return None
    tag = value.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    if not tag.isdigit() or len(tag) > 9:
        raise ValidationError("If-Match must be an ETag returned by GET", errors={"If-Match": f"invalid: {value}"})
    return int(tag)


def _lock_id(user_id: int, key: str) -> int:
    digest = hashlib.blake2b(f"{user_id}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


SELECT_KEY = """
SELECT request_hash, response_status, response_body, response_headers FROM idempotency_keys
WHERE user_id = %(user_id)s AND key = %(key)s AND expires_at > now()
"""
UPSERT_KEY = """
INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, response_status, response_body,
                              response_headers)
VALUES (%(user_id)s, %(key)s, %(method)s, %(path)s, %(request_hash)s, %(status)s, %(body)s, %(headers)s)
ON CONFLICT (user_id, key) DO UPDATE SET method = EXCLUDED.method, path = EXCLUDED.path,
    request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
    response_body = EXCLUDED.response_body, response_headers = EXCLUDED.response_headers,
    created_at = now(), expires_at = now() + interval '24 hours'
"""
REPLAYED_HEADERS = ("etag", "location", "content-type")


class Writer:
    """Runs one write in one transaction, with Idempotency-Key semantics."""

    def __init__(self, request: Request, conn: Conn, actor: Actor) -> None:
        self.request = request
        self.conn = conn
        self.actor = actor

    async def __call__(self, work: Callable[[Conn], Awaitable[Response]], *, pipeline: bool = False) -> Response:
        """Run `work` in a transaction. With `pipeline`, the connection is in pipeline mode throughout, so BEGIN
        travels with the first query and COMMIT costs no extra wait for a reply: only for work that reads every
        result it depends on (an error then surfaces at the next read, not at the statement)."""
        if not pipeline:
            return await self._run(work)
        async with self.conn.pipeline():
            return await self._run(work)

    async def _run(self, work: Callable[[Conn], Awaitable[Response]]) -> Response:
        request, conn = self.request, self.conn
        key = request.headers.get("idempotency-key") or request.headers.get("x-idempotency-key")
        if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
            raise ValidationError(
                "Idempotency-Key must be 1-255 characters", errors={"Idempotency-Key": "1-255 characters"}
            )
        async with conn.transaction():
            if key is None:
                return await work(conn)
            body = await request.body()
            request_hash = hashlib.sha256(
                request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
            ).hexdigest()
            if not await fetch_val(
                conn, "SELECT pg_try_advisory_xact_lock(%(id)s)", {"id": _lock_id(self.actor.id, key)}
            ):
                return problem(
                    409,
                    "idempotency_in_flight",
                    "A request with this Idempotency-Key is still being processed; retry later",
                    headers={"Retry-After": "1"},
                )
            stored = await fetch_one(conn, SELECT_KEY, {"user_id": self.actor.id, "key": key})
            if stored is not None:
                if stored["request_hash"] != request_hash:
                    return problem(
                        422,
                        "idempotency_key_reused",
                        "This Idempotency-Key was used with a different request",
                        errors={"Idempotency-Key": "already used with another method, path or body"},
                    )
                headers = dict(stored["response_headers"]) | {"Idempotent-Replayed": "true"}
                return Response(bytes(stored["response_body"]), status_code=stored["response_status"], headers=headers)
            response = await work(conn)
            kept = {k: v for k, v in response.headers.items() if k in REPLAYED_HEADERS}
            await conn.execute(
                UPSERT_KEY,
                {
                    "user_id": self.actor.id,
                    "key": key,
                    "method": request.method,
                    "path": request.url.path,
                    "request_hash": request_hash,
                    "status": response.status_code,
                    "body": bytes(response.body),
                    "headers": Jsonb(kept),
                },
            )
            return response


async def writer(request: Request, conn: DB, actor: CurrentActor) -> Writer:
    return Writer(request, conn, actor)


Write = Annotated[Writer, Depends(writer)]
