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

from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg

from tracker.db import Conn, fetch_all
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


def plan(table: str, indexes: Sequence[dict[str, str]], constraints: Sequence[dict[str, str]]) -> SetAside:
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


async def set_aside(conn: Conn, tables: Sequence[str]) -> list[SetAside]:
    """Drop the secondary indexes and foreign keys of `tables` in the caller's transaction (see the module)."""
    asides = []
    for table in tables:
        indexes = await fetch_all(conn, SELECT_INDEXES, {"table": table})
        constraints = await fetch_all(conn, SELECT_CONSTRAINTS, {"table": table})
        aside = plan(table, indexes, constraints)
        aside.deferred = [r["name"] for r in await fetch_all(conn, SELECT_DEFERRED, {"tables": [table]})]
        asides.append(aside)
    # Each drop queues for an ACCESS EXCLUSIVE lock, and every reader and writer of the table queues behind it:
    # behind a long transaction, give up soon instead of stalling a live tracker.
    await conn.execute(LOCK_TIMEOUT)
    try:
        for aside in asides:
            for statement in aside.drops:
                await conn.execute(statement)  # type: ignore[arg-type]  # catalog names, quoted
    except psycopg.errors.LockNotAvailable:
        raise busy(tables) from None
    await conn.execute(LOCK_TIMEOUT_OFF)
    return asides


def busy(tables: Sequence[str]) -> Conflict:
    """The error of a fast load whose tables another transaction holds (see LOCK_TIMEOUT)."""
    return Conflict(
        f"The tables {', '.join(tables)} are in use, so their indexes cannot be set aside for a fast load;"
        " try again when the tracker is idle, or load without --fast"
    )


async def rebuild(conn: Conn, asides: Sequence[SetAside]) -> None:
    """Re-create what `set_aside` dropped (a foreign key is checked once over the whole table)."""
    deferred = sorted({n for a in asides for n in a.deferred})
    for statement in fire_deferred(deferred):
        await conn.execute(statement)  # type: ignore[arg-type]
    await conn.execute(MAINTENANCE_MEMORY)
    for aside in asides:
        for statement in aside.creates:
            await conn.execute(statement)  # type: ignore[arg-type]  # the catalog's own definitions
    for statement in fire_deferred(deferred, again=True):
        await conn.execute(statement)  # type: ignore[arg-type]
