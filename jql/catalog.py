"""The field catalog: what fields exist, how they are stored, and how value names resolve to ids.

`Catalog` is the interface the tracker implements from PostgreSQL (`InMemoryCatalog` in `jql.testing`
is the reference implementation used by tests). Subclasses provide data through the abstract methods;
name resolution, "did you mean" suggestions and field lookup are concrete here so every backend
behaves the same.
"""

from __future__ import annotations

import difflib
import re
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from jql.ast import Operator

if TYPE_CHECKING:
    from jql.ast import Query
    from jql.functions import QueryContext


class FieldType(StrEnum):
    """JQL field types; they decide operators, value parsing and value resolution."""

    TEXT = "text"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    DURATION = "duration"
    USER = "user"
    PROJECT = "project"
    STATUS = "status"
    STATUS_CATEGORY = "status_category"
    ISSUE_TYPE = "issue_type"
    PRIORITY = "priority"
    RESOLUTION = "resolution"
    LABELS = "labels"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    VERSION = "version"
    SPRINT = "sprint"
    COMPONENT = "component"
    ISSUE_KEY = "issue_key"
    PARENT = "parent"


class SqlType(StrEnum):
    """Column types the SQL compiler needs to know to write literals and casts."""

    BIGINT = "BIGINT"
    INT = "INT"
    TEXT = "TEXT"
    NUMERIC = "NUMERIC"
    DATE = "DATE"
    TIMESTAMPTZ = "TIMESTAMPTZ"


# --- storage descriptions (how a field is kept in the relational schema) --------------------------


@dataclass(frozen=True)
class Column:
    """A scalar column of `issues`."""

    column: str
    sql_type: SqlType


@dataclass(frozen=True)
class ArrayColumn:
    """A text-array column of `issues` (PostgreSQL text[], DuckDB VARCHAR[]), such as labels."""

    column: str


@dataclass(frozen=True)
class JsonValue:
    """A key of `issues.custom_fields`; `multi` means the JSON value is an array."""

    key: str
    sql_type: SqlType
    multi: bool = False
    column: str = "custom_fields"


@dataclass(frozen=True)
class JoinTable:
    """Values in a side table: `EXISTS (SELECT 1 FROM table WHERE table.issue_id = i.id AND …)`."""

    table: str
    value_column: str
    sql_type: SqlType = SqlType.BIGINT
    issue_column: str = "issue_id"


@dataclass(frozen=True)
class IssueKeyStorage:
    """The issue itself: `issues.id`, `issues.key`, `issues.project_id`, `issues.number`."""


@dataclass(frozen=True)
class IssueRef:
    """A column holding another issue's id (parent)."""

    column: str


@dataclass(frozen=True)
class TextIndex:
    """A maintained tsvector side table that answers a text field's `~` on PostgreSQL (one GIN index).

    Each row is one document of an issue (`EXISTS (SELECT 1 FROM table WHERE issue_column = i.id AND
    document_column @@ query)`); `weight` restricts the match to the words of one part (tsquery `'w':A`),
    None matches any row of the issue. The rows must hold exactly the documents the field's `FullText`
    names, split the same way; migrations/0013_search_documents.sql keeps them.
    """

    table: str = "search_documents"
    document_column: str = "document"
    issue_column: str = "issue_id"
    weight: str | None = None


@dataclass(frozen=True)
class FullText:
    """Text searched with `~`: issue columns, custom-field JSON keys and/or a comments-like table.

    `index`, when set, serves positive matches on PostgreSQL; DuckDB and negated matches read the columns.
    """

    columns: tuple[str, ...] = ()
    json_keys: tuple[str, ...] = ()
    comments: JoinTable | None = None
    index: TextIndex | None = None


Storage = Column | ArrayColumn | JsonValue | JoinTable | IssueKeyStorage | IssueRef | FullText


@dataclass(frozen=True)
class Lookup:
    """A lookup table joined on the stored id, for sorting by a meaningful column."""

    table: str
    sort_column: str
    key_column: str = "id"


@dataclass(frozen=True)
class SortSpec:
    """How ORDER BY sorts a field; `reverse` flips the lookup order (priority: ASC = lowest first)."""

    column: str | None = None
    lookup: Lookup | None = None
    reverse: bool = False
    es_field: str | None = None


# --- operators per field type (reference §3.1) -----------------------------------------------------

