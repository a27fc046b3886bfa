"""The field catalog JQL is checked and compiled against, loaded from PostgreSQL for one request.

The catalog interface is synchronous, so everything a query may need is read up front: the metadata lists
(small), the users named by the query's literal values, groups, and the agile side tables when they exist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any

from psycopg.rows import DictRow

import jql
from jql.ast import FunctionCall, Operator, Query, StringValue
from jql.catalog import (
    Column,
    ComponentInfo,
    FieldSpec,
    FieldType,
    IssueTypeInfo,
    JoinTable,
    JsonValue,
    LinkTypeInfo,
    OptionInfo,
    PriorityInfo,
    ProjectInfo,
    ResolutionInfo,
    SortSpec,
    SprintInfo,
    SqlType,
    StatusInfo,
    UserInfo,
    VersionInfo,
)
from jql.functions import QueryContext
from jql.testing import InMemoryCatalog
from tracker.db import Conn, fetch_all
from tracker.fields.catalog import FieldDescriptor, descriptor
from tracker.fields.models import FieldDefinition
from tracker.fields.repository import SELECT_FIELDS

USER_FIELDS_LIMIT = 5000


# Board order (issues.rank, LexoRank-style keys in "C" collation): sortable only, as in Jira.
RANK = FieldSpec(
    "rank",
    ("rank",),
    FieldType.STRING,
    Column("rank", SqlType.TEXT),
    "rank",
    operators=frozenset({Operator.IS, Operator.IS_NOT}),
    sort=SortSpec(column="rank", es_field="rank"),
)


class PgCatalog(InMemoryCatalog):
    """A catalog filled from PostgreSQL; sub-queries of `to_es` run as SQL on the same data."""

    def search_issue_ids(self, query: Query, *, scope: Collection[int] | None, context: QueryContext) -> Sequence[int]:
        raise NotImplementedError("sub-queries run inside the SQL of the PostgreSQL backend")


OPTIONAL_TABLES = ("sprints", "versions", "components", "link_types", "issue_links")


async def _fetch_together(conn: Conn, *queries: tuple[str, dict[str, Any] | None]) -> list[list[DictRow]]:
    """The rows of each query, all sent in one pipeline (one round trip to the server)."""
    async with conn.pipeline():
        cursors = [await conn.execute(sql, params or {}) for sql, params in queries]
        return [await cursor.fetchall() for cursor in cursors]


def _literals(queries: Iterable[Query]) -> set[str]:
    """String values and function arguments that may name a user."""
    found: set[str] = set()
    for query in queries:
        for node in query.walk():
            if isinstance(node, StringValue):
                found.add(node.value)
            elif isinstance(node, FunctionCall):
                found.update(str(a) for a in node.args)
    return found


async def load_catalog(
    conn: Conn,
    *,
    visible_projects: Collection[int] | None,
    queries: Iterable[Query] = (),
    suggest_users: bool = False,
) -> PgCatalog:
    """Read the catalog for searching the given projects (None: all) with the given parsed queries.

    Users are read only as the queries name them; `suggest_users` also reads the first USER_FIELDS_LIMIT
    user names, for "did you mean" when a name is unknown.
    """
    names = sorted(n.lower() for n in _literals(queries))
    agile = jql.agile_fields()
    optional = sorted({*OPTIONAL_TABLES, *(s.storage.table for s in agile if isinstance(s.storage, JoinTable))})
    known = _present_tables.get(_database_of(conn))
    if known is None:
        rows = await fetch_all(
            conn, "SELECT n FROM unnest(%(names)s::text[]) AS n WHERE to_regclass(n) IS NOT NULL", {"names": optional}
        )
        known = frozenset(r["n"] for r in rows)
        if known == set(optional):  # tables are never dropped: once all are there, remember it
            _present_tables[_database_of(conn)] = known
    lists = {**BASE_LISTS, **_agile_lists(known)}
    # Independent reads, sent together: the small lists in one statement (one JSON document), the users the
    # queries name and the custom fields beside it; one round trip.
    list_row, user_rows, field_rows = await _fetch_together(
        conn,
        (_lists_sql(lists), None),
        (
            "SELECT id, username, display_name FROM users WHERE lower(username) = ANY(%(n)s)"
            " OR lower(display_name) = ANY(%(n)s) OR id::text = ANY(%(n)s)"
            " UNION SELECT id, username, display_name FROM (SELECT id, username, display_name FROM users"
            " ORDER BY username LIMIT %(limit)s) s",
            {"n": names, "limit": USER_FIELDS_LIMIT if suggest_users else 0},
        ),
        (SELECT_FIELDS, None),
    )
    found: dict[str, list[list[Any]]] = list_row[0]["lists"]
    tables = set(known)
    projects = [ProjectInfo(*r) for r in found["projects"] if visible_projects is None or r[0] in visible_projects]
    statuses = [StatusInfo(*r) for r in found["statuses"]]
    types = [IssueTypeInfo(*r) for r in found["issue_types"]]
    priorities = [PriorityInfo(*r) for r in found["priorities"]]
    resolutions = [ResolutionInfo(*r) for r in found["resolutions"]]
    users = [UserInfo(r["id"], r["username"], r["display_name"]) for r in user_rows]
    groups: dict[str, list[int]] = {}
    for name, user_id in found["groups"]:
        groups.setdefault(name, [])
        if user_id is not None:
            groups[name].append(user_id)

    fields: list[FieldSpec] = [*jql.system_fields(), RANK]
    for spec in agile:
        storage = spec.storage
        if isinstance(storage, JoinTable) and storage.table not in tables:
            continue  # the feature that keeps this table is not installed
        fields.append(spec)
    options: dict[str, list[OptionInfo]] = {}
    for definition in (FieldDefinition.from_row(r) for r in field_rows):
        spec = _custom_spec(descriptor(definition))
        fields.append(spec)
        options[spec.id] = [OptionInfo(o.id, o.value) for o in definition.options]
    catalog = PgCatalog(
        field_specs=fields,
        field_options=options,
        project_list=projects,
        status_list=statuses,
        issue_type_list=types,
        priority_list=priorities,
        resolution_list=resolutions,
        user_list=users,
        groups=groups,
        links=None,
    )
    _fill_agile(catalog, found, visible_projects)
    return catalog


async def custom_field_specs(conn: Conn) -> list[FieldSpec]:
    """The JQL fields of every live custom field, as `load_catalog` builds them (the search indexer copies their
    values into documents)."""
    return [_custom_spec(descriptor(FieldDefinition.from_row(r))) for r in await fetch_all(conn, SELECT_FIELDS)]


def _custom_spec(desc: FieldDescriptor) -> FieldSpec:
    """The JQL field of a custom field, stored as its type module describes it."""
    field_type = FieldType(desc.jql_type)
    try:
        spec = jql.custom_field(desc.custom_id, desc.name, field_type, history=desc.name)
    except ValueError:  # a type the generic builder does not know (versions): built from the descriptor
        spec = jql.custom_field(
            desc.custom_id, desc.name, FieldType.MULTI_SELECT if desc.multi else FieldType.SELECT, history=desc.name
        )
    storage = spec.storage
    if isinstance(storage, JsonValue):
        storage = dataclasses.replace(storage, multi=desc.multi, sql_type=SqlType(desc.sql_type))
    return dataclasses.replace(spec, type=field_type, storage=storage, multi=desc.multi, operators=frozenset())


# The small lists of the catalog: name -> (table, columns, order), read as JSON arrays of rows in one statement.
BASE_LISTS = {
    "projects": ("projects", "id, key, name, lead_id", "key"),
    "statuses": ("statuses", "id, name, category", "id"),
    "issue_types": ("issue_types", "id, name, subtask, hierarchy_level", "id"),
    "priorities": ("priorities", "id, name, sequence", "sequence"),
    "resolutions": ("resolutions", "id, name", "id"),
    "groups": ("groups g LEFT JOIN group_members m ON m.group_id = g.id", "g.name, m.user_id", "g.name, m.user_id"),
}
AGILE_LISTS = {
    "sprints": ("sprints", "id, name, state", "id"),
    "versions": (
        "versions",
        "id, name, project_id, sequence, released, archived, release_date",
        "project_id, sequence, id",
    ),
    "components": ("components", "id, name, project_id, lead_id", "id"),
    "link_types": ("link_types", "id, name, outward, inward", "id"),
}
# Per database (host, port, name): the optional tables, once all of them exist.
_present_tables: dict[tuple[str, int, str], frozenset[str]] = {}


def _database_of(conn: Conn) -> tuple[str, int, str]:
    info = conn.info
    return (info.host, info.port, info.dbname)


def _agile_lists(tables: Collection[str]) -> dict[str, tuple[str, str, str]]:
    """The lists of sprints, versions, components and link types whose tables exist."""
    present = set(tables) if "issue_links" in tables else set(tables) - {"link_types"}
    return {name: spec for name, spec in AGILE_LISTS.items() if name in present}


def _lists_sql(lists: dict[str, tuple[str, str, str]]) -> str:
    """One statement returning `lists`: a JSON object of the lists, each an array of rows (arrays of columns).

    Built only from the constants above: eleven statements cost more in the driver than in the server.
    """
    parts = ", ".join(
        f"'{name}', (SELECT coalesce(json_agg(json_build_array({columns}) ORDER BY {order}), '[]') FROM {table})"
        for name, (table, columns, order) in lists.items()
    )
    return f"SELECT json_build_object({parts}) AS lists"


def _fill_agile(catalog: PgCatalog, found: dict[str, list[list[Any]]], visible: Collection[int] | None) -> None:
    """Sprints, versions, components and link types, where their tables exist."""
    if "sprints" in found:
        catalog.sprint_list = [SprintInfo(*r) for r in found["sprints"]]
    if "versions" in found:
        catalog.version_list = [
            VersionInfo(i, name, project, sequence, released, archived, date.fromisoformat(day) if day else None)
            for i, name, project, sequence, released, archived, day in found["versions"]
            if visible is None or project in visible
        ]
    if "components" in found:
        catalog.component_list = [ComponentInfo(*r) for r in found["components"] if visible is None or r[2] in visible]
    if "link_types" in found:
        catalog.link_type_list = [LinkTypeInfo(*r) for r in found["link_types"]]
        catalog.links = jql.LinkStorage()
