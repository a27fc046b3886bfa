"""Fixtures of the agile tests: boards, sprints, statuses, and readers of history and outbox rows."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import psycopg
import pytest

TODO, IN_PROGRESS, IN_REVIEW, DONE = 1, 3, 10002, 10001

BoardFactory = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_board(admin: httpx.AsyncClient, project: dict[str, Any]) -> BoardFactory:
    """Create a board in the test project (Scrum unless told), on a filter over the whole project."""

    async def factory(**fields: Any) -> dict[str, Any]:
        body = {"name": "Board " + secrets.token_hex(3), "type": "scrum", "project": project["key"], **fields}
        r = await admin.post("/api/v1/boards", json=body)
        assert r.status_code == 201, r.text
        data: dict[str, Any] = r.json()
        return data

    return factory


@pytest.fixture
def make_sprint(admin: httpx.AsyncClient) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def factory(board_id: int, **fields: Any) -> dict[str, Any]:
        r = await admin.post("/api/v1/sprints", json={"board_id": board_id, **fields})
        assert r.status_code == 201, r.text
        data: dict[str, Any] = r.json()
        return data

    return factory


async def rows(db: psycopg.AsyncConnection[Any], sql: str, *params: Any) -> list[dict[str, Any]]:
    cur = await db.execute(sql, params)  # type: ignore[arg-type]
    return list(await cur.fetchall())


async def history(db: psycopg.AsyncConnection[Any], key: str, field: str | None = None) -> list[dict[str, Any]]:
    """History rows of an issue (of one field), oldest first."""
    return await rows(
        db,
        "SELECT change_id, occurred_at, field, field_type, from_value, from_string, to_value, to_string, is_create"
        " FROM issue_history WHERE issue_key = %s AND (%s::text IS NULL OR field = %s) ORDER BY id",
        key,
        field,
        field,
    )


async def events(
    db: psycopg.AsyncConnection[Any], *, key: str | None = None, project: str | None = None, type: str | None = None
) -> list[dict[str, Any]]:
    """Outbox events of an issue or a project, oldest first."""
    return await rows(
        db,
        "SELECT event_id, event_type, occurred_at, issue_key, project_key, payload FROM outbox"
        " WHERE (%s::text IS NULL OR issue_key = %s) AND (%s::text IS NULL OR project_key = %s)"
        " AND (%s::text IS NULL OR event_type = %s) ORDER BY id",
        key,
        key,
        project,
        project,
        type,
        type,
    )


async def set_status(db: psycopg.AsyncConnection[Any], key: str, status_id: int) -> None:
    """Move an issue to a status the way any writer does (the workflow engine is tested elsewhere)."""
    await db.execute(
        "UPDATE issues SET status_id = %s, version = version + 1, updated_at = now() WHERE key = %s", (status_id, key)
    )


async def sprint_ids(db: psycopg.AsyncConnection[Any], key: str) -> list[int]:
    """The sprints in an issue's Sprint field."""
    found = await rows(
        db,
        "SELECT x.sprint_id FROM issue_sprints x JOIN issues i ON i.id = x.issue_id WHERE i.key = %s ORDER BY 1",
        key,
    )
    return [r["sprint_id"] for r in found]


async def restrict_project(db: psycopg.AsyncConnection[Any], project_key: str, permissions: list[str]) -> None:
    """Give a project a scheme that grants only `permissions` to everyone."""
    cur = await db.execute(
        "INSERT INTO permission_schemes (name) VALUES (%s) RETURNING id", ("agile test " + secrets.token_hex(4),)
    )
    row = await cur.fetchone()
    assert row is not None
    for p in permissions:
        await db.execute(
            "INSERT INTO permission_grants (scheme_id, permission, grantee_type) VALUES (%s, %s, 'anyone')",
            (row["id"], p),
        )
    await db.execute("UPDATE projects SET permission_scheme_id = %s WHERE key = %s", (row["id"], project_key))


def column_keys(view: dict[str, Any]) -> list[list[str]]:
    """The issue keys of each column of a board view."""
    return [[c["key"] for c in col["issues"]] for col in view["columns"]]
