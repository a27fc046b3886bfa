"""Fast JSON responses and problem+json errors."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class Json(JSONResponse):
    """JSON rendered with orjson (datetimes, UUIDs and decimals included)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_default)


def _default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


class Problem(Json):
    media_type = "application/problem+json"


def problem(
    status: int,
    code: str,
    title: str,
    *,
    detail: str | None = None,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Problem:
    """An RFC 9457 problem response with a stable `code`."""
    body: dict[str, Any] = {"type": f"urn:tracklake:problem:{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Problem(body, status_code=status, headers=headers)
