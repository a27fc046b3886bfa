"""Run JQL: parse, load the catalog, compile with the caller's browse scope, execute.

PostgreSQL serves every query. With an Elasticsearch client, queries go there instead, except those whose
sub-query functions need the relational engine, which fall back to PostgreSQL.

Totals: an exact `count(*)` over a broad filter costs far more than its page (100 ms for 150k matches at
1M issues, against 1 ms for the page), so a page is fetched with one extra row and the count is bounded:
* the page is the last one (fewer than maxResults + 1 rows came back): total = startAt + page, exact, and no
  count query runs at all;
* otherwise matches are counted up to `count_limit` (TOTAL_COUNT_LIMIT, or the end of the requested page
  when that is further): fewer means exact; reaching it means `total` is a lower bound, and
  `total_is_exact` is False — as Elasticsearch's `track_total_hits` reports `"relation": "gte"`;
* `exact_total=True`, or a page of 0 results (a request for the count alone), always counts exactly.
`is_last` is exact in every case.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import elasticsearch
from psycopg.rows import DictRow
from sqlglot import exp

import jql
from jql.ast import And, Query
from jql.bound import BoundQuery
from jql.to_sql import is_one_whole_word, is_split, text_match_probes
from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_val
from tracker.issues.repository import ISSUE_SELECT
from tracker.permissions import browsable_project_ids
from tracker.search.catalog import load_catalog
from tracker.search.es import DEFAULT_INDEX

log = logging.getLogger(__name__)

MAX_RESULTS_CAP = 1000
# Matches counted before `total` becomes a lower bound. Counting costs one to ten microseconds a match (the
# rows a filter reads to find them), so 1,000 keeps the count within a page's budget (Elasticsearch's own
# default bound is 10,000).
TOTAL_COUNT_LIMIT = 1_000
# A full-text match finding fewer documents than this (or than twice the planner's estimate, see
# `_few_text_matches`) is read from the GIN index first and handed to the compiler as ids (see
# jql.to_sql.SqlCompiler._indexed_text); with more, the planner may walk an ORDER BY index and stop after a page.
FEW_TEXT_MATCHES = 10_000
# The most ids a text match read first may hand the compiler (when the planner expected about half as many).
MAX_TEXT_IDS = 50_000


@dataclass(frozen=True)
class SearchPage:
    """One page of matches. `total` is exact when `total_is_exact`, else a lower bound; `is_last` is exact."""

    total: int
    start_at: int
    max_results: int
    issue_ids: list[int]
    total_is_exact: bool = True
    is_last: bool = True


def page_total(
    start_at: int, limit: int, fetched: int, counted: int | None, counted_all: bool
) -> tuple[int, bool, bool]:
    """(total, total_is_exact, is_last) of a page fetched with `limit + 1` rows and perhaps a count.

    `fetched` is how many rows the page query returned (at most `limit + 1`); `counted` is what the count
    query found (None when none ran) and `counted_all` whether it saw every match rather than stopping
    at its bound. Without a count the page must be the last one, and then it is its own total.
    """
    more = fetched > limit
    if counted is None:
        if more or not (fetched or start_at == 0):
            raise ValueError("a page that is not the last one needs a count")
        return start_at + fetched, True, True
    # A concurrent write between the two queries must not make total contradict the page.
    total = max(counted, start_at + limit + 1) if more else counted
    exact = counted_all and total == counted
    is_last = not more if limit > 0 else exact and start_at >= total
    return total, exact, is_last


def count_limit_for(start_at: int, limit: int) -> int:
    """How far a bounded count goes: TOTAL_COUNT_LIMIT, or past the requested page when that is further."""
    return max(TOTAL_COUNT_LIMIT, start_at + limit + 1)


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
    es_index: str = DEFAULT_INDEX,
) -> tuple[int, list[int]]:
    """(total, ordered ids of one page) of issues matching the JQL that the actor may browse.

    With `max_results=None` (every match) the total is exact; with a page size it may be a lower bound
    (see `search` for `total_is_exact`).
    """
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
    es_index: str = DEFAULT_INDEX,
    exact_total: bool = False,
    trace: list[str] | None = None,
) -> SearchPage:
    """One page of matching issue ids; raises jql.JqlError for an invalid query.

    `max_results=None` returns every match from `start_at` on (total exact); otherwise see the module
    docstring for when `total` is exact. `trace`, when given, receives each SQL statement run (benchmarks
    explain them).
    """
    sql = _Sql(conn, trace)
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
    if es is not None and limit is not None:  # every match at once (no page) is read from PostgreSQL
        try:
            return await _search_es(es, es_index, query, catalog, scope, context, start_at, limit, exact_total)
        except NotImplementedError:
            pass  # sub-query functions: PostgreSQL answers
        except (elasticsearch.TransportError, elasticsearch.ApiError) as exc:
            if not es_outage(exc):
                raise
            log.warning("search: Elasticsearch did not answer (%s); PostgreSQL answers instead", exc)
    if limit is None:
        # Every match from start_at on: the rows themselves are the count.
        few = await _few_text_matches(sql, bound)
        select = jql.compile_bound(bound, catalog, "postgres", scope=scope, offset=start_at or None, text_matches=few)
        ids = [r["id"] for r in await sql.all(select)]
        if ids or not start_at:
            return SearchPage(start_at + len(ids), start_at, len(ids), ids)
        total = await _count(sql, select, None)
        return SearchPage(total, start_at, 0, ids)
    few = await _few_text_matches(sql, bound)
    rows: list[int] = []
    if limit > 0:
        select = jql.compile_bound(
            bound, catalog, "postgres", scope=scope, limit=limit + 1, offset=start_at or None, text_matches=few
        )
        rows = [r["id"] for r in await sql.all(select)]
    else:
        select = jql.compile_bound(bound, catalog, "postgres", scope=scope, text_matches=few)
    counted: int | None = None
    counted_all = True
    if limit == 0 or len(rows) > limit or (not rows and start_at):  # a last page is its own count
        if is_split(select):  # a page read per sort value: count the plain query
            select = jql.compile_bound(bound, catalog, "postgres", scope=scope, text_matches=few)
        if limit == 0 or exact_total:
            counted = await _count(sql, select, None)
        else:
            bound_at = count_limit_for(start_at, limit)
            counted = await _count(sql, select, bound_at)
            counted_all = counted < bound_at
    total, exact, is_last = page_total(start_at, limit, len(rows), counted, counted_all)
    return SearchPage(total, start_at, limit, rows[:limit], total_is_exact=exact, is_last=is_last)


class _Sql:
    """Runs compiled statements on PostgreSQL, noting each in `trace` when one is kept."""

    def __init__(self, conn: Conn, trace: list[str] | None) -> None:
        self.conn, self.trace = conn, trace

    def _text(self, select: exp.Select) -> str:
        # Without sqlglot's defensive copy of the tree (a third of the cost): each compiled statement is
        # rendered once, and a count built from it afterwards renders the same query.
        text = select.sql("postgres", copy=False)
        if self.trace is not None:
            self.trace.append(text)
        return text

    async def all(self, select: exp.Select) -> list[DictRow]:
        return await fetch_all(self.conn, self._text(select))

    async def value(self, select: exp.Select) -> Any:
        return await fetch_val(self.conn, self._text(select))


async def _few_text_matches(sql: _Sql, bound: BoundQuery) -> dict[str, list[int]]:
    """The issue ids of each indexed text match of the query that finds fewer than FEW_TEXT_MATCHES documents.

    They are read in a statement of their own, so under READ COMMITTED the text match sees a snapshot a
    moment older than the rest of the query, as the count already does. The planner's estimate sets how many
    are read: up to twice the estimate (at least FEW_TEXT_MATCHES, at most MAX_TEXT_IDS). Above half of
    MAX_TEXT_IDS, one whole word is not read at all (reading ids only to drop them cost a common word 15-25 ms
    at a million issues); anything else is read up to FEW_TEXT_MATCHES as before, since the planner ignores
    weights (`comment ~ w` is estimated as `text ~ w`) and walking the ORDER BY index for a rare match costs
    seconds.
    """
    few = {}
    for key, probe in text_match_probes(bound, FEW_TEXT_MATCHES).items():
        every = probe.copy()
        every.set("limit", None)
        estimate = await _estimated_rows(sql, every)
        if estimate > MAX_TEXT_IDS / 2:
            if is_one_whole_word(key):
                continue  # a common word, and the estimate can be trusted: the SQL matches it itself
            limit = FEW_TEXT_MATCHES  # perhaps rare after all (a weight, words that seldom meet): look
        else:
            # Room for twice the estimate: a match estimated near FEW_TEXT_MATCHES is read whole, not dropped.
            limit = max(FEW_TEXT_MATCHES, min(MAX_TEXT_IDS, round(estimate * 2)))
        rows = await sql.all(probe.limit(limit, copy=False))
        if len(rows) < limit:
            few[key] = [r["issue_id"] for r in rows]
    return few


async def _estimated_rows(sql: _Sql, select: exp.Select) -> float:
    """The planner's estimate of the rows a statement returns (EXPLAIN: planned, not run)."""
    plan = await fetch_val(sql.conn, "EXPLAIN (FORMAT JSON) " + select.sql("postgres", copy=False))
    return float(plan[0]["Plan"]["Plan Rows"])


