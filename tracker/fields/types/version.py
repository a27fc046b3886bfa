"""Version picker: versions of the issue's project, stored as a JSON array of version ids.

Versions belong to the agile work; this type reads them through a `VersionProvider`. The default one reads a
`versions (id, project_id, name)` table once it exists and reports "no versions" until then; the agile code
(or a test) can install another provider with `set_version_provider`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tracker.db import Conn, fetch_all, fetch_val
from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, Lookups, as_int_ref, as_list


@dataclass(frozen=True, slots=True)
class VersionRef:
    id: int
    name: str
    project_id: int


class VersionProvider(Protocol):
    async def in_project(self, conn: Conn, project_id: int) -> list[VersionRef]:
        """Every version of a project."""
        ...

    async def by_ids(self, conn: Conn, ids: list[int]) -> dict[int, VersionRef]:
        """Versions by id, in any project."""
        ...


class SqlVersionProvider:
    """Reads the `versions` table when the agile migration has created it."""

    async def _exists(self, conn: Conn) -> bool:
        return await fetch_val(conn, "SELECT to_regclass('versions') IS NOT NULL") is True

    async def in_project(self, conn: Conn, project_id: int) -> list[VersionRef]:
        if not await self._exists(conn):
            return []
        rows = await fetch_all(
            conn, "SELECT id, name, project_id FROM versions WHERE project_id = %(p)s ORDER BY id", {"p": project_id}
        )
        return [VersionRef(r["id"], r["name"], r["project_id"]) for r in rows]

    async def by_ids(self, conn: Conn, ids: list[int]) -> dict[int, VersionRef]:
        if not ids or not await self._exists(conn):
            return {}
        rows = await fetch_all(conn, "SELECT id, name, project_id FROM versions WHERE id = ANY(%(ids)s)", {"ids": ids})
        return {r["id"]: VersionRef(r["id"], r["name"], r["project_id"]) for r in rows}


_provider: VersionProvider = SqlVersionProvider()


def set_version_provider(provider: VersionProvider) -> VersionProvider:
    """Install where versions come from; returns the previous provider."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def _name(versions: Mapping[int, VersionRef], version_id: int) -> str:
    v = versions.get(version_id)
    return v.name if v else f"(deleted version {version_id})"


class VersionType(CustomFieldType):
    key = "version"
    label = "Version picker"
    jql_type = "version"
    sql_type = "BIGINT"
    multi = True

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        items = as_list(raw, "versions", self.max_items)
        if lookups.project_id is None:
            raise FieldValueError("versions need a project")
        known = await _provider.in_project(lookups.conn, lookups.project_id)
        out: list[int] = []
        for item in items:
            ref = as_int_ref(item)
            text = item.get("name") if isinstance(item, Mapping) else item
            found = next((v for v in known if ref is not None and v.id == ref), None) or next(
                (v for v in known if isinstance(text, str) and v.name.lower() == text.lower()), None
            )
            if found is None:
                names = ", ".join(v.name for v in known) or "the project has no versions"
                raise FieldValueError(f"'{str(text)[:60]}' is not a version of this project ({names})")
            if found.id not in out:
                out.append(found.id)
        return out

    async def describe(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> tuple[str | None, str | None]:
        if not stored:
            return None, None
        versions = await _provider.by_ids(lookups.conn, list(stored))
        return ",".join(str(i) for i in stored), ", ".join(_name(versions, i) for i in stored)

    async def render(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        versions = await _provider.by_ids(lookups.conn, list(stored or ()))
        return [{"id": i, "name": _name(versions, i)} for i in stored or ()]
