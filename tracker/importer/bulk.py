"""Bulk loads: set a table's secondary indexes and foreign keys aside while rows are copied in, then rebuild them.

Maintaining a dozen indexes (three of them full-text GIN) and checking seven foreign keys row by row costs far more
than the COPY itself; building an index once over the loaded table, and checking a foreign key with one join, costs
a fraction of it. This pays when the load is big relative to the table (see `worth_it`).

Everything happens inside the caller's transaction: the definitions are read from the catalog (so indexes other
work streams add, such as custom field indexes, are rebuilt exactly as they were), dropped, and re-created before
commit. PostgreSQL DDL is transactional, so a load that fails halfway rolls back to the tables, indexes and
constraints as they were, and nobody ever sees the table without them: the drop takes an ACCESS EXCLUSIVE lock
that readers and writers of the table wait on until commit. That is the price: use it for big loads (a generated
demo or benchmark data set, a first import), not on a busy tracker.

Primary keys stay (other tables' foreign keys rest on them), as do unique constraints that foreign keys use, CHECK
and NOT NULL constraints (cheap, row by row) and triggers (they belong to other domains).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tracker.db import Conn
from tracker.errors import Conflict

# Secondary indexes not backing a constraint, with their definitions.
SELECT_INDEXES = """
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS ddl
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = %(table)s::regclass AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
ORDER BY c.relname
"""
# Unique and foreign key constraints of the table that can be re-added from their definition; a unique constraint
# another table's foreign key depends on stays.
SELECT_CONSTRAINTS = """
SELECT k.conname AS name, k.contype AS type, pg_get_constraintdef(k.oid) AS ddl
FROM pg_constraint k
WHERE k.conrelid = %(table)s::regclass AND k.contype IN ('u', 'f')
  AND NOT (k.contype = 'u' AND EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = k.conindid))
ORDER BY k.contype DESC, k.conname
"""
# Constraint triggers deferred to commit (issues' cache stamps): a table with pending trigger events cannot be
# altered, so they run before the rebuild and are deferred again after it.
SELECT_DEFERRED = """
SELECT DISTINCT conname AS name FROM pg_constraint
WHERE conrelid = ANY(%(tables)s::regclass[]) AND contype = 't' AND condeferred
"""


def quote(name: str) -> str:
    """An identifier as PostgreSQL quotes it."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class SetAside:
    """What `plan` found on one table: the statements that drop its indexes and constraints, and re-create them."""

    table: str
    drops: list[str] = field(default_factory=list)
    creates: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # constraint triggers to run before re-creating


def plan(table: str, indexes: Sequence[dict[str, Any]], constraints: Sequence[dict[str, Any]]) -> SetAside:
    """The statements for a table, from the rows of SELECT_INDEXES and SELECT_CONSTRAINTS."""
    aside = SetAside(table)
    t = quote(table)
    # constraints first when dropping (a unique constraint owns its index), unique ones first when re-creating
    # (nothing depends on the order otherwise)
    for c in constraints:
        aside.drops.append(f"ALTER TABLE {t} DROP CONSTRAINT {quote(c['name'])}")
    for ix in indexes:
        aside.drops.append(f"DROP INDEX {quote(ix['name'])}")
    for c in constraints:
        aside.creates.append(f"ALTER TABLE {t} ADD CONSTRAINT {quote(c['name'])} {c['ddl']}")
    for ix in indexes:
        aside.creates.append(ix["ddl"])
    return aside


def worth_it(adding: int, existing: int) -> bool:
    """Whether rebuilding beats maintaining: the load at least half the size of what the table holds."""
    return adding >= 10_000 and adding * 2 >= existing


LOCK_TIMEOUT = "SET LOCAL lock_timeout = '5s'"
LOCK_TIMEOUT_OFF = "SET LOCAL lock_timeout TO DEFAULT"

# How much memory an index build may use (per build; the machine's other work has the rest).
MAINTENANCE_MEMORY = "SET LOCAL maintenance_work_mem = '256MB'"


