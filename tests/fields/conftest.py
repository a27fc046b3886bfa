"""Helpers for custom field tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import unique
from tracker.db import Conn
from tracker.fields.types.version import VersionRef, set_version_provider


async def create_field(admin: httpx.AsyncClient, project_key: str | None, **body: Any) -> dict[str, Any]:
    body.setdefault("name", unique(f"{body['type']} "))
    if project_key is not None:
        body.setdefault("contexts", [{"projects": [project_key]}])
    r = await admin.post("/api/v1/fields", json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def shown(value: Any) -> Any:
    """A rendered custom field value reduced to names, for comparing with what a user typed."""
    if isinstance(value, list):
        return [shown(v) for v in value]
    if isinstance(value, dict):
        if "child" in value:
            return [value["value"]] + ([value["child"]["value"]] if value["child"] else [])
        for key in ("value", "username", "name"):
            if key in value:
                return value[key]
    return value


class FakeVersions:
    """Versions for version-picker tests, until the agile work adds the versions table."""

    def __init__(self) -> None:
        self.versions: list[VersionRef] = []

    def add(self, project_id: int, name: str) -> VersionRef:
        version = VersionRef(900_000 + len(self.versions), name, project_id)
        self.versions.append(version)
        return version

    async def in_project(self, conn: Conn, project_id: int) -> list[VersionRef]:
        return [v for v in self.versions if v.project_id == project_id]

    async def by_ids(self, conn: Conn, ids: list[int]) -> dict[int, VersionRef]:
        return {v.id: v for v in self.versions if v.id in ids}


@pytest.fixture
async def versions() -> AsyncIterator[FakeVersions]:
    fake = FakeVersions()
    previous = set_version_provider(fake)
    yield fake
    set_version_provider(previous)
