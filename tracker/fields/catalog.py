"""What search needs to know about each custom field: the descriptor the JQL field catalog reads.

`custom_field_descriptors(conn)` lists them; `descriptor(definition)` builds one. The names of `jql_type` and
`sql_type` are the values of `jql.catalog.FieldType` and `jql.catalog.SqlType`, so a catalog maps a descriptor
to `jql.fields.custom_field(...)` (or to a FieldSpec with `JsonValue(storage_key, sql_type, multi)`) without
knowing any field type.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.db import Conn
from tracker.fields.models import FieldDefinition
from tracker.fields.values import load_fields


@dataclass(frozen=True, slots=True)
class FieldDescriptor:
    """How one custom field is stored, compared and indexed."""

    id: str  # "customfield_10001": the API id
    custom_id: int  # 10001: what cf[10001] names
    name: str
    type: str  # the tracklake field type, e.g. "cascading_select"
    jql_type: str  # a jql.catalog.FieldType value
    storage_key: str  # key in issues.custom_fields (the storage path)
    multi: bool  # the stored JSON value is an array: compare with @> (served by the GIN jsonb_path_ops index)
    sql_type: str  # a jql.catalog.SqlType value of one (element) value
    value_sql: str  # scalar SQL over alias `i` for ranges / ORDER BY, the expression the btree index covers
    indexes: tuple[str, ...]  # names of the per-field expression indexes
    option_ids: tuple[int, ...]  # for select-like types
    project_ids: tuple[int, ...] | None  # projects of its contexts; None: every project
    issue_type_ids: tuple[int, ...] | None  # issue types of its contexts; None: every issue type


def descriptor(definition: FieldDefinition) -> FieldDescriptor:
    """The search descriptor of a field definition."""
    kind = definition.kind
    all_projects = any(not c.project_ids for c in definition.contexts)
    all_types = any(not c.issue_type_ids for c in definition.contexts)
    return FieldDescriptor(
        id=definition.key,
        custom_id=definition.id,
        name=definition.name,
        type=definition.type,
        jql_type=kind.jql_type,
        storage_key=definition.key,
        multi=kind.multi,
        sql_type=kind.sql_type,
        value_sql=kind.value_sql(definition.key),
        indexes=tuple(i.name for i in kind.indexes(definition.id)),
        option_ids=tuple(o.id for o in definition.options),
        project_ids=None if all_projects else tuple(sorted({p for c in definition.contexts for p in c.project_ids})),
        issue_type_ids=None if all_types else tuple(sorted({t for c in definition.contexts for t in c.issue_type_ids})),
    )


async def custom_field_descriptors(conn: Conn) -> list[FieldDescriptor]:
    """Descriptors of every live custom field (two-level data: one query)."""
    return [descriptor(d) for d in (await load_fields(conn)).values()]
