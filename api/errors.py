"""The one place that maps errors to HTTP responses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.responses import problem
from jql import JqlError
from tracker.errors import RateLimited, TrackerError, Unauthorized, VersionConflict

log = logging.getLogger("tracklake.api")


def _loc(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def tracker_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TrackerError)
    headers = (
        {"WWW-Authenticate": 'Bearer realm="tracklake", Basic realm="tracklake"'}
        if isinstance(exc, Unauthorized)
        else None
    )
    if isinstance(exc, VersionConflict):
        headers = {"ETag": f'"{exc.extra["current_version"]}"'}
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.extra["retry_after"])}
    return problem(exc.status, exc.code, exc.message, errors=exc.errors or None, headers=headers, **exc.extra)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errs = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errs):
        return problem(
            400,
            "malformed_json",
            "The request body is not valid JSON",
            detail=str(errs[0].get("ctx", {}).get("error", "")) or None,
        )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body_not_json = content_type and content_type != "application/json" and not content_type.endswith("+json")
    if body_not_json and any(tuple(e.get("loc", ())) == ("body",) for e in errs):
        # e.g. curl -d without -H 'Content-Type: application/json' sends a form
        return problem(
            415,
            "unsupported_media_type",
            f"The request body must be JSON, sent with Content-Type: application/json (not {content_type})",
        )
    errors: dict[str, str] = {}
    for e in errs:
        loc = tuple(e.get("loc", ()))
        message = e.get("msg", "invalid")
        if e.get("type") == "extra_forbidden" and loc == ("body", "status") and request.method == "PATCH":
            message = "status changes go through transitions: POST /api/v1/issues/{key}/transitions"
        errors.setdefault(_loc(loc), message)
    return problem(422, "validation_error", "The request is not valid", errors=errors)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 401: "unauthorized"}
    return problem(
        exc.status_code,
        codes.get(exc.status_code, "http_error"),
        str(exc.detail),
        headers=getattr(exc, "headers", None),
    )


async def jql_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, JqlError)
    return problem(400, exc.code, str(exc), detail=exc.pointer(), errors={"jql": exc.message}, jql=exc.to_dict())


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "internal_error", "Internal server error")


def install(app: FastAPI) -> None:
    """Register the error handlers."""
    app.add_exception_handler(TrackerError, tracker_error)
    app.add_exception_handler(JqlError, jql_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