Op = Operator
EQUALITY = frozenset({Op.EQ, Op.NEQ, Op.IN, Op.NOT_IN})
EMPTINESS = frozenset({Op.IS, Op.IS_NOT})
ORDERING = frozenset({Op.LT, Op.LTE, Op.GT, Op.GTE})
LIKE = frozenset({Op.LIKE, Op.NOT_LIKE})
WAS = frozenset({Op.WAS, Op.WAS_NOT, Op.WAS_IN, Op.WAS_NOT_IN})
CHANGED = frozenset({Op.CHANGED})

BASE_OPERATORS: dict[FieldType, frozenset[Operator]] = {
    FieldType.TEXT: LIKE | EMPTINESS,
    FieldType.STRING: EQUALITY | EMPTINESS,
    FieldType.NUMBER: EQUALITY | ORDERING | EMPTINESS,
    FieldType.DATE: EQUALITY | ORDERING | EMPTINESS,
    FieldType.DATETIME: EQUALITY | ORDERING | EMPTINESS,
    FieldType.DURATION: frozenset({Op.EQ, Op.NEQ}) | ORDERING,
    FieldType.USER: EQUALITY | EMPTINESS,
    FieldType.PROJECT: EQUALITY | EMPTINESS,
    FieldType.STATUS: EQUALITY | EMPTINESS,
    FieldType.STATUS_CATEGORY: EQUALITY,
    FieldType.ISSUE_TYPE: EQUALITY | EMPTINESS,
    FieldType.PRIORITY: EQUALITY | ORDERING | EMPTINESS,
    FieldType.RESOLUTION: EQUALITY | ORDERING | EMPTINESS,
    FieldType.LABELS: EQUALITY | EMPTINESS,
    FieldType.SELECT: EQUALITY | EMPTINESS,
    FieldType.MULTI_SELECT: EQUALITY | EMPTINESS,
    FieldType.VERSION: EQUALITY | ORDERING | EMPTINESS,
    FieldType.SPRINT: EQUALITY | EMPTINESS,
    FieldType.COMPONENT: EQUALITY | EMPTINESS,
    FieldType.ISSUE_KEY: EQUALITY | ORDERING | EMPTINESS,
    FieldType.PARENT: EQUALITY,
}
# WAS/CHANGED exist only for these types, and only when the field has a history name.
HISTORY_TYPES = frozenset(
    {FieldType.USER, FieldType.STATUS, FieldType.PRIORITY, FieldType.RESOLUTION, FieldType.VERSION}
)


def default_operators(field_type: FieldType, has_history: bool) -> frozenset[Operator]:
    """Operators Jira allows for a field type (plus WAS/CHANGED when history is recorded)."""
    ops = BASE_OPERATORS[field_type]
    if has_history and field_type in HISTORY_TYPES:
        ops = ops | WAS | CHANGED
    return ops


@dataclass(frozen=True)
class FieldSpec:
    """One searchable field: names, type, storage, and what JQL may do with it."""

    id: str
    names: tuple[str, ...]
    type: FieldType
    storage: Storage
    es_field: str
    multi: bool = False
    operators: frozenset[Operator] = frozenset()
    sort: SortSpec | None = None
    history: str | None = None
    nullable: bool = True
    custom_id: int | None = None

    def __post_init__(self) -> None:
        if not self.operators:
            object.__setattr__(self, "operators", default_operators(self.type, self.history is not None))

    @property
    def name(self) -> str:
        """The canonical JQL name."""
        return self.names[0]


# --- metadata records the catalog serves ---------------------------------------------------------


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    key: str
    name: str
    lead_id: int | None = None


@dataclass(frozen=True)
class StatusInfo:
    id: int
    name: str
    category: str  # 'todo' | 'in_progress' | 'done'


@dataclass(frozen=True)
class IssueTypeInfo:
    id: int
    name: str
    subtask: bool = False
    hierarchy_level: int = 0  # 1 = epic, 0 = standard, -1 = sub-task


@dataclass(frozen=True)
class PriorityInfo:
    id: int
    name: str
    sequence: int  # 1 = highest


@dataclass(frozen=True)
class ResolutionInfo:
    id: int
    name: str


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str = ""


@dataclass(frozen=True)
class SprintInfo:
    id: int
    name: str
    state: str  # 'future' | 'active' | 'closed'


