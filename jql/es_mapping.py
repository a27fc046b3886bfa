"""The Elasticsearch index for issues: mapping, and the issue row (+ history) → document function.

Field names here are the `es_field` names of `jql.catalog`. Custom fields live in one object per kind
(`cf_number.customfield_10002`, …) whose types come from dynamic templates, so adding a custom field
never needs a mapping change. History rows are `nested` documents; each carries `ended_at`, the time
its value was replaced, computed exactly as the SQL compiler does, so WAS predicates agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jql.catalog import FieldSpec, FullText, JsonValue

TEXT_ANALYZER = "jql_text"
# No stemming and no stop words: the same profile as the SQL compilers (see jql.to_sql).
SETTINGS: dict[str, Any] = {
    "analysis": {
        "analyzer": {TEXT_ANALYZER: {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]}},
    }
}


def _text(copy_to: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "text", "analyzer": TEXT_ANALYZER}
    if copy_to:
        spec["copy_to"] = copy_to
    return spec


LONG: dict[str, Any] = {"type": "long"}
KEYWORD: dict[str, Any] = {"type": "keyword"}
DATE: dict[str, Any] = {"type": "date"}
CUSTOM_GROUP: dict[str, Any] = {"type": "object", "dynamic": True}

PROPERTIES: dict[str, Any] = {
    "id": LONG,
    "key": KEYWORD,
    "number": LONG,
    "project_id": LONG,
    "project_key": KEYWORD,
    "project_name": KEYWORD,
    "issue_type_id": LONG,
    "issue_type_name": KEYWORD,
    "priority_id": LONG,
    "priority_rank": LONG,
    "status_id": LONG,
    "status_name": KEYWORD,
    "resolution_id": LONG,
    "resolution_name": KEYWORD,
    "summary": {**_text("text_all"), "fields": {"sort": KEYWORD}},
    "description": _text("text_all"),
    "text_all": _text(),
    "comments": {"type": "nested", "properties": {"body": _text()}},
    "assignee_id": LONG,
    "assignee_name": KEYWORD,
    "reporter_id": LONG,
    "reporter_name": KEYWORD,
    "labels": KEYWORD,
    "due_date": {"type": "date", "format": "strict_date"},
    "story_points": {"type": "double"},
    "parent_id": LONG,
    "parent_key": KEYWORD,
    # Board order (issues.rank): base-36 keys compared byte-wise, as PostgreSQL's COLLATE "C" and a keyword do.
    "rank": KEYWORD,
    "created_at": DATE,
    "updated_at": DATE,
    "resolved_at": DATE,
    "sprint_ids": LONG,
    "sprint_names": KEYWORD,
    "fix_version_ids": LONG,
    "fix_version_sequences": LONG,
    "affected_version_ids": LONG,
    "affected_version_sequences": LONG,
    "component_ids": LONG,
    "component_names": KEYWORD,
    "watcher_ids": LONG,
    "voter_ids": LONG,
    "links": {
        "type": "nested",
        "properties": {"issue_id": LONG, "issue_key": KEYWORD, "link_type_id": LONG, "direction": KEYWORD},
    },
    "history": {
        "type": "nested",
        "properties": {
            "field": KEYWORD,
            "from_value": KEYWORD,
            "to_value": KEYWORD,
            "actor_id": LONG,
            "occurred_at": DATE,
            "ended_at": DATE,
            "is_create": {"type": "boolean"},
        },
    },
    "status_time": {
        "type": "nested",
        "properties": {"status_id": KEYWORD, "closed_seconds": {"type": "double"}, "open_since": DATE},
    },
    # Inner objects inherit `dynamic` from the root, which is strict: these allow new keys, typed by DYNAMIC_TEMPLATES.
    "cf_text": CUSTOM_GROUP,
    "cf_keyword": CUSTOM_GROUP,
    "cf_number": CUSTOM_GROUP,
    "cf_date": CUSTOM_GROUP,
    "cf_datetime": CUSTOM_GROUP,
    "cf_id": CUSTOM_GROUP,
}

DYNAMIC_TEMPLATES: list[dict[str, Any]] = [
    {"cf_text": {"path_match": "cf_text.*", "mapping": _text()}},
    {"cf_keyword": {"path_match": "cf_keyword.*", "mapping": KEYWORD}},
    {"cf_number": {"path_match": "cf_number.*", "mapping": {"type": "double"}}},
    {"cf_date": {"path_match": "cf_date.*", "mapping": {"type": "date", "format": "strict_date"}}},
    {"cf_datetime": {"path_match": "cf_datetime.*", "mapping": DATE}},
    {"cf_id": {"path_match": "cf_id.*", "mapping": LONG}},
]


def index_body() -> dict[str, Any]:
    """Settings and mappings for `PUT /<index>`."""
    return {
        "settings": SETTINGS,
        "mappings": {"dynamic": "strict", "dynamic_templates": DYNAMIC_TEMPLATES, "properties": PROPERTIES},
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _later(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Row a comes after row b (ties on the timestamp broken by id), as in the SQL compiler."""
    return bool((a["occurred_at"], a.get("id") or 0) > (b["occurred_at"], b.get("id") or 0))


