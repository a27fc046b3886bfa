"""Golden cases: each JQL compiles to exactly the expected PostgreSQL, DuckDB and Elasticsearch queries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlglot

import jql
from jql.testing import InMemoryCatalog, sample_catalog
from tests.jql.golden_cases import GOLDEN

CTX = jql.QueryContext(user_id=1, now=datetime(2024, 6, 15, 12, tzinfo=UTC))


@pytest.fixture(scope="module")
def golden_catalog() -> InMemoryCatalog:
    catalog = sample_catalog()
    catalog.subquery_runner = lambda query, scope, context: [7, 8]
    return catalog


def test_the_table_is_broad() -> None:
    assert len(GOLDEN) >= 80
    assert len({case[0] for case in GOLDEN}) == len(GOLDEN)


@pytest.mark.parametrize(("text", "postgres", "duckdb", "es"), GOLDEN, ids=[c[0] or "<empty>" for c in GOLDEN])
def test_golden(text: str, postgres: str, duckdb: str, es: dict[str, Any], golden_catalog: InMemoryCatalog) -> None:
    assert jql.to_sql(text, golden_catalog, "postgres", scope=[1, 2], context=CTX).sql("postgres") == postgres
    assert jql.to_sql(text, golden_catalog, "duckdb", scope=[1, 2], context=CTX).sql("duckdb") == duckdb
    assert jql.to_es(text, golden_catalog, scope=[1, 2], context=CTX).to_dict() == es
    sqlglot.parse_one(postgres, read="postgres")
    sqlglot.parse_one(duckdb, read="duckdb")


def test_scope_is_always_applied(golden_catalog: InMemoryCatalog) -> None:
    all_projects = jql.to_sql("status = Done", golden_catalog, scope=None, context=CTX).sql("postgres")
    assert "project_id" not in all_projects
    nothing = jql.to_sql("status = Done", golden_catalog, scope=[], context=CTX).sql("postgres")
    assert nothing == "SELECT i.id FROM issues AS i WHERE FALSE ORDER BY i.created_at DESC, i.id DESC"
    es_nothing = jql.to_es("status = Done", golden_catalog, scope=[], context=CTX).to_dict()
    assert es_nothing["query"] == {"bool": {"filter": [{"match_none": {}}, {"term": {"status_id": 10001}}]}}
    # Sub-queries over issues carry the scope too, so hidden issues cannot leak through relations.
    sub = jql.to_sql('issue in parentsOf("summary ~ secret")', golden_catalog, scope=[2], context=CTX).sql("postgres")
    assert sub.count("project_id = 2") == 2


def test_scope_is_a_required_argument(golden_catalog: InMemoryCatalog) -> None:
    with pytest.raises(TypeError):
        jql.to_sql("status = Done", golden_catalog)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        jql.to_es("status = Done", golden_catalog)  # type: ignore[call-arg]


def test_columns_paging_and_condition_helpers(golden_catalog: InMemoryCatalog) -> None:
    select = jql.to_sql(
        "status = Done", golden_catalog, "duckdb", scope=[1], context=CTX, columns=("id", "key"), limit=50, offset=100
    )
    assert select.sql("duckdb") == (
        "SELECT i.id, i.key FROM issues AS i WHERE i.project_id = 1 AND i.status_id = 10001 "
        "ORDER BY i.created_at DESC NULLS FIRST, i.id DESC NULLS FIRST LIMIT 50 OFFSET 100"
    )
    text = jql.to_sql_text("status = Done", golden_catalog, "postgres", scope=[1], context=CTX)
    assert text.startswith("SELECT i.id FROM issues AS i WHERE i.project_id = 1")
    condition = jql.condition_sql("labels = x", golden_catalog, "postgres", scope=[1], context=CTX, alias="t")
    assert condition.sql("postgres") == "t.project_id = 1 AND t.labels && ARRAY['x']"


def test_text_matches_read_first_compile_to_a_constant_array(golden_catalog: InMemoryCatalog) -> None:
    bound = jql.analyze('summary ~ "login scr*" AND comment ~ flaky', golden_catalog, CTX)
    probes = jql.text_match_probes(bound, 5000)
    assert [p.sql("postgres") for p in probes.values()] == [
        "SELECT d1.issue_id FROM search_documents AS d1 WHERE d1.document @@ "
        "TO_TSQUERY('simple', '''login'':A & ''scr'':*A') LIMIT 5000",
        "SELECT d2.issue_id FROM search_documents AS d2 WHERE d2.document @@ TO_TSQUERY('simple', '''flaky'':D') LIMIT 5000",
    ]
    summary_key, comment_key = probes
    found = {summary_key: [9, 3, 9], comment_key: [4]}
    sql = jql.compile_bound(bound, golden_catalog, scope=[1], text_matches=found).sql("postgres")
    assert sql == (
        "SELECT i.id FROM issues AS i WHERE i.project_id = 1 AND (i.id = ANY(CAST('{3,9}' AS BIGINT[])) "
        "AND i.id = ANY(CAST('{4}' AS BIGINT[]))) ORDER BY i.created_at DESC, i.id DESC"
    )
    # a match with no documents at all makes the whole conjunction empty
    nothing = jql.compile_bound(bound, golden_catalog, scope=[1], text_matches={**found, comment_key: []})
    assert nothing.sql("postgres") == "SELECT i.id FROM issues AS i WHERE FALSE ORDER BY i.created_at DESC, i.id DESC"
    # DuckDB has no side table: the same bound query reads the columns whatever was found
    duck = jql.compile_bound(bound, golden_catalog, "duckdb", scope=[1], text_matches=found).sql("duckdb")
    assert "search_documents" not in duck and "LIST_HAS_ALL" in duck
