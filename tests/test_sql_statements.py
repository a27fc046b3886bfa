"""The statements of the domain stay within what psycopg caches the parsing of (tracker.db.one_line)."""

from __future__ import annotations

import importlib
import pkgutil

from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

import tracker

SQL_STARTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


def test_every_statement_constant_is_short_enough_to_be_cached():
    checked, too_long = 0, []
    for info in pkgutil.walk_packages(tracker.__path__, "tracker."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and value.lstrip().upper().startswith(SQL_STARTS):
                checked += 1
                if len(value) > MAX_CACHED_STATEMENT_LENGTH:
                    too_long.append(f"{info.name}.{name}: {len(value)} characters")
    assert checked > 100  # the scan found the repositories' statements
    assert not too_long, too_long