def history_documents(history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Nested history docs with `ended_at`: when a later non-creation row of the field took the value away."""
    docs = []
    for row in history:
        endings = [
            other["occurred_at"]
            for other in history
            if other["field"] == row["field"]
            and not other.get("is_create")
            and other.get("from_value") == row.get("to_value")
            and _later(other, row)
        ]
        docs.append(
            {
                "field": row["field"],
                "from_value": row.get("from_value"),
                "to_value": row.get("to_value"),
                "actor_id": row.get("actor_id"),
                "occurred_at": _json_value(row["occurred_at"]),
                "ended_at": _json_value(min(endings)) if endings else None,
                "is_create": bool(row.get("is_create")),
            }
        )
    return docs


def status_time_documents(history: Sequence[Mapping[str, Any]], status_field: str = "status") -> list[dict[str, Any]]:
    """Per status: seconds of finished intervals, and the start of the open one (for timeInStatus)."""
    rows = sorted(
        (r for r in history if r["field"] == status_field), key=lambda r: (r["occurred_at"], r.get("id") or 0)
    )
    totals: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(rows):
        status = row.get("to_value")
        if status is None:
            continue
        entry = totals.setdefault(status, {"status_id": status, "closed_seconds": 0.0, "open_since": None})
        following = [r for r in rows[n + 1 :] if not r.get("is_create")]
        if following:
            entry["closed_seconds"] += (following[0]["occurred_at"] - row["occurred_at"]).total_seconds()
        else:
            entry["open_since"] = _json_value(row["occurred_at"])
    return list(totals.values())


_BASE_COLUMNS = (
    "id",
    "key",
    "number",
    "project_id",
    "issue_type_id",
    "priority_id",
    "status_id",
    "resolution_id",
    "summary",
    "description",
    "assignee_id",
    "reporter_id",
    "due_date",
    "story_points",
    "parent_id",
    "rank",
    "created_at",
    "updated_at",
    "resolved_at",
)


def issue_document(
    issue: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]] = (),
    *,
    fields: Sequence[FieldSpec] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The Elasticsearch document of an `issues` row, its `issue_history` rows and indexer-supplied extras.

    `fields` are the catalog's fields (custom fields are copied from `custom_fields` by their storage);
    `extra` holds denormalised values the indexer looks up: project_key/project_name, status_name,
    priority_rank, *_name, parent_key, comments (list of {"body"}), sprint_ids/sprint_names,
    fix_version_ids/…_sequences, affected_version_ids/…_sequences, component_ids/names, watcher_ids, voter_ids,
    links (list of {"issue_id", "issue_key", "link_type_id", "direction": "outward"|"inward"}).
    """
    doc: dict[str, Any] = {}
    for column in _BASE_COLUMNS:
        value = issue.get(column)
        if value is not None and value != "":
            doc[column] = _json_value(value)
    labels = issue.get("labels") or []
    if labels:
        doc["labels"] = list(labels)
    custom = issue.get("custom_fields") or {}
    for spec in fields:
        storage = spec.storage
        keys = [storage.key] if isinstance(storage, JsonValue) else list(getattr(storage, "json_keys", ()))
        if not isinstance(storage, JsonValue | FullText):
            continue
        for key in keys:
            value = custom.get(key)
            if value is None or value == "" or value == []:
                continue
            group, _, name = spec.es_field.partition(".")
            doc.setdefault(group, {})[name] = _json_value(value)
    if history:
        doc["history"] = history_documents(history)
        doc["status_time"] = status_time_documents(history)
    for name, value in (extra or {}).items():
        if value is not None and value != [] and value != "":
            doc[name] = _json_value(value) if not isinstance(value, list) else [_json_value(v) for v in value]
    return doc
