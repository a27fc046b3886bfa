"""What every custom field type provides, and the lookups a type may need while parsing or rendering."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from psycopg.rows import DictRow

from tracker.db import Conn, fetch_all

if TYPE_CHECKING:
    from tracker.fields.models import FieldDefinition


class FieldValueError(Exception):
    """A value breaks a rule of its field type; the message states the rule (the caller adds the field name)."""


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """An index on `issues` that serves comparisons of one custom field."""

    name: str
    method: str  # "btree" or "gin"
    expression: str  # over the `issues` columns, without alias
    predicate: str | None = None

    def ddl(self) -> str:
        """CREATE INDEX statement (names and keys come from integers, never from user text)."""
        where = f" WHERE {self.predicate}" if self.predicate else ""
        return f"CREATE INDEX IF NOT EXISTS {self.name} ON issues USING {self.method} (({self.expression})){where}"


@dataclass
class Lookups:
    """Batched, cached reads a type needs: users by name or id, and versions of the issue's project."""

    conn: Conn
    project_id: int | None = None
    _users: dict[int, DictRow] = field(default_factory=dict)

    async def users_by_name(self, names: list[str]) -> dict[str, DictRow]:
        """Users by user name (only those found)."""
        rows = await fetch_all(
            self.conn,
            "SELECT id, username, display_name, active FROM users WHERE username = ANY(%(names)s)",
            {"names": sorted(set(names))},
        )
        for r in rows:
            self._users[r["id"]] = r
        return {r["username"]: r for r in rows}

    async def users_by_id(self, ids: list[int]) -> dict[int, DictRow]:
        """Users by id (only those found)."""
        missing = sorted({i for i in ids if i not in self._users})
        if missing:
            for r in await fetch_all(
                self.conn,
                "SELECT id, username, display_name, active FROM users WHERE id = ANY(%(ids)s)",
                {"ids": missing},
            ):
                self._users[r["id"]] = r
        return {i: self._users[i] for i in ids if i in self._users}


class CustomFieldType(ABC):
    """One custom field type: parsing, validation, storage in issues.custom_fields, display, search."""

    key: ClassVar[str]  # the type's name in the API, e.g. "select"
    label: ClassVar[str]  # as an administrator reads it
    jql_type: ClassVar[str]  # a jql.catalog.FieldType value: how JQL compares the field
    sql_type: ClassVar[str]  # a jql.catalog.SqlType value for a scalar value (element type when multi)
    multi: ClassVar[bool] = False  # the stored JSON value is an array
    has_options: ClassVar[bool] = False
    max_items: ClassVar[int] = 100

    def validate_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Type-specific settings, checked; most types take none."""
        if config:
            raise FieldValueError(f"{self.label} fields take no settings (got {', '.join(sorted(config))})")
        return {}

    @abstractmethod
    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        """The JSON value to store for an API value (never None: the caller handles emptiness)."""

    def is_empty(self, raw: Any) -> bool:
        """Whether an API value means "no value" (null, empty string, empty list)."""
        return raw is None or raw == "" or raw == []

    async def describe(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> tuple[str | None, str | None]:
        """(value, display string) of a stored value, as history keeps them (ids as values)."""
        if stored is None:
            return None, None
        return str(stored), str(stored)

    async def render(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        """The value in the issue's API representation."""
        return stored

    def tokens(self, stored: Any, field: FieldDefinition) -> list[str]:
        """Stored ids/values as strings, for workflow conditions comparing a field to a value."""
        if stored is None:
            return []
        items = stored if isinstance(stored, list) else [stored]
        return [str(i) for i in items]

    # --- search ---------------------------------------------------------------------------------------

    def value_sql(self, storage_key: str, alias: str = "i") -> str:
        """SQL for the scalar value (what range comparisons and ORDER BY use; matches the index)."""
        return f"({alias}.custom_fields ->> '{storage_key}')"

    def indexes(self, field_id: int) -> list[IndexSpec]:
        """Indexes beyond the GIN jsonb_path_ops index (which serves equality and membership via @>)."""
        return []


def as_int_ref(raw: Any) -> int | None:
    """An id given as an int, a digit string or {"id": ...}; None when `raw` is not an id."""
    if isinstance(raw, Mapping) and "id" in raw:
        raw = raw["id"]
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit() and len(raw) < 19:
        return int(raw)
    return None


def as_list(raw: Any, what: str, limit: int) -> list[Any]:
    """A list value of at most `limit` items."""
    if not isinstance(raw, list):
        raise FieldValueError(f"must be a list of {what}")
    if len(raw) > limit:
        raise FieldValueError(f"at most {limit} {what}")
    return raw
