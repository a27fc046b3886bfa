"""Account data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated user on whose behalf an action runs."""

    id: int
    username: str
    display_name: str
    is_admin: bool

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Actor:
        """From a `users` row (id, username, display_name, is_admin)."""
        return cls(id=row["id"], username=row["username"], display_name=row["display_name"], is_admin=row["is_admin"])