def fire_deferred(names: Sequence[str], *, again: bool = False) -> list[str]:
    """SET CONSTRAINTS statements running the deferred constraint triggers now (or deferring them again)."""
    return [f"SET CONSTRAINTS {quote(n)} {'DEFERRED' if again else 'IMMEDIATE'}" for n in names]


# The steps of setting aside and rebuilding, free of I/O: each yields (statement, parameters) and is sent back the
# statement's rows as dicts. `set_aside`/`rebuild` run them on an async connection, `set_aside_sync`/`rebuild_sync`
# on a sync cursor (tracklake/generate.py), so both paths run the same statements.
Steps = Generator[tuple[str, dict[str, Any] | None], list[dict[str, Any]], Any]


def _set_aside_steps(tables: Sequence[str]) -> Steps:
    asides = []
    for table in tables:
        indexes = yield SELECT_INDEXES, {"table": table}
        constraints = yield SELECT_CONSTRAINTS, {"table": table}
        aside = plan(table, indexes, constraints)
        aside.deferred = [r["name"] for r in (yield SELECT_DEFERRED, {"tables": [table]})]
        asides.append(aside)
    # Each drop queues for an ACCESS EXCLUSIVE lock, and every reader and writer of the table queues behind it:
    # behind a long transaction, give up soon instead of stalling a live tracker (the runners raise `busy`).
    yield LOCK_TIMEOUT, None
    for aside in asides:
        for statement in aside.drops:
            yield statement, None
    yield LOCK_TIMEOUT_OFF, None
    return asides


def _rebuild_steps(asides: Sequence[SetAside]) -> Steps:
    deferred = sorted({n for a in asides for n in a.deferred})
    for statement in fire_deferred(deferred):
        yield statement, None
    yield MAINTENANCE_MEMORY, None
    for aside in asides:
        for statement in aside.creates:
            yield statement, None
    for statement in fire_deferred(deferred, again=True):
        yield statement, None


async def _run(conn: Conn, steps: Steps) -> Any:
    try:
        statement, params = next(steps)
        while True:
            # statements are built from catalog names, quoted, or are the catalog's own definitions
            cur = await conn.execute(statement, params)  # type: ignore[arg-type]
            rows = list(await cur.fetchall()) if cur.description else []
            statement, params = steps.send(rows)
    except StopIteration as done:
        return done.value


def _run_sync(cur: psycopg.Cursor[Any], steps: Steps) -> Any:
    try:
        statement, params = next(steps)
        while True:
            cur.execute(statement, params)  # type: ignore[arg-type]  # as in _run
            names = [c.name for c in cur.description] if cur.description else []
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()] if names else []
            statement, params = steps.send(rows)
    except StopIteration as done:
        return done.value


async def set_aside(conn: Conn, tables: Sequence[str]) -> list[SetAside]:
    """Drop the secondary indexes and foreign keys of `tables` in the caller's transaction (see the module)."""
    try:
        asides: list[SetAside] = await _run(conn, _set_aside_steps(tables))
    except psycopg.errors.LockNotAvailable:
        raise busy(tables) from None
    return asides


def set_aside_sync(cur: psycopg.Cursor[Any], tables: Sequence[str]) -> list[SetAside]:
    """`set_aside` on a sync cursor."""
    try:
        asides: list[SetAside] = _run_sync(cur, _set_aside_steps(tables))
    except psycopg.errors.LockNotAvailable:
        raise busy(tables) from None
    return asides


def busy(tables: Sequence[str]) -> Conflict:
    """The error of a fast load whose tables another transaction holds (see LOCK_TIMEOUT)."""
    return Conflict(
        f"The tables {', '.join(tables)} are in use, so their indexes cannot be set aside for a fast load;"
        " try again when the tracker is idle, or load without --fast"
    )


async def rebuild(conn: Conn, asides: Sequence[SetAside]) -> None:
    """Re-create what `set_aside` dropped (a foreign key is checked once over the whole table)."""
    await _run(conn, _rebuild_steps(asides))


def rebuild_sync(cur: psycopg.Cursor[Any], asides: Sequence[SetAside]) -> None:
    """`rebuild` on a sync cursor."""
    _run_sync(cur, _rebuild_steps(asides))
