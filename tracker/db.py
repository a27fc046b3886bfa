"""Connection types and small helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row

Conn = psycopg.AsyncConnection[DictRow]

# Options of the API's sessions (and of whatever stands in for them, such as benchmarks of its queries):
# - UTC, so timestamps read back look like the ones a write builds from its own clock;
# - no parallel query: the API's statements are pages and bounded counts (LIMIT), and the workers of a parallel
#   plan run far ahead of a LIMIT (a page of 51 text matches probed 52,691 issues in parallel and 3,596 alone,
#   5x the time), while the request's own process could have done the work.
SESSION_OPTIONS = "-c timezone=UTC -c max_parallel_workers_per_gather=0"


def one_line(sql: str) -> str:
    """A statement with its layout collapsed to single spaces.

    psycopg remembers how it converted a statement's `%(name)s` placeholders only for statements of up to
    4,096 characters (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH); a longer one is parsed again on every
    execution. For long statements run on every request, written without comments or string literals that hold
    runs of whitespace (both would change meaning).
    """
    if "--" in sql:
        raise ValueError("one_line() would turn a -- comment into the rest of the statement")
    return " ".join(sql.split())


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
