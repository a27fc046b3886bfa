"""Elasticsearch against PostgreSQL on a real server: the same queries give the same issues in the same order.

Runs only when `TRACKLAKE_ELASTICSEARCH_URL` names a server (the client, elasticsearch-py 9, needs Elasticsearch 9).
A uniquely named index is created, filled from the test database by the real `reindex()` (and then kept current by
the real `SearchIndexer`), searched through `tracker.search.execute.search` with and without the client, and
deleted at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest

from pipelines.consumers.search import SearchIndexer, reindex
from tests.pipeline.search_data import build_rich_project, comparison_queries, ok
from tracker.accounts.models import Actor
from tracker.events import Event
from tracker.search.es import elasticsearch_client
from tracker.search.execute import MAX_RESULTS_CAP, search

ES_URL = os.environ.get("TRACKLAKE_ELASTICSEARCH_URL", "")
if not ES_URL:
    pytest.skip("TRACKLAKE_ELASTICSEARCH_URL is not set: no Elasticsearch to compare with", allow_module_level=True)


@pytest.fixture
async def es() -> AsyncIterator[Any]:
    client = elasticsearch_client(ES_URL)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def index(es: Any) -> AsyncIterator[str]:
    name = f"tracklake-test-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        yield name
    finally:
        await es.indices.delete(index=name, ignore_unavailable=True)


async def _actor(db: psycopg.AsyncConnection[Any], username: str) -> Actor:
    cur = await db.execute("SELECT id, username, display_name, is_admin FROM users WHERE username = %s", (username,))
    row = await cur.fetchone()
    assert row is not None
    return Actor.from_row(row)


async def _both(db: psycopg.AsyncConnection[Any], actor: Actor, jql: str, es: Any, index: str) -> None:
    # Elasticsearch serves pages (a search for every match at once reads PostgreSQL): one page of up to the cap.
    on_pg = await search(db, actor, jql, max_results=MAX_RESULTS_CAP)
    on_es = await search(db, actor, jql, max_results=MAX_RESULTS_CAP, es=es, es_index=index)
    assert on_es.issue_ids == on_pg.issue_ids, jql
    assert (on_es.total, on_es.total_is_exact) == (on_pg.total, on_pg.total_is_exact), jql
    paged_pg = await search(db, actor, jql, start_at=1, max_results=2)
    paged_es = await search(db, actor, jql, start_at=1, max_results=2, es=es, es_index=index)
    assert (paged_es.issue_ids, paged_es.total, paged_es.is_last) == (
        paged_pg.issue_ids,
        paged_pg.total,
        paged_pg.is_last,
    ), jql


async def test_elasticsearch_answers_as_postgresql(
    admin: httpx.AsyncClient, make_user: Any, db: psycopg.AsyncConnection[Any], database_url: str, es: Any, index: str
) -> None:
    data = await build_rich_project(admin, make_user)
    indexed = await reindex(es, database_url, index)
    assert indexed >= 3 + len(data.plain)
    got = await es.get(index=index, id=str(data.rich["id"]))
    assert got["_source"]["sprint_ids"] == [data.sprint["id"]]

    admin_actor, alice = await _actor(db, "admin"), await _actor(db, data.alice)
    texts = comparison_queries(data)
    matched = 0
    for jql in texts:
        page = await search(db, admin_actor, jql)
        matched += bool(page.issue_ids)
        await _both(db, admin_actor, jql, es, index)
    assert matched >= len(texts) * 3 // 4, "most queries should find something, or the comparison proves little"
    for jql in texts[:10]:  # a user's scope (their browsable projects) is added by the compiler on both paths
        await _both(db, alice, jql, es, index)

    # The indexer keeps the index current for changes that do not bump the issue's version.
    indexer = SearchIndexer(es, database_url, index)
    seen = await _outbox_count(db, data.key)
    _, carol_client = await make_user()
    await ok(await carol_client.post(f"/api/v1/issues/{data.blocked['key']}/watchers"))
    await ok(await admin.patch(f"/api/v1/sprints/{data.sprint['id']}", json={"name": "Sprint Aardvark"}))
    await ok(await admin.patch(f"/api/v1/components/{data.components[1]['id']}", json={"name": "aaa-frontend"}))
    new_events = await _outbox_since(db, data.key, seen)
    assert [e.type for e in new_events] == ["watcher.added", "sprint.updated", "component.updated"]
    await indexer.apply(new_events, "live")
    await es.indices.refresh(index=index)
    for jql in (
        f"project = {data.key} AND watcher is not EMPTY ORDER BY key",
        f"project = {data.key} ORDER BY sprint, key",
        f"project = {data.key} ORDER BY component, key",
        f'project = {data.key} AND sprint = "Sprint Aardvark"',
    ):
        await _both(db, admin_actor, jql, es, index)


async def _outbox_count(db: psycopg.AsyncConnection[Any], project_key: str) -> int:
    cur = await db.execute("SELECT count(*) AS n FROM outbox WHERE project_key = %s", (project_key,))
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


async def _outbox_since(db: psycopg.AsyncConnection[Any], project_key: str, skip: int) -> list[Event]:
    cur = await db.execute(
        "SELECT payload FROM outbox WHERE project_key = %s ORDER BY id OFFSET %s", (project_key, skip)
    )
    return [Event.model_validate(r["payload"]) for r in await cur.fetchall()]


async def test_the_indexer_creates_its_index_with_the_mapping_before_writing(
    admin: httpx.AsyncClient, make_user: Any, db: psycopg.AsyncConnection[Any], database_url: str, es: Any, index: str
) -> None:
    """Left to Elasticsearch, the first bulk `index` would create the index with a guessed mapping."""
    data = await build_rich_project(admin, make_user)
    events = await _outbox_since(db, data.key, 0)
    await SearchIndexer(es, database_url, index).apply(events[:5], "live")
    mapping = (await es.indices.get_mapping(index=index))[index]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["rank"]["type"] == "keyword"
    assert mapping["properties"]["history"]["type"] == "nested"
    # A second indexer on the existing index brings its mapping up to date (nothing to change here) and writes.
    await es.indices.refresh(index=index)
    before = (await es.count(index=index))["count"]
    await SearchIndexer(es, database_url, index).apply(events[5:10], "live")
    await es.indices.refresh(index=index)
    assert before > 0 and (await es.count(index=index))["count"] >= before
