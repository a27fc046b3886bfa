"""The search indexer's documents: built from a real tracker database, they hold a value for every field of the real
catalog that the issue has, at the path `jql.to_es` queries and sorts on, and nothing the mapping does not know."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg

import jql
from jql.catalog import FieldSpec, IssueKeyStorage
from jql.es_mapping import PROPERTIES
from pipelines.consumers.search import load_documents
from tests.pipeline.search_data import RichProject, build_rich_project, comparison_queries
from tracker.accounts.models import Actor
from tracker.search.catalog import load_catalog
from tracker.search.execute import search


def value_at(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def paths(spec: FieldSpec) -> list[str]:
    """The document paths a field is read from: its es_field and its sort field, as `jql.to_es` uses them."""
    if isinstance(spec.storage, IssueKeyStorage):
        return ["key", "id", "project_key", "number"]  # matched by key or id, sorted by project key and number
    if spec.es_field == "text_all":
        # copy_to target: filled by Elasticsearch from summary and description, never part of _source.
        return ["summary", "description"]
    out = [spec.es_field]
    if spec.sort is not None and spec.sort.es_field:
        # A sub-field of a multi-field (summary.sort) is indexed from its parent's value.
        out.append(spec.sort.es_field.removesuffix(".sort"))
    return out


async def _rows(conn: psycopg.AsyncConnection[Any], sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = await conn.execute(sql, params)
    return list(await cur.fetchall())


async def test_documents_hold_every_catalog_field_at_its_es_path(
    padmin: httpx.AsyncClient, pmake_user: Any, pdb: psycopg.AsyncConnection[Any]
) -> None:
    data: RichProject = await build_rich_project(padmin, pmake_user)
    rich_id = data.rich["id"]
    rows, documents = await load_documents(pdb, [rich_id])
    doc = documents[rich_id]

    # (a) Every key is a mapped property (the index is `dynamic: strict`); custom fields sit in their groups.
    for name, value in doc.items():
        assert name in PROPERTIES, name
        mapping = PROPERTIES[name]
        if mapping.get("type") == "nested":
            for item in value:
                assert set(item) <= set(mapping["properties"]), (name, item)
        if name.startswith("cf_"):
            assert all(k.startswith("customfield_") for k in value), (name, value)

    # (b) Every field of the real catalog has a value at the paths to_es reads.
    catalog = await load_catalog(pdb, visible_projects=None)
    ours = {f["id"] for f in data.fields.values()}
    checked = []
    for spec in catalog.fields():
        if spec.custom_id is not None and spec.id not in ours:
            continue  # a custom field other tests created, for their own projects: no value on this issue
        for path in paths(spec):
            assert not empty(value_at(doc, path)), f"{spec.id}: nothing at {path}"
        checked.append(spec.id)
    assert {"sprint", "fixVersion", "affectedVersion", "component", "watcher", "rank", "parent"} <= set(checked)
    assert ours <= set(checked)
    # voter: migrations create no issue_voters table, so the catalog has no such field (and the document no value).
    assert catalog.field("voter") is None

    # The values are the right ones, not just present.
    users = {
        r["username"]: r
        for r in await _rows(
            pdb,
            "SELECT id, username, display_name FROM users WHERE username = ANY(%(u)s)",
            {"u": [data.alice, data.bob]},
        )
    }
    alice, bob = users[data.alice], users[data.bob]
    v1, v2, _ = data.versions
    assert doc["sprint_ids"] == [data.sprint["id"]] and doc["sprint_names"] == ["Sprint Kilo"]
    assert doc["fix_version_ids"] == [v2["id"]] and doc["fix_version_sequences"] == [v2["sequence"]]
    assert doc["affected_version_ids"] == [v1["id"]] and doc["affected_version_sequences"] == [v1["sequence"]]
    assert doc["component_ids"] == [data.components[1]["id"]] and doc["component_names"] == ["frontend"]
    assert sorted(doc["watcher_ids"]) == sorted([alice["id"], bob["id"]])
    assert sorted(doc["links"], key=lambda link: link["direction"]) == [
        {
            "issue_id": data.blocker["id"],
            "issue_key": data.blocker["key"],
            "link_type_id": 10000,
            "direction": "inward",
        },
        {
            "issue_id": data.blocked["id"],
            "issue_key": data.blocked["key"],
            "link_type_id": 10000,
            "direction": "outward",
        },
    ]
    # ORDER BY assignee sorts by display name on PostgreSQL (the catalog's lookup), so the document holds that.
    assert doc["assignee_name"] == alice["display_name"] and doc["assignee_name"] != alice["username"]
    assert doc["rank"] == rows[rich_id]["rank"]
    fields = data.fields
    assert doc["cf_text"] == {
        fields["text"]["id"]: "crash on the login page",
        fields["textarea"]["id"]: "steps to reproduce the crash",
    }
    assert doc["cf_number"] == {fields["number"]["id"]: 3.5}
    assert doc["cf_date"] == {fields["date"]["id"]: "2026-03-01"}
    assert doc["cf_datetime"] == {fields["datetime"]["id"]: "2026-03-01T10:30:00Z"}
    assert doc["cf_keyword"] == {
        fields["url"]["id"]: "https://example.com/crash",
        fields["labels"]["id"]: ["hot", "customer"],
    }
    assert doc["cf_id"][fields["user"]["id"]] == alice["id"]
    assert doc["cf_id"][fields["multi_user"]["id"]] == [alice["id"], bob["id"]]
    assert doc["cf_id"][fields["version"]["id"]] == [v1["id"]]
    assert len(doc["cf_id"][fields["cascading_select"]["id"]]) == 2


# Query clauses whose object is keyed by field path.
_BY_FIELD = {"term", "terms", "range", "prefix", "match"}


def query_fields(node: Any) -> Iterator[str]:
    """The document paths an Elasticsearch query reads."""
    if isinstance(node, list):
        for item in node:
            yield from query_fields(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _BY_FIELD and isinstance(value, dict):
                yield from value
            elif key == "exists":
                yield value["field"]
            elif key == "nested":
                yield value["path"]
                yield from query_fields(value["query"])
            elif key != "script":
                yield from query_fields(value)


def is_mapped(path: str) -> bool:
    group, _, rest = path.partition(".")
    mapping = PROPERTIES.get(group)
    if mapping is None:
        return False
    if not rest:
        return True
    if mapping.get("dynamic") is True:  # a custom field group: any key, typed by the dynamic templates
        return rest.startswith("customfield_")
    return rest in {**mapping.get("properties", {}), **mapping.get("fields", {})}


async def test_comparison_queries_run_and_read_only_mapped_fields(
    padmin: httpx.AsyncClient, pmake_user: Any, pdb: psycopg.AsyncConnection[Any]
) -> None:
    """The queries tests/jql/test_es_live.py compares are valid, mostly find something on PostgreSQL, and compile
    for Elasticsearch to queries and sorts over mapped fields only (checked here, without a server)."""
    data = await build_rich_project(padmin, pmake_user)
    cur = await pdb.execute("SELECT id, username, display_name, is_admin FROM users WHERE username = 'admin'")
    row = await cur.fetchone()
    assert row is not None
    admin = Actor.from_row(row)
    texts = comparison_queries(data)
    found = 0
    compiled = 0
    for text in texts:
        page = await search(pdb, admin, text)
        found += bool(page.issue_ids)
        query = jql.parse(text)
        catalog = await load_catalog(pdb, visible_projects=None, queries=[query])
        try:
            body = jql.to_es(
                query, catalog, scope=None, context=jql.QueryContext(user_id=admin.id, now=datetime.now(UTC))
            ).to_dict()
        except NotImplementedError:
            assert "linkedIssues" in text  # sub-query functions: PostgreSQL answers on both paths
            continue
        compiled += 1
        paths = [*query_fields(body.get("query", {})), *(name for entry in body.get("sort", []) for name in entry)]
        assert paths and all(is_mapped(p) for p in paths), (text, [p for p in paths if not is_mapped(p)])
    assert found >= len(texts) * 3 // 4 and compiled >= len(texts) - 2
