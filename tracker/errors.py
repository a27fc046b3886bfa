"""One error hierarchy for the domain; api/ maps it to problem+json responses."""

from __future__ import annotations

from typing import Any


class TrackerError(Exception):
    """A domain error with a stable machine-readable code and an HTTP-like status."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, errors: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.extra = extra


class ValidationError(TrackerError):
    code = "validation_error"
    status = 422


class NotFound(TrackerError):
    code = "not_found"
    status = 404


class Unauthorized(TrackerError):
    code = "unauthorized"
    status = 401


class Forbidden(TrackerError):
    code = "forbidden"
    status = 403


class Conflict(TrackerError):
    code = "conflict"
    status = 409


class VersionConflict(Conflict):
    code = "version_conflict"


class AlreadyExists(Conflict):
    code = "already_exists"


class RateLimited(TrackerError):
    """Too many requests: `retry_after` seconds until one is allowed again."""

    code = "rate_limited"
    status = 429


class TransitionNotAllowed(TrackerError):
    code = "transition_not_allowed"
    status = 409
