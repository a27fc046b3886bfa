"""A JQL field catalog read from the warehouse's own snapshot tables, so JQL compiles against DuckDB without
PostgreSQL: projects, statuses, users, sprints, versions, components and custom fields come from the views."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from typing import Any

import duckdb

from jql import (
    Catalog,
    ComponentInfo,
    FieldSpec,
    FieldType,
    IssueTypeInfo,
    JsonValue,
    LinkStorage,
    OptionInfo,
    PriorityInfo,
    ProjectInfo,
    Query,
    QueryContext,
    ResolutionInfo,
    SprintInfo,
    SqlType,
    StatusInfo,
    UserInfo,
    VersionInfo,
    agile_fields,
    custom_field,
    system_fields,
)
from jql.catalog import LinkTypeInfo, suggest

# tracklake custom field types → JQL field types (the same mapping tracker/fields/types declares).
CUSTOM_TYPES: dict[str, FieldType] = {
    "text": FieldType.TEXT,
    "textarea": FieldType.TEXT,
    "url": FieldType.STRING,
    "number": FieldType.NUMBER,
    "date": FieldType.DATE,
    "datetime": FieldType.DATETIME,
    "select": FieldType.SELECT,
    "multi_select": FieldType.MULTI_SELECT,
    "checkbox": FieldType.MULTI_SELECT,
    "cascading_select": FieldType.MULTI_SELECT,
    "labels": FieldType.LABELS,
    "user": FieldType.USER,
    "multi_user": FieldType.USER,
}


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def _has_columns(con: duckdb.DuckDBPyConnection, table: str, *names: str) -> bool:
    cols = {r[0] for r in con.execute(f'DESCRIBE SELECT * FROM "{table}"').fetchall()}
    return all(n in cols for n in names)


class WarehouseCatalog(Catalog):
    """Everything JQL needs to resolve names, loaded once from one warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, scope: Collection[int] | None = None) -> None:
        # Projects (and their versions and components) outside the searcher's scope are unknown names, so a query
        # naming a hidden project fails exactly like one naming a missing project.
        visible = None if scope is None else {int(p) for p in scope}
        self._projects = [
            ProjectInfo(r[0], r[1], r[2], r[3])
            for r in _rows(con, "SELECT id, key, name, lead_id FROM projects ORDER BY id")
            if visible is None or r[0] in visible
        ]
        self._statuses = [
            StatusInfo(r[0], r[1], r[2]) for r in _rows(con, "SELECT id, name, category FROM statuses ORDER BY id")
        ]
        self._types = [
            IssueTypeInfo(r[0], r[1], bool(r[2]), int(r[3] or 0))
            for r in _rows(con, "SELECT id, name, subtask, hierarchy_level FROM issue_types ORDER BY id")
        ]
        self._priorities = [
            PriorityInfo(r[0], r[1], r[2])
            for r in _rows(con, "SELECT id, name, sequence FROM priorities ORDER BY sequence")
        ]
        self._resolutions = [
            ResolutionInfo(r[0], r[1]) for r in _rows(con, "SELECT id, name FROM resolutions ORDER BY id")
        ]
        self._users = [
            UserInfo(r[0], r[1], r[2] or "")
            for r in _rows(con, "SELECT id, username, display_name FROM users ORDER BY id")
        ]
        groups: dict[str, list[int]] = {}
        for name, user_id in _rows(
            con, "SELECT g.name, m.user_id FROM groups g LEFT JOIN group_members m ON m.group_id = g.id ORDER BY 1, 2"
        ):
            groups.setdefault(name, [])
            if user_id is not None:
                groups[name].append(user_id)
        self._groups = groups
        self._sprints = [
            SprintInfo(r[0], r[1], r[2] or "future")
            for r in _rows(con, "SELECT id, name, state FROM sprints ORDER BY id")
        ]
        version_sql = (
            "SELECT id, name, project_id, sequence, coalesce(released, false), coalesce(archived, false), "
            "release_date FROM versions ORDER BY id"
        )
        self._versions = [
            VersionInfo(r[0], r[1], r[2], r[3] or 0, r[4], r[5], r[6])
            for r in _rows(con, version_sql)
            if visible is None or r[2] in visible
        ]
        self._components = [
            ComponentInfo(r[0], r[1], r[2], r[3])
            for r in _rows(con, "SELECT id, name, project_id, lead_id FROM components ORDER BY id")
            if visible is None or r[2] in visible
        ]
        self._options: dict[str, list[OptionInfo]] = {}
        for field_id, option_id, value in _rows(
            con,
            "SELECT field_id, id, value FROM custom_field_options WHERE NOT coalesce(disabled, false) "
            "ORDER BY field_id, position, id",
        ):
            self._options.setdefault(f"customfield_{field_id}", []).append(OptionInfo(option_id, value))
        self._fields = system_fields() + agile_fields() + self._custom_fields(con)
        self._link_types: list[LinkTypeInfo] = []
        for table in ("issue_link_types", "link_types"):
            try:
                if _has_columns(con, table, "id", "name", "outward", "inward"):
                    self._link_types = [
                        LinkTypeInfo(r[0], r[1], r[2], r[3])
                        for r in _rows(con, f"SELECT id, name, outward, inward FROM {table} ORDER BY id")
                    ]
                    break
            except duckdb.Error:
                continue

    @staticmethod
    def _custom_fields(con: duckdb.DuckDBPyConnection) -> list[FieldSpec]:
        specs: list[FieldSpec] = []
        for custom_id, name, kind in _rows(
            con, "SELECT id, name, type FROM custom_fields WHERE deleted_at IS NULL ORDER BY id"
        ):
            field_type = CUSTOM_TYPES.get(kind)
            if field_type is None:
                continue
            spec = custom_field(int(custom_id), name, field_type)
            if kind == "multi_user":
                storage = JsonValue(f"customfield_{custom_id}", SqlType.BIGINT, multi=True)
                spec = dataclasses.replace(spec, storage=storage, multi=True, sort=None)
            specs.append(spec)
        return specs

    def __hash__(self) -> int:
        return id(self)

    def fields(self) -> Sequence[FieldSpec]:
        return self._fields

    def projects(self) -> Sequence[ProjectInfo]:
        return self._projects

    def statuses(self) -> Sequence[StatusInfo]:
        return self._statuses

    def issue_types(self) -> Sequence[IssueTypeInfo]:
        return self._types

    def priorities(self) -> Sequence[PriorityInfo]:
        return self._priorities

    def resolutions(self) -> Sequence[ResolutionInfo]:
        return self._resolutions

    def find_users(self, name: str) -> Sequence[UserInfo]:
        low = name.lower()
        for attr in ("username", "display_name"):
            hits = [u for u in self._users if getattr(u, attr).lower() == low]
            if hits:
                return hits
        return [u for u in self._users if str(u.id) == name]

    def similar_user_names(self, name: str) -> Sequence[str]:
        return suggest(name, [u.username for u in self._users])

    def group_members(self, group: str) -> Sequence[int] | None:
        for name, members in self._groups.items():
            if name.lower() == group.lower():
                return members
        return None

    def group_names(self) -> Sequence[str]:
        return list(self._groups)

    def sprints(self) -> Sequence[SprintInfo]:
        return self._sprints

    def versions(self) -> Sequence[VersionInfo]:
        return self._versions

    def components(self) -> Sequence[ComponentInfo]:
        return self._components

    def options(self, field: FieldSpec) -> Sequence[OptionInfo]:
        return self._options.get(field.id, [])

    def link_types(self) -> Sequence[LinkTypeInfo]:
        return self._link_types

    def link_storage(self) -> LinkStorage | None:
        return LinkStorage()

    def search_issue_ids(self, query: Query, *, scope: Collection[int] | None, context: QueryContext) -> Sequence[int]:
        raise NotImplementedError("the warehouse catalog compiles to SQL only")
