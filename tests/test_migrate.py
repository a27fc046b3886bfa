"""Migrations apply exactly once, even when several processes start together."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import psycopg

from tests.conftest import drop_database, recreate_database
from tracklake.migrate import load_migrations, migrate


def test_concurrent_migrations_apply_each_file_once():
    name = f"tracklake_test_migrate_{os.getpid()}"
    url = recreate_database(name)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: migrate(url), range(4)))
    names = [m.name for m in load_migrations()]
    applied = [name for result in results for name in result]
    assert sorted(applied) == sorted(names), "every migration was applied by exactly one process"
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT name FROM schema_migrations ORDER BY version").fetchall()
        assert [r[0] for r in rows] == names
        assert conn.execute("SELECT count(*) FROM issue_types").fetchone() == (5,)
    assert migrate(url) == []
    drop_database(name)