@dataclass(frozen=True)
class VersionInfo:
    id: int
    name: str
    project_id: int
    sequence: int
    released: bool = False
    archived: bool = False
    release_date: date | None = None


@dataclass(frozen=True)
class ComponentInfo:
    id: int
    name: str
    project_id: int
    lead_id: int | None = None


@dataclass(frozen=True)
class OptionInfo:
    id: int
    value: str


@dataclass(frozen=True)
class LinkTypeInfo:
    id: int
    name: str
    outward: str  # "blocks"
    inward: str  # "is blocked by"


@dataclass(frozen=True)
class LinkStorage:
    """The issue-link table: a row means source --(type.outward)--> target."""

    table: str = "issue_links"
    source_column: str = "source_issue_id"
    target_column: str = "target_issue_id"
    type_column: str = "link_type_id"


# Jira's status-category names and keys, mapped to tracklake's `statuses.category`.
STATUS_CATEGORIES: dict[str, str] = {
    "to do": "todo",
    "todo": "todo",
    "new": "todo",
    "2": "todo",
    "in progress": "in_progress",
    "in_progress": "in_progress",
    "indeterminate": "in_progress",
    "4": "in_progress",
    "done": "done",
    "complete": "done",
    "3": "done",
}
ISSUE_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_]*)-([0-9]+)")

Scalar = int | str


