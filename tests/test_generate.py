"""`tracklake generate`: bulk data whose history is consistent with the issues it describes."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from tests.conftest import drop_database, recreate_database
from tracker.agile.ranking import sequence_rank
from tracklake.generate import generate
from tracklake.migrate import migrate


@pytest.fixture
def fresh_url():
    name = f"tracklake_test_gen_{os.getpid()}"
    url = recreate_database(name)
    migrate(url)
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO users (username, display_name, is_admin) VALUES ('admin', 'Administrator', true)")
    yield url
    drop_database(name)


def test_generate_is_consistent_and_reproducible(fresh_url):
    result = generate(fresh_url, projects=3, issues=3000, history_per_issue=6, users=7, seed=42, chunk=1000)
    assert result.issues == 3000 and result.history_rows == 3000 * 6 and len(result.projects) == 3
    with psycopg.connect(fresh_url) as conn:
        # keys are 1..n per project with no gaps, and the project counters continue after them
        rows = conn.execute(
            "SELECT p.key, count(*), min(i.number), max(i.number), p.issue_seq FROM issues i"
            " JOIN projects p ON p.id = i.project_id GROUP BY p.key, p.issue_seq ORDER BY p.key"
        ).fetchall()
        assert [(r[1], r[2], r[3], r[4]) for r in rows] == [(1000, 1, 1000, 1000)] * 3
        assert conn.execute("SELECT count(*) FROM issue_history").fetchone() == (18000,)
        assert conn.execute("SELECT count(*) FROM issue_history WHERE is_create").fetchone() == (3000,)
        # the last change of each field leaves the value the issue holds now
        mismatches = conn.execute(
            """
            WITH last AS (
                SELECT DISTINCT ON (issue_id, field) issue_id, field, to_value
                FROM issue_history ORDER BY issue_id, field, occurred_at DESC, id DESC)
            SELECT count(*) FROM last JOIN issues i ON i.id = last.issue_id
            WHERE (field = 'status' AND to_value IS DISTINCT FROM i.status_id::text)
               OR (field = 'assignee' AND to_value IS DISTINCT FROM i.assignee_id::text)
               OR (field = 'priority' AND to_value IS DISTINCT FROM i.priority_id::text)
               OR (field = 'Story Points' AND to_value IS DISTINCT FROM i.story_points::int::text)
            """
        ).fetchone()
        assert mismatches == (0,)
        # each change starts from the previous value of its field
        broken_chain = conn.execute(
            """
            SELECT count(*) FROM (
                SELECT from_value, lag(to_value) OVER (PARTITION BY issue_id, field ORDER BY occurred_at, id) AS prev,
                       row_number() OVER (PARTITION BY issue_id, field ORDER BY occurred_at, id) AS n
                FROM issue_history WHERE field = 'status') s
            WHERE n > 1 AND from_value IS DISTINCT FROM prev
            """
        ).fetchone()
        assert broken_chain == (0,)
        # done issues are resolved, others are not
        assert conn.execute(
            "SELECT count(*) FROM issues i JOIN statuses s ON s.id = i.status_id"
            " WHERE (s.category = 'done') <> (i.resolution_id IS NOT NULL AND i.resolved_at IS NOT NULL)"
        ).fetchone() == (0,)
        assert conn.execute("SELECT count(DISTINCT change_id) FROM issue_history").fetchone() == (18000,)
        # ranks are what the column default (next_issue_rank()) would have given, computed without it
        ranks = [r[0] for r in conn.execute("SELECT rank FROM issues ORDER BY id").fetchall()]
        assert ranks == [sequence_rank(n) for n in range(1, 3001)]
        first = conn.execute("SELECT key, summary, status_id FROM issues ORDER BY key LIMIT 20").fetchall()
    name = f"tracklake_test_gen2_{os.getpid()}"
    url2 = recreate_database(name)
    try:
        migrate(url2)
        with psycopg.connect(url2) as conn:
            conn.execute("INSERT INTO users (username, display_name, is_admin) VALUES ('admin', 'A', true)")
        generate(url2, projects=3, issues=3000, history_per_issue=6, users=7, seed=42, chunk=1000)
        with psycopg.connect(url2) as conn:
            assert conn.execute("SELECT key, summary, status_id FROM issues ORDER BY key LIMIT 20").fetchall() == first
    finally:
        drop_database(name)


def test_generate_rejects_bad_arguments(fresh_url):
    with pytest.raises(ValueError):
        generate(fresh_url, projects=0, issues=10, history_per_issue=3)
    with pytest.raises(ValueError):
        generate(fresh_url, projects=1, issues=10, history_per_issue=0)
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT count(*) FROM projects").fetchone() == (0,)


SCHEMA = """
SELECT 'index' AS kind, indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS ddl FROM pg_index
WHERE indrelid IN ('issues'::regclass, 'issue_history'::regclass)
UNION ALL
SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid IN ('issues'::regclass, 'issue_history'::regclass)
ORDER BY 1, 2
"""


def _fresh(name: str) -> str:
    url = recreate_database(name)
    migrate(url)
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO users (username, display_name, is_admin) VALUES ('admin', 'Administrator', true)")
    return url


def _dump(url: str) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    with psycopg.connect(url) as conn:
        return (
            conn.execute("SELECT * FROM issues ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM issue_history ORDER BY id").fetchall(),
            conn.execute("SELECT key, issue_seq FROM projects ORDER BY key").fetchall(),
            conn.execute(SCHEMA).fetchall(),
        )


def test_the_fast_path_writes_exactly_what_the_row_by_row_path_writes():
    """Setting indexes and foreign keys aside for the load changes nothing but the speed, the schema included."""
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    dumps = []
    for fast in (False, True):
        name = f"tracklake_test_gen_{'fast' if fast else 'slow'}_{os.getpid()}"
        url = _fresh(name)
        try:
            before = _dump(url)[3]
            result = generate(
                url, projects=2, issues=2500, history_per_issue=5, users=5, seed=3, chunk=1000, fast=fast, now=now
            )
            assert result.history_rows == 2500 * 5
            dump = _dump(url)
            assert dump[3] == before  # every index and constraint is back, as it was
            dumps.append(dump)
        finally:
            drop_database(name)
    slow, fast_dump = dumps
    assert len(slow[0]) == 2500 and len(slow[1]) == 12500
    assert fast_dump == slow


def test_a_fast_load_that_fails_halfway_leaves_nothing_behind(fresh_url, monkeypatch):
    import tracklake.generate as generate_module

    real = generate_module._chunk
    calls = 0

    def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    before = _dump(fresh_url)[3]
    monkeypatch.setattr(generate_module, "_chunk", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(fresh_url, projects=1, issues=5000, history_per_issue=3, users=3, chunk=1000, fast=True)
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT count(*) FROM issues").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM issue_history").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM projects").fetchone() == (0,)
    assert _dump(fresh_url)[3] == before  # indexes and constraints were never gone for anyone else


def test_a_fast_load_gives_up_at_once_when_the_tables_are_in_use(fresh_url):
    """Behind a long transaction, setting indexes aside would queue every reader of issues behind the load."""
    import time

    from tracker.errors import Conflict

    with psycopg.connect(fresh_url) as reader:
        reader.execute("SELECT count(*) FROM issues")  # a transaction that holds the table (ACCESS SHARE)
        started = time.monotonic()
        with pytest.raises(Conflict, match="in use"):
            generate(fresh_url, projects=1, issues=2000, history_per_issue=2, users=2, chunk=1000, fast=True)
        assert time.monotonic() - started < 30
        reader.rollback()
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT count(*) FROM issues").fetchone() == (0,)
