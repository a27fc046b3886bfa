"""Field definitions over tracklake's schema: system fields, side-table fields and custom fields."""

from __future__ import annotations

from jql.ast import Operator
from jql.catalog import (
    ArrayColumn,
    Column,
    FieldSpec,
    FieldType,
    FullText,
    IssueKeyStorage,
    IssueRef,
    JoinTable,
    JsonValue,
    Lookup,
    SortSpec,
    SqlType,
    Storage,
    TextIndex,
)

# --- builders for the standard fields ------------------------------------------------------------


def _lookup_sort(table: str, column: str, es_field: str, reverse: bool = False) -> SortSpec:
    return SortSpec(lookup=Lookup(table, column), reverse=reverse, es_field=es_field)


def system_fields() -> list[FieldSpec]:
    """The built-in fields over the `issues` schema (sprints, versions etc. come from join-table builders)."""
    t = FieldType
    comments = JoinTable("comments", "body", SqlType.TEXT)
    return [
        FieldSpec(
            "project",
            ("project",),
            t.PROJECT,
            Column("project_id", SqlType.BIGINT),
            "project_id",
            nullable=False,
            sort=_lookup_sort("projects", "name", "project_name"),
        ),
        FieldSpec(
            "issuetype",
            ("issuetype", "type"),
            t.ISSUE_TYPE,
            Column("issue_type_id", SqlType.BIGINT),
            "issue_type_id",
            nullable=False,
            sort=_lookup_sort("issue_types", "name", "issue_type_name"),
        ),
        FieldSpec(
            "status",
            ("status",),
            t.STATUS,
            Column("status_id", SqlType.BIGINT),
            "status_id",
            nullable=False,
            history="status",
            sort=_lookup_sort("statuses", "name", "status_name"),
        ),
        FieldSpec(
            "statusCategory",
            ("statusCategory",),
            t.STATUS_CATEGORY,
            Column("status_id", SqlType.BIGINT),
            "status_id",
            nullable=False,
        ),
        FieldSpec(
            "priority",
            ("priority",),
            t.PRIORITY,
            Column("priority_id", SqlType.BIGINT),
            "priority_id",
            history="priority",
            # Jira: ORDER BY priority DESC lists Highest first, and sequence 1 is Highest.
            sort=_lookup_sort("priorities", "sequence", "priority_rank", reverse=True),
        ),
        FieldSpec(
            "resolution",
            ("resolution",),
            t.RESOLUTION,
            Column("resolution_id", SqlType.BIGINT),
            "resolution_id",
            history="resolution",
            sort=_lookup_sort("resolutions", "name", "resolution_name"),
        ),
        FieldSpec(
            "assignee",
            ("assignee",),
            t.USER,
            Column("assignee_id", SqlType.BIGINT),
            "assignee_id",
            history="assignee",
            sort=_lookup_sort("users", "display_name", "assignee_name"),
        ),
        FieldSpec(
            "reporter",
            ("reporter",),
            t.USER,
            Column("reporter_id", SqlType.BIGINT),
            "reporter_id",
            history="reporter",
            nullable=False,
            sort=_lookup_sort("users", "display_name", "reporter_name"),
        ),
        FieldSpec(
            "summary",
            ("summary",),
            t.TEXT,
            FullText(("summary",), index=TextIndex(weight="A")),
            "summary",
            nullable=False,
            sort=SortSpec(column="summary", es_field="summary.sort"),
        ),
        FieldSpec(
            "description",
            ("description",),
            t.TEXT,
            FullText(("description",), index=TextIndex(weight="B")),
            "description",
        ),
        FieldSpec(
            "text",
            ("text",),
            t.TEXT,
            FullText(("summary", "description"), comments=comments, index=TextIndex()),
            "text_all",
            operators=frozenset({Operator.LIKE}),
        ),
        FieldSpec(
            "comment",
            ("comment",),
            t.TEXT,
            FullText(comments=comments, index=TextIndex(weight="D")),
            "comments",
            operators=frozenset({Operator.LIKE, Operator.NOT_LIKE}),
        ),
        FieldSpec("labels", ("labels", "label"), t.LABELS, ArrayColumn("labels"), "labels", multi=True),
        FieldSpec(
            "duedate",
            ("duedate", "due"),
            t.DATE,
            Column("due_date", SqlType.DATE),
            "due_date",
            sort=SortSpec(),
        ),
        FieldSpec(
            "created",
            ("created", "createdDate"),
            t.DATETIME,
            Column("created_at", SqlType.TIMESTAMPTZ),
            "created_at",
            nullable=False,
            sort=SortSpec(),
        ),
        FieldSpec(
            "updated",
            ("updated", "updatedDate"),
            t.DATETIME,
            Column("updated_at", SqlType.TIMESTAMPTZ),
            "updated_at",
            nullable=False,
            sort=SortSpec(),
        ),
        FieldSpec(
            "resolved",
            ("resolved", "resolutionDate"),
            t.DATETIME,
            Column("resolved_at", SqlType.TIMESTAMPTZ),
            "resolved_at",
            sort=SortSpec(),
        ),
        FieldSpec(
            "story_points",
            ("Story Points", "storyPoints", "story_points"),
            t.NUMBER,
            Column("story_points", SqlType.NUMERIC),
            "story_points",
            sort=SortSpec(),
        ),
        FieldSpec(
            "issuekey",
            ("issuekey", "key", "id", "issue"),
            t.ISSUE_KEY,
            IssueKeyStorage(),
            "key",
            nullable=False,
            sort=SortSpec(),  # by project key, then number (both compilers special-case it)
        ),
        FieldSpec("parent", ("parent",), t.PARENT, IssueRef("parent_id"), "parent_id"),
    ]