async def _count(sql: _Sql, select: exp.Select, limit: int | None) -> int:
    """Matches of the compiled query, counting no further than `limit` when given."""
    counted = select.copy()
    for arg in ("order", "limit", "offset"):
        counted.set(arg, None)
    if limit is not None:
        counted = counted.limit(limit, copy=False)
    count = exp.select(exp.Count(this=exp.Star())).from_(counted.subquery("matches", copy=False), copy=False)
    return int(await sql.value(count))


def es_outage(exc: Exception) -> bool:
    """Whether an Elasticsearch failure means it cannot answer now (unreachable, failing with a 5xx, or without
    the index before the indexer's first start), so that PostgreSQL should; a request it refuses (4xx) is a
    defect here and must surface."""
    if isinstance(exc, elasticsearch.ApiError):
        return exc.status_code == 404 or exc.status_code >= 500
    return isinstance(exc, elasticsearch.TransportError)


async def _search_es(
    es: Any,
    index: str,
    query: Query,
    catalog: Any,
    scope: Any,
    context: Any,
    start_at: int,
    limit: int | None,
    exact_total: bool = False,
) -> SearchPage:
    search = jql.to_es(query, catalog, scope=scope, context=context, index=index)
    size = limit if limit is not None else MAX_RESULTS_CAP
    # One hit past the page tells whether it is the last; totals follow the same bound as PostgreSQL's.
    track: bool | int = True if exact_total or size == 0 else count_limit_for(start_at, size)
    body = search.extra(from_=start_at, size=size + 1, track_total_hits=track, _source=False).to_dict()
    response = await es.search(index=index, body=body)
    hits = response["hits"]
    ids = [int(h["_id"]) for h in hits["hits"]]
    counted_all = hits["total"].get("relation", "eq") == "eq"
    total, exact, is_last = page_total(start_at, size, len(ids), int(hits["total"]["value"]), counted_all)
    return SearchPage(total, start_at, size, ids[:size], total_is_exact=exact, is_last=is_last)


async def search_issues(conn: Conn, actor: Actor, jql_text: str, **kwargs: Any) -> tuple[SearchPage, list[DictRow]]:
    """A page of matching issues as full rows, in the query's order."""
    page = await search(conn, actor, jql_text, **kwargs)
    if not page.issue_ids:
        return page, []
    rows = await fetch_all(conn, ISSUE_SELECT + " WHERE i.id = ANY(%(ids)s)", {"ids": page.issue_ids})
    by_id = {r["id"]: r for r in rows}
    return page, [by_id[i] for i in page.issue_ids if i in by_id]