class UnknownValue(Exception):
    """A value name did not resolve; `semantic` turns this into a positioned JqlSemanticError."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = tuple(suggestions)


def suggest(name: str, candidates: Collection[str], limit: int = 3) -> list[str]:
    """Close matches for a misspelt name, compared case-insensitively (difflib)."""
    by_lower: dict[str, str] = {}
    for c in candidates:
        by_lower.setdefault(c.lower(), c)
    return [by_lower[m] for m in difflib.get_close_matches(name.lower(), list(by_lower), n=limit, cutoff=0.6)]


def _by_name(name: str, items: Sequence[object], attrs: Sequence[str]) -> list[int]:
    low = name.lower()
    for attr in attrs:
        hits = [getattr(it, "id") for it in items if str(getattr(it, attr)).lower() == low]  # noqa: B009
        if hits:
            return hits
    return []


@dataclass
class _FieldIndex:
    by_name: dict[str, FieldSpec] = field(default_factory=dict)
    by_custom_id: dict[int, FieldSpec] = field(default_factory=dict)


class Catalog(ABC):
    """Fields and values visible to one searcher; the tracker implements the abstract methods."""

    _index: _FieldIndex | None = None

    # --- data the implementation provides -------------------------------------------------------

    @abstractmethod
    def fields(self) -> Sequence[FieldSpec]:
        """Every searchable field (system and custom) for this searcher."""

    @abstractmethod
    def projects(self) -> Sequence[ProjectInfo]:
        """Projects the searcher may name in a query."""

    @abstractmethod
    def statuses(self) -> Sequence[StatusInfo]:
        """All statuses."""

    @abstractmethod
    def issue_types(self) -> Sequence[IssueTypeInfo]:
        """All issue types."""

    @abstractmethod
    def priorities(self) -> Sequence[PriorityInfo]:
        """All priorities."""

    @abstractmethod
    def resolutions(self) -> Sequence[ResolutionInfo]:
        """All resolutions, in their configured order."""

    @abstractmethod
    def find_users(self, name: str) -> Sequence[UserInfo]:
        """Users whose username or display name equals `name` case-insensitively (or whose id it is)."""

    def similar_user_names(self, name: str) -> Sequence[str]:
        """Usernames to consider for 'did you mean' when `name` is unknown (a short candidate list)."""
        return ()

    def group_members(self, group: str) -> Sequence[int] | None:
        """User ids in a group (case-insensitive name), or None when there is no such group."""
        return None

    def group_names(self) -> Sequence[str]:
        """Group names, for suggestions."""
        return ()

    def sprints(self) -> Sequence[SprintInfo]:
        """All sprints."""
        return ()

    def versions(self) -> Sequence[VersionInfo]:
        """All versions of the searcher's projects."""
        return ()

    def components(self) -> Sequence[ComponentInfo]:
        """All components of the searcher's projects."""
        return ()

    def options(self, field: FieldSpec) -> Sequence[OptionInfo]:
        """Options of a select / multi-select custom field."""
        return ()

    def link_types(self) -> Sequence[LinkTypeInfo]:
        """Issue link types."""
        return ()

    def link_storage(self) -> LinkStorage | None:
        """Where issue links are stored, or None when links are not available."""
        return None

    def recently_viewed_issue_ids(self, user_id: int) -> Sequence[int]:
        """Issue ids the user viewed recently (issueHistory())."""
        return ()

    def search_issue_ids(self, query: Query, *, scope: Collection[int] | None, context: QueryContext) -> Sequence[int]:
        """Ids of issues matching `query` (run on SQL); only `to_es` needs it, for sub-query functions."""
        raise NotImplementedError("this catalog cannot run sub-queries for Elasticsearch")

    # --- field lookup -----------------------------------------------------------------------------

    def _field_index(self) -> _FieldIndex:
        if self._index is None:
            index = _FieldIndex()
            for spec in self.fields():
                for name in spec.names:
                    index.by_name.setdefault(name.lower(), spec)
                if spec.custom_id is not None:
                    index.by_custom_id.setdefault(spec.custom_id, spec)
            self._index = index
        return self._index

    def field(self, name: str) -> FieldSpec | None:
        """The field called `name` (case-insensitive, aliases included), or None."""
        return self._field_index().by_name.get(name.lower())

    def custom_field(self, custom_id: int) -> FieldSpec | None:
        """The custom field with id `custom_id` (`cf[10001]`), or None."""
        return self._field_index().by_custom_id.get(custom_id)

    def field_names(self) -> list[str]:
        """Every JQL field name, for suggestions."""
        return [name for spec in self.fields() for name in spec.names]

    # --- value resolution -------------------------------------------------------------------------

    def resolve(self, spec: FieldSpec, raw: str) -> tuple[Scalar, ...]:
        """Stored values for a value name; raises UnknownValue (with suggestions) when nothing matches."""
        resolver = getattr(self, f"_resolve_{spec.type.value}", None)
        if resolver is None:
            return (raw,)
        result: tuple[Scalar, ...] = resolver(spec, raw)
        return result

    def _unknown(self, spec: FieldSpec, raw: str, candidates: Collection[str]) -> UnknownValue:
        return UnknownValue(f"The value '{raw}' does not exist for the field '{spec.name}'", suggest(raw, candidates))

    def _named(self, spec: FieldSpec, raw: str, items: Sequence[object], attrs: Sequence[str]) -> tuple[int, ...]:
        ids = _by_name(raw, items, attrs)
        if not ids and raw.isdigit():
            ids = [getattr(it, "id") for it in items if getattr(it, "id") == int(raw)]  # noqa: B009
        if not ids:
            raise self._unknown(spec, raw, [str(getattr(it, attrs[0])) for it in items])
        return tuple(dict.fromkeys(ids))

    def _resolve_project(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        return self._named(spec, raw, self.projects(), ("key", "name"))

    def _resolve_status(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        return self._named(spec, raw, self.statuses(), ("name",))

    def _resolve_status_category(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        category = STATUS_CATEGORIES.get(raw.lower())
        if category is None:
            raise self._unknown(spec, raw, ["To Do", "In Progress", "Done"])
        return tuple(s.id for s in self.statuses() if s.category == category)

    def _resolve_issue_type(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        return self._named(spec, raw, self.issue_types(), ("name",))

    def _resolve_priority(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        return self._named(spec, raw, self.priorities(), ("name",))

    def _resolve_resolution(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        return self._named(spec, raw, self.resolutions(), ("name",))

    def _resolve_user(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        users = self.find_users(raw)
        if not users:
            raise self._unknown(spec, raw, self.similar_user_names(raw))
        return tuple(dict.fromkeys(u.id for u in users))

    def _resolve_sprint(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        return self._named(spec, raw, self.sprints(), ("name",))

    def _resolve_version(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        return self._named(spec, raw, self.versions(), ("name",))

    def _resolve_component(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        return self._named(spec, raw, self.components(), ("name",))

    def _resolve_select(self, spec: FieldSpec, raw: str) -> tuple[int, ...]:
        return self._named(spec, raw, self.options(spec), ("value",))

    _resolve_multi_select = _resolve_select

    def project_by_key(self, key: str) -> ProjectInfo | None:
        """The project whose key is `key` (case-insensitive)."""
        low = key.lower()
        return next((p for p in self.projects() if p.key.lower() == low), None)
