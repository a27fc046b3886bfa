"""Run JQL: parse, load the catalog, compile with the caller's browse scope, execute.

PostgreSQL serves every query. With an Elasticsearch client, queries go there instead, except those whose
sub-query functions need the relational engine, which fall back to PostgreSQL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg.rows import DictRow
from sqlglot import exp

import jql
from jql.ast import And, Query
from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_val
from tracker.issues.repository import ISSUE_SELECT
from tracker.permissions import browsable_project_ids
from tracker.search.catalog import load_catalog

MAX_RESULTS_CAP = 1000


@dataclass(frozen=True)
class SearchPage:
    total: int
    start_at: int
    max_results: int
    issue_ids: list[int]


def combine(query: Query, extra: Query | None) -> Query:
    """`query AND extra`, keeping the first query's ORDER BY (or the extra's when the first has none)."""
    if extra is None or extra.where is None:
        return query if extra is None or query.order_by else dataclasses.replace(query, order_by=extra.order_by)
    where = extra.where if query.where is None else And((query.where, extra.where))
    return dataclasses.replace(query, where=where, order_by=query.order_by or extra.order_by)


async def search_issue_ids(
    conn: Conn,
    actor: Actor,
    jql_text: str,
    *,
    extra_jql: str | None = None,
    start_at: int = 0,
    max_results: int | None = None,
    now: datetime | None = None,
    es: Any | None = None,
    es_index: str = "issues",
) -> tuple[int, list[int]]:
    """(total, ordered ids of one page) of issues matching the JQL that the actor may browse."""
    page = await search(
        conn,
        actor,
        jql_text,
        extra_jql=extra_jql,
        start_at=start_at,
        max_results=max_results,
        now=now,
        es=es,
        es_index=es_index,
    )
    return page.total, page.issue_ids


async def search(
    conn: Conn,
    actor: Actor,
    jql_text: str,
    *,
    extra_jql: str | None = None,
    start_at: int = 0,
    max_results: int | None = None,
    now: datetime | None = None,
    es: Any | None = None,
    es_index: str = "issues",
) -> SearchPage:
    """One page of matching issue ids; raises jql.JqlError for an invalid query."""
    query = combine(jql.parse(jql_text), jql.parse(extra_jql) if extra_jql else None)
    scope = await browsable_project_ids(conn, actor)
    catalog = await load_catalog(conn, visible_projects=scope, queries=[query])
    context = jql.QueryContext(user_id=actor.id, now=now or datetime.now(UTC))
    try:
        bound = jql.analyze(query, catalog, context)
    except jql.JqlSemanticError:
        # Rare: read enough user names to suggest the one meant, then report the (better) error.
        catalog = await load_catalog(conn, visible_projects=scope, queries=[query], suggest_users=True)
        jql.analyze(query, catalog, context)
        raise
    limit = None if max_results is None else min(max_results, MAX_RESULTS_CAP)
    if es is not None:
        try:
            return await _search_es(es, es_index, query, catalog, scope, context, start_at, limit)
        except NotImplementedError:
            pass  # sub-query functions: PostgreSQL answers
    select = jql.compile_bound(bound, catalog, "postgres", scope=scope, limit=limit, offset=start_at or None)
    counted = select.copy()
    for arg in ("order", "limit", "offset"):
        counted.set(arg, None)
    total = await fetch_val(conn, exp.select("count(*)").from_(counted.subquery("matches")).sql("postgres"))
    rows = await fetch_all(conn, select.sql("postgres"))
    return SearchPage(int(total), start_at, limit if limit is not None else len(rows), [r["id"] for r in rows])


async def _search_es(
    es: Any, index: str, query: Query, catalog: Any, scope: Any, context: Any, start_at: int, limit: int | None
) -> SearchPage:
    search = jql.to_es(query, catalog, scope=scope, context=context, index=index)
    size = limit if limit is not None else MAX_RESULTS_CAP
    body = search.extra(from_=start_at, size=size, track_total_hits=True, _source=False).to_dict()
    response = await es.search(index=index, body=body)
    hits = response["hits"]
    return SearchPage(int(hits["total"]["value"]), start_at, size, [int(h["_id"]) for h in hits["hits"]])


async def search_issues(conn: Conn, actor: Actor, jql_text: str, **kwargs: Any) -> tuple[SearchPage, list[DictRow]]:
    """A page of matching issues as full rows, in the query's order."""
    page = await search(conn, actor, jql_text, **kwargs)
    if not page.issue_ids:
        return page, []
    rows = await fetch_all(conn, ISSUE_SELECT + " WHERE i.id = ANY(%(ids)s)", {"ids": page.issue_ids})
    by_id = {r["id"]: r for r in rows}
    return page, [by_id[i] for i in page.issue_ids if i in by_id]
