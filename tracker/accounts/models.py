"""Account data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated user on whose behalf an action runs."""

    id: int
    username: str
    display_name: str
    is_admin: bool
