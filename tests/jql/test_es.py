"""Elasticsearch: the index mapping, the issue → document function, and query details."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import jql
from jql.catalog import FullText, JsonValue
from jql.es_mapping import PROPERTIES, history_documents, index_body, issue_document, status_time_documents
from jql.testing import InMemoryCatalog, sample_catalog
from tests.jql.dataset import NOW, diff_catalog, generate
from tracker.search.catalog import RANK

CTX = jql.QueryContext(user_id=1, now=NOW)


def mapped(path: str) -> dict[str, Any] | None:
    """The mapping of a dotted field path (nested objects included)."""
    node: dict[str, Any] = {"properties": PROPERTIES}
    for part in path.split("."):
        props = {**(node.get("properties") or {}), **(node.get("fields") or {})}
        if part not in props:
            return None
        node = props[part]
    return node


def test_every_catalog_field_is_mapped() -> None:
    for catalog in (sample_catalog(), diff_catalog()):
        for spec in catalog.fields():
            group = spec.es_field.partition(".")[0]
            if isinstance(spec.storage, JsonValue) or (isinstance(spec.storage, FullText) and spec.storage.json_keys):
                templates = {next(iter(t)) for t in index_body()["mappings"]["dynamic_templates"]}
                assert group in templates and mapped(group) == {"type": "object", "dynamic": True}, spec.id
            else:
                assert mapped(spec.es_field) is not None, spec.es_field
            if spec.sort and spec.sort.es_field:
                assert mapped(spec.sort.es_field) is not None, spec.sort.es_field


def test_rank_is_a_mapped_keyword_copied_from_the_issue_row() -> None:
    """ORDER BY Rank (the real catalog's RANK) sorts on `rank`: keys compared byte-wise, as COLLATE "C" does."""
    assert RANK.sort is not None and RANK.sort.es_field == "rank"
    assert mapped(RANK.sort.es_field) == {"type": "keyword"} and mapped(RANK.es_field) == {"type": "keyword"}
    doc = issue_document({"id": 1, "key": "ABC-1", "rank": "i000000000001ki"})
    assert doc["rank"] == "i000000000001ki"
    catalog = sample_catalog()
    catalog.field_specs = [*catalog.field_specs, RANK]
    assert es("ORDER BY Rank", catalog)["sort"] == [
        {"rank": {"order": "asc", "missing": "_last"}},
        {"id": {"order": "desc"}},
    ]


def test_index_body_is_json_and_strict() -> None:
    body = index_body()
    json.dumps(body)
    assert body["mappings"]["dynamic"] == "strict"
    # Inner objects inherit `dynamic`: under a strict root, a custom field's first value would reject its document
    # (dynamic templates apply only where new fields are allowed).
    for name, mapping in body["mappings"]["properties"].items():
        if name.startswith("cf_"):
            assert mapping["dynamic"] is True, name
    assert body["mappings"]["properties"]["history"]["type"] == "nested"
    assert body["settings"]["analysis"]["analyzer"]["jql_text"]["filter"] == ["lowercase"]


def test_issue_document() -> None:
    catalog = sample_catalog()
    created = datetime(2024, 5, 1, 9, tzinfo=UTC)
    issue = {
        "id": 7,
        "key": "ABC-7",
        "number": 7,
        "project_id": 1,
        "issue_type_id": 10002,
        "priority_id": 2,
        "status_id": 3,
        "resolution_id": None,
        "summary": "Login crash",
        "description": "",
        "assignee_id": None,
        "reporter_id": 2,
        "labels": ["ui"],
        "due_date": datetime(2024, 6, 1).date(),
        "story_points": Decimal("2.5"),
        "parent_id": None,
        "custom_fields": {
            "customfield_10001": 101,
            "customfield_10004": [201, 203],
            "customfield_10003": "on mobile",
            "customfield_10002": None,
        },
        "created_at": created,
        "updated_at": created + timedelta(days=1),
        "resolved_at": None,
        "version": 3,
    }
    history = [
        {
            "id": 1,
            "field": "status",
            "from_value": None,
            "to_value": "1",
            "actor_id": 2,
            "occurred_at": created,
            "is_create": True,
        },
        {
            "id": 2,
            "field": "status",
            "from_value": "1",
            "to_value": "3",
            "actor_id": 3,
            "occurred_at": created + timedelta(hours=5),
            "is_create": False,
        },
    ]
    doc = issue_document(
        issue,
        history,
        fields=catalog.fields(),
        extra={"project_key": "ABC", "status_name": "In Progress", "sprint_ids": [3], "links": []},
    )
    assert doc["summary"] == "Login crash" and "description" not in doc and "assignee_id" not in doc
    assert doc["story_points"] == 2.5 and doc["due_date"] == "2024-06-01" and doc["labels"] == ["ui"]
    assert doc["cf_id"] == {"customfield_10001": 101, "customfield_10004": [201, 203]}
    assert doc["cf_text"] == {"customfield_10003": "on mobile"}
    assert "cf_number" not in doc and "links" not in doc
    assert doc["project_key"] == "ABC" and doc["sprint_ids"] == [3]
    assert doc["history"][0]["ended_at"] == (created + timedelta(hours=5)).isoformat()
    assert doc["history"][1]["ended_at"] is None
    assert doc["status_time"] == [
        {"status_id": "1", "closed_seconds": 5 * 3600.0, "open_since": None},
        {"status_id": "3", "closed_seconds": 0.0, "open_since": (created + timedelta(hours=5)).isoformat()},
    ]
    json.dumps(doc)
    for name in doc:
        assert name in PROPERTIES, name


def test_history_intervals_match_the_sql_rule() -> None:
    """ended_at is the first later non-creation row of the field whose old value is this row's new value."""
    data = generate(count=60)
    for issue in data.issues:
        rows = [h for h in data.history if h["issue_id"] == issue["id"]]
        docs = history_documents(rows)
        for row, doc in zip(rows, docs, strict=True):
            later = [
                r["occurred_at"]
                for r in rows
                if r["field"] == row["field"]
                and not r["is_create"]
                and r["from_value"] == row["to_value"]
                and (r["occurred_at"], r["id"]) > (row["occurred_at"], row["id"])
            ]
            assert doc["ended_at"] == (min(later).isoformat() if later else None)
        # The status intervals tile the issue's life: closed time plus the open interval reach NOW.
        times = status_time_documents(rows)
        closed = sum(t["closed_seconds"] for t in times)
        open_since = [datetime.fromisoformat(t["open_since"]) for t in times if t["open_since"]]
        assert len(open_since) == 1
        assert closed == (open_since[0] - issue["created_at"]).total_seconds()


def es(text: str, catalog: InMemoryCatalog | None = None, scope: list[int] | None = None) -> dict[str, Any]:
    catalog = catalog or sample_catalog()
    catalog.subquery_runner = lambda query, scope, context: [42] if "Done" in jql.to_jql(query) else []
    return jql.to_es(text, catalog, scope=scope, context=CTX).to_dict()


def test_not_equal_never_matches_empty() -> None:
    assert es("NOT assignee = bob")["query"] == {
        "bool": {"filter": [{"exists": {"field": "assignee_id"}}], "must_not": [{"term": {"assignee_id": 2}}]}
    }


def test_subqueries_are_delegated_to_the_catalog() -> None:
    seen: list[tuple[str, Any]] = []
    catalog = sample_catalog()

    def runner(query: jql.Query, scope: Any, context: Any) -> list[int]:
        seen.append((jql.to_jql(query), scope))
        return [5, 3]

    catalog.subquery_runner = runner
    body = jql.to_es('issue not in parentsOf("status = Done")', catalog, scope=[2], context=CTX).to_dict()
    assert seen == [('issue IN parentsOf("status = Done")', [2])]
    assert body["query"] == {
        "bool": {"filter": [{"term": {"project_id": 2}}, {"bool": {"must_not": [{"terms": {"id": [3, 5]}}]}}]}
    }


def test_sorting_mirrors_sql() -> None:
    assert es("ORDER BY priority DESC, key, fixVersion, due DESC")["sort"] == [
        {"priority_rank": {"order": "asc", "missing": "_first"}},
        {"project_key": {"order": "asc", "missing": "_last"}},
        {"number": {"order": "asc", "missing": "_last"}},
        {"fix_version_sequences": {"order": "asc", "missing": "_last", "mode": "min"}},
        {"due_date": {"order": "desc", "missing": "_first"}},
        {"id": {"order": "desc"}},
    ]
