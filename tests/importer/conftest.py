"""Fixtures of the import tests: a unique project key and import source per test, and a runner."""

from __future__ import annotations

import secrets
import string
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import psycopg
import pytest

from tracker.importer import ImportSummary, bundle_from_data, run_import

Importer = Callable[..., Awaitable[ImportSummary]]


@pytest.fixture
def key() -> str:
    """A fresh project key (letters only, so it never looks like a number)."""
    return "JI" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))


@pytest.fixture
def source() -> str:
    """A fresh import source: the same Jira ids in another test are another Jira site."""
    return "jira-" + secrets.token_hex(4)


@pytest.fixture
def run(database_url: str, admin: httpx.AsyncClient, source: str) -> Importer:
    """Import a bundle (a dict) in its own transaction as `admin` (the app fixture created it)."""

    async def runner(bundle: dict[str, Any], **kwargs: Any) -> ImportSummary:
        kwargs.setdefault("source", source)
        return await run_import(database_url, bundle_from_data(bundle), **kwargs)

    return runner


async def rows(db: psycopg.AsyncConnection[Any], sql: str, *params: Any) -> list[dict[str, Any]]:
    cur = await db.execute(sql, params)  # type: ignore[arg-type]
    return list(await cur.fetchall())


async def one(db: psycopg.AsyncConnection[Any], sql: str, *params: Any) -> Any:
    found = await rows(db, sql, *params)
    return next(iter(found[0].values())) if found else None


# What an import writes, table by table: re-importing must leave every number as it was.
FOOTPRINT = """
SELECT (SELECT count(*) FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.key = %(k)s) AS issues,
       (SELECT coalesce(sum(version), 0) FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.key = %(k)s)
           AS versions,
       (SELECT max(updated_at) FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.key = %(k)s) AS updated,
       (SELECT count(*) FROM issue_history h JOIN projects p ON p.id = h.project_id WHERE p.key = %(k)s) AS history,
       (SELECT count(*) FROM outbox WHERE project_key = %(k)s) AS outbox,
       (SELECT count(*) FROM issue_sprints x JOIN issues i ON i.id = x.issue_id JOIN projects p ON p.id = i.project_id
        WHERE p.key = %(k)s) AS memberships,
       (SELECT count(*) FROM boards b JOIN projects p ON p.id = b.project_id WHERE p.key = %(k)s) AS boards,
       (SELECT max(b.updated_at) FROM boards b JOIN projects p ON p.id = b.project_id WHERE p.key = %(k)s)
           AS board_updated,
       (SELECT count(*) FROM board_columns c JOIN boards b ON b.id = c.board_id JOIN projects p ON p.id = b.project_id
        WHERE p.key = %(k)s) AS columns,
       (SELECT count(*) FROM sprints s JOIN boards b ON b.id = s.board_id JOIN projects p ON p.id = b.project_id
        WHERE p.key = %(k)s) AS sprints,
       (SELECT max(s.updated_at) FROM sprints s JOIN boards b ON b.id = s.board_id JOIN projects p
        ON p.id = b.project_id WHERE p.key = %(k)s) AS sprint_updated,
       (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM statuses) AS statuses,
       (SELECT count(*) FROM workflows) AS workflows,
       (SELECT sum(version) FROM workflows) AS workflow_versions,
       (SELECT count(*) FROM workflow_transitions) AS transitions,
       (SELECT count(*) FROM workflow_schemes) AS schemes,
       (SELECT count(*) FROM saved_filters) AS filters,
       (SELECT count(*) FROM import_external_ids WHERE source = %(s)s) AS mappings,
       (SELECT count(*) FROM comments c JOIN issues i ON i.id = c.issue_id JOIN projects p ON p.id = i.project_id
        WHERE p.key = %(k)s) AS comments,
       (SELECT count(*) FROM issue_links l JOIN issues i ON i.id = l.source_issue_id JOIN projects p
        ON p.id = i.project_id WHERE p.key = %(k)s) AS links,
       (SELECT count(*) FROM versions v JOIN projects p ON p.id = v.project_id WHERE p.key = %(k)s) AS versions_,
       (SELECT max(v.updated_at) FROM versions v JOIN projects p ON p.id = v.project_id WHERE p.key = %(k)s)
           AS version_updated,
       (SELECT count(*) FROM components c JOIN projects p ON p.id = c.project_id WHERE p.key = %(k)s) AS components,
       (SELECT count(*) FROM issue_fix_versions) + (SELECT count(*) FROM issue_affects_versions)
           + (SELECT count(*) FROM issue_components) AS members,
       (SELECT count(*) FROM custom_fields) AS custom_fields,
       (SELECT count(*) FROM custom_field_options) AS options,
       (SELECT count(*) FROM link_types) AS link_types,
       (SELECT md5(string_agg(i.custom_fields::text, ',' ORDER BY i.id)) FROM issues i JOIN projects p
        ON p.id = i.project_id WHERE p.key = %(k)s) AS custom_values
"""


async def footprint(db: psycopg.AsyncConnection[Any], key: str, source: str) -> dict[str, Any]:
    cur = await db.execute(FOOTPRINT, {"k": key, "s": source})
    row = await cur.fetchone()
    assert row is not None
    return dict(row)
