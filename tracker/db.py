"""Connection types and small helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row

Conn = psycopg.AsyncConnection[DictRow]


async def fetch_one(conn: Conn, sql: str, params: dict[str, Any] | None = None) -> DictRow | None:
    """Run a query and return its first row, or None."""
    cur = await conn.execute(sql, params or {})
    return await cur.fetchone()


async def fetch_all(conn: Conn, sql: str, params: dict[str, Any] | None = None) -> list[DictRow]:
    """Run a query and return all its rows."""
    cur = await conn.execute(sql, params or {})
    return await cur.fetchall()


async def fetch_val(conn: Conn, sql: str, params: dict[str, Any] | None = None) -> Any:
    """Run a query and return the first column of its first row, or None."""
    row = await fetch_one(conn, sql, params)
    return None if row is None else next(iter(row.values()))


async def connect(url: str, **kwargs: Any) -> Conn:
    """Open a dict-row async connection."""
    return await psycopg.AsyncConnection.connect(url, row_factory=dict_row, **kwargs)
