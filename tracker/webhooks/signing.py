"""HMAC-SHA256 signatures of webhook deliveries, as receivers verify them."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Tracklake-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header value of a body: `sha256=<hex digest>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether a received signature header matches the body (constant-time comparison)."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)