def join_table_field(
    field_id: str,
    names: tuple[str, ...],
    field_type: FieldType,
    table: str,
    value_column: str,
    *,
    es_field: str,
    history: str | None = None,
    lookup: Lookup | None = None,
    sql_type: SqlType = SqlType.BIGINT,
    es_sort: str | None = None,
) -> FieldSpec:
    """A multi-valued field kept in a side table (sprints, versions, components, watchers, …)."""
    return FieldSpec(
        field_id,
        names,
        field_type,
        JoinTable(table, value_column, sql_type),
        es_field,
        multi=True,
        history=history,
        sort=SortSpec(lookup=lookup, es_field=es_sort or es_field) if lookup else None,
    )


_CUSTOM_SQL_TYPES: dict[FieldType, SqlType] = {
    FieldType.TEXT: SqlType.TEXT,
    FieldType.STRING: SqlType.TEXT,
    FieldType.NUMBER: SqlType.NUMERIC,
    FieldType.DATE: SqlType.DATE,
    FieldType.DATETIME: SqlType.TIMESTAMPTZ,
    FieldType.USER: SqlType.BIGINT,
    FieldType.SELECT: SqlType.BIGINT,
    FieldType.MULTI_SELECT: SqlType.BIGINT,
    FieldType.LABELS: SqlType.TEXT,
}
# Elasticsearch object holding custom fields of each kind (dynamic templates in es_mapping map them).
CUSTOM_ES_GROUPS: dict[FieldType, str] = {
    FieldType.TEXT: "cf_text",
    FieldType.STRING: "cf_keyword",
    FieldType.NUMBER: "cf_number",
    FieldType.DATE: "cf_date",
    FieldType.DATETIME: "cf_datetime",
    FieldType.USER: "cf_id",
    FieldType.SELECT: "cf_id",
    FieldType.MULTI_SELECT: "cf_id",
    FieldType.LABELS: "cf_keyword",
}


def custom_field(custom_id: int, name: str, field_type: FieldType, *, history: str | None = None) -> FieldSpec:
    """A custom field stored in `issues.custom_fields['customfield_<id>']`."""
    if field_type not in _CUSTOM_SQL_TYPES:
        raise ValueError(f"custom fields cannot have type {field_type.value}")
    key = f"customfield_{custom_id}"
    multi = field_type in (FieldType.MULTI_SELECT, FieldType.LABELS)
    es_field = f"{CUSTOM_ES_GROUPS[field_type]}.{key}"
    storage: Storage
    if field_type is FieldType.TEXT:
        storage = FullText(json_keys=(key,))
    else:
        storage = JsonValue(key, _CUSTOM_SQL_TYPES[field_type], multi=multi)
    sortable = field_type not in (FieldType.TEXT, FieldType.MULTI_SELECT, FieldType.LABELS)
    return FieldSpec(
        key,
        (name, f"cf[{custom_id}]"),
        field_type,
        storage,
        es_field,
        multi=multi,
        history=history,
        custom_id=custom_id,
        sort=SortSpec() if sortable else None,
    )


def agile_fields() -> list[FieldSpec]:
    """Sprint, versions, components, watchers and voters over side tables with tracklake's default names.

    Tables: issue_sprints(issue_id, sprint_id), issue_fix_versions(issue_id, version_id),
    issue_affected_versions(issue_id, version_id), issue_components(issue_id, component_id),
    issue_watchers(issue_id, user_id), issue_voters(issue_id, user_id); lookups sprints(id, name),
    versions(id, name, sequence), components(id, name). A catalog may describe other tables instead.
    """
    t = FieldType
    return [
        join_table_field(
            "sprint",
            ("sprint",),
            t.SPRINT,
            "issue_sprints",
            "sprint_id",
            es_field="sprint_ids",
            lookup=Lookup("sprints", "name"),
            es_sort="sprint_names",
        ),
        join_table_field(
            "fixVersion",
            ("fixVersion", "fixVersions"),
            t.VERSION,
            "issue_fix_versions",
            "version_id",
            es_field="fix_version_ids",
            history="Fix Version",
            lookup=Lookup("versions", "sequence"),
            es_sort="fix_version_sequences",
        ),
        join_table_field(
            "affectedVersion",
            ("affectedVersion", "affectedVersions", "version"),
            t.VERSION,
            "issue_affected_versions",
            "version_id",
            es_field="affected_version_ids",
            lookup=Lookup("versions", "sequence"),
            es_sort="affected_version_sequences",
        ),
        join_table_field(
            "component",
            ("component", "components"),
            t.COMPONENT,
            "issue_components",
            "component_id",
            es_field="component_ids",
            lookup=Lookup("components", "name"),
            es_sort="component_names",
        ),
        join_table_field(
            "watcher", ("watcher", "watchers"), t.USER, "issue_watchers", "user_id", es_field="watcher_ids"
        ),
        join_table_field("voter", ("voter", "voters"), t.USER, "issue_voters", "user_id", es_field="voter_ids"),
    ]
