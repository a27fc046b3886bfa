"""Versions (releases) of a project, and the fix and affects versions of issues.

Issues' versions are multi-valued fields kept in issue_fix_versions / issue_affects_versions. As in Jira's
changelog, each added or removed version is its own history item: field 'Fix Version' (or 'Version' for affects
versions), value the version id, string its name. Writing versions needs ADMINISTER_PROJECTS; setting them on an
issue needs EDIT_ISSUES there. Archived versions cannot be newly set on issues.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from datetime import date, datetime
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.agile.cache import meta_scope
from tracker.agile.common import (
    iso,
    load_project_item,
    lock_issue,
    now,
    record_issue_change,
    record_item_event,
)
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import AlreadyExists, ValidationError
from tracker.events import Change
from tracker.issues.actions import check_version, load_issue
from tracker.permissions import Permission
from tracker.projects.actions import get_project

FIX_FIELD = "Fix Version"
AFFECTS_FIELD = "Version"
TABLES = {"fix_versions": "issue_fix_versions", "affects_versions": "issue_affects_versions"}
HISTORY_FIELDS = {"fix_versions": FIX_FIELD, "affects_versions": AFFECTS_FIELD}

VERSION_SELECT = "SELECT v.*, p.key AS project_key FROM versions v JOIN projects p ON p.id = v.project_id"
SELECT_VERSION = VERSION_SELECT + " WHERE v.id = %(id)s"
SELECT_PROJECT_VERSIONS = (
    VERSION_SELECT
    + " WHERE v.project_id = %(project_id)s AND (%(archived)s OR NOT v.archived) ORDER BY v.sequence, v.id"
)
SELECT_NAME_TAKEN = """
SELECT 1 FROM versions WHERE project_id = %(project_id)s AND lower(name) = lower(%(name)s) AND id <> %(id)s
"""
INSERT_VERSION = """
INSERT INTO versions (project_id, name, description, start_date, release_date, released, archived, sequence,
                      created_at, updated_at)
VALUES (%(project_id)s, %(name)s, %(description)s, %(start_date)s, %(release_date)s, %(released)s, %(archived)s,
        (SELECT coalesce(max(sequence), 0) + 1 FROM versions WHERE project_id = %(project_id)s), %(now)s, %(now)s)
RETURNING id
"""
UPDATE_VERSION = """
UPDATE versions SET name = %(name)s, description = %(description)s, start_date = %(start_date)s,
                    release_date = %(release_date)s, released = %(released)s, archived = %(archived)s,
                    updated_at = %(now)s
WHERE id = %(id)s
"""
DELETE_VERSION = "DELETE FROM versions WHERE id = %(id)s"
SELECT_VERSION_ISSUES = """
SELECT issue_id FROM issue_fix_versions WHERE version_id = %(id)s
UNION SELECT issue_id FROM issue_affects_versions WHERE version_id = %(id)s
ORDER BY 1
"""
SELECT_ISSUE_VERSIONS = {
    kind: f"""
SELECT v.id, v.name, v.released, v.archived, v.release_date FROM {table} x JOIN versions v ON v.id = x.version_id
WHERE x.issue_id = %(issue_id)s ORDER BY v.sequence, v.id
"""
    for kind, table in TABLES.items()
}
DELETE_ISSUE_VERSIONS = {
    kind: f"DELETE FROM {table} WHERE issue_id = %(issue_id)s AND version_id = ANY(%(ids)s::bigint[])"
    for kind, table in TABLES.items()
}
INSERT_ISSUE_VERSION = {
    kind: f"INSERT INTO {table} (issue_id, version_id) VALUES (%(issue_id)s, %(id)s) ON CONFLICT DO NOTHING"
    for kind, table in TABLES.items()
}


def version_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a version."""
    return {
        "id": row["id"],
        "project": row["project_key"],
        "name": row["name"],
        "description": row["description"],
        "start_date": iso(row["start_date"]),
        "release_date": iso(row["release_date"]),
        "released": row["released"],
        "archived": row["archived"],
        "sequence": row["sequence"],
    }


def _date(value: Any, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError("Invalid date", errors={field: "must be a date like 2026-12-31"}) from None


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Name is required", errors={"name": "is required"})
    if len(value.strip()) > 255:
        raise ValidationError("Name is too long", errors={"name": "at most 255 characters"})
    return value.strip()


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"Invalid {field}", errors={field: "must be true or false"})
    return value


def item_changes(field: str, before: Mapping[int, str], after: Mapping[int, str]) -> list[Change]:
    """One history item per removed, then per added, value of a multi-valued field (ids in order)."""
    removed = [Change.of(field, str(i), None, before_string=before[i]) for i in sorted(set(before) - set(after))]
    added = [Change.of(field, None, str(i), after_string=after[i]) for i in sorted(set(after) - set(before))]
    return removed + added


async def list_versions(conn: Conn, actor: Actor, project_key: str, *, archived: bool = True) -> list[DictRow]:
    """A project's versions in their order."""
    project = await get_project(conn, actor, project_key)
    return await fetch_all(conn, SELECT_PROJECT_VERSIONS, {"project_id": project["id"], "archived": archived})


async def get_version(
    conn: Conn, actor: Actor, version_id: int, need: Permission = Permission.BROWSE_PROJECTS
) -> DictRow:
    """A version of a project the actor may see, checked for `need` there."""
    return await load_project_item(conn, actor, SELECT_VERSION, version_id, "Version", need)


async def _changed(conn: Conn, actor: Actor, event_type: str, version_id: int, at: datetime, **extra: Any) -> DictRow:
    return await record_item_event(
        conn,
        actor,
        event_type,
        select=SELECT_VERSION,
        item_id=version_id,
        scope=lambda row: meta_scope(row["project_id"]),
        view=version_view,
        at=at,
        **extra,
    )


async def do_create_version(
    conn: Conn,
    actor: Actor,
    project_key: str,
    *,
    name: str,
    description: str | None = None,
    start_date: Any = None,
    release_date: Any = None,
    released: bool = False,
    archived: bool = False,
    at: datetime | None = None,
) -> DictRow:
    """Add a version at the end of a project's versions."""
    when = at or now()
    project = await get_project(conn, actor, project_key, Permission.ADMINISTER_PROJECTS)
    params = {
        "id": 0,
        "project_id": project["id"],
        "name": _name(name),
        "description": description or "",
        "start_date": _date(start_date, "start_date"),
        "release_date": _date(release_date, "release_date"),
        "released": _flag(released, "released"),
        "archived": _flag(archived, "archived"),
        "now": when,
    }
    _check_dates(params)
    if await fetch_one(conn, SELECT_NAME_TAKEN, params):
        raise AlreadyExists(
            f"Project {project['key']} already has a version '{params['name']}'", errors={"name": "taken"}
        )
    version_id = await fetch_val(conn, INSERT_VERSION, params)
    return await _changed(conn, actor, "version.created", version_id, when)


def _check_dates(params: Mapping[str, Any]) -> None:
    if params["start_date"] and params["release_date"] and params["release_date"] < params["start_date"]:
        raise ValidationError("A version cannot be released before it starts", errors={"release_date": "before start"})


async def do_update_version(
    conn: Conn, actor: Actor, version_id: int, changes: Mapping[str, Any], *, at: datetime | None = None
) -> DictRow:
    """Rename, describe, re-date, release/unrelease or archive a version."""
    when = at or now()
    row = await get_version(conn, actor, version_id, Permission.ADMINISTER_PROJECTS)
    params = {
        "id": row["id"],
        "project_id": row["project_id"],
        "name": _name(changes["name"]) if "name" in changes else row["name"],
        "description": (changes.get("description") or "") if "description" in changes else row["description"],
        "start_date": _date(changes["start_date"], "start_date") if "start_date" in changes else row["start_date"],
        "release_date": _date(changes["release_date"], "release_date")
        if "release_date" in changes
        else row["release_date"],
        "released": _flag(changes["released"], "released") if "released" in changes else row["released"],
        "archived": _flag(changes["archived"], "archived") if "archived" in changes else row["archived"],
        "now": when,
    }
    if params["released"] and not row["released"] and params["release_date"] is None:
        params["release_date"] = when.date()
    _check_dates(params)
    if await fetch_one(conn, SELECT_NAME_TAKEN, params):
        raise AlreadyExists(f"The project already has a version '{params['name']}'", errors={"name": "taken"})
    await conn.execute(UPDATE_VERSION, params)
    event = "version.updated"
    if params["released"] != row["released"]:
        event = "version.released" if params["released"] else "version.unreleased"
    return await _changed(conn, actor, event, row["id"], when)


async def do_delete_version(conn: Conn, actor: Actor, version_id: int, *, at: datetime | None = None) -> None:
    """Delete a version; every issue that had it records the removal."""
    when = at or now()
    row = await get_version(conn, actor, version_id, Permission.ADMINISTER_PROJECTS)
    for r in await fetch_all(conn, SELECT_VERSION_ISSUES, {"id": row["id"]}):
        await conn.execute("SELECT id FROM issues WHERE id = %(id)s FOR UPDATE", {"id": r["issue_id"]})
        issue = await load_issue(conn, r["issue_id"])
        changes: list[Change] = []
        for kind in TABLES:
            current = {
                v["id"]: v["name"]
                for v in await fetch_all(conn, SELECT_ISSUE_VERSIONS[kind], {"issue_id": issue["id"]})
            }
            if row["id"] in current:
                after = {k: v for k, v in current.items() if k != row["id"]}
                await conn.execute(DELETE_ISSUE_VERSIONS[kind], {"issue_id": issue["id"], "ids": [row["id"]]})
                changes += item_changes(HISTORY_FIELDS[kind], current, after)
        await record_issue_change(conn, actor, issue, changes, at=when)
    await _changed(conn, actor, "version.deleted", row["id"], when)
    await conn.execute(DELETE_VERSION, {"id": row["id"]})


async def resolve_versions(
    conn: Conn, project_id: int, project_key: str, refs: Sequence[Any], field: str, *, allow: Set[int] = frozenset()
) -> dict[int, str]:
    """Versions of a project by name or id → {id: name}; archived ones only when already set (`allow`)."""
    if not isinstance(refs, list | tuple) or len(refs) > 100:
        raise ValidationError("Invalid versions", errors={field: "a list of at most 100 version names or ids"})
    rows = await fetch_all(conn, SELECT_PROJECT_VERSIONS, {"project_id": project_id, "archived": True})
    by_id = {str(r["id"]): r for r in rows}
    by_name = {r["name"].lower(): r for r in rows}
    out: dict[int, str] = {}
    for ref in refs:
        row = by_id.get(str(ref)) or by_name.get(str(ref).strip().lower())
        if row is None:
            raise ValidationError("Unknown version", errors={field: f"'{ref}' is not a version of {project_key}"})
        if row["archived"] and row["id"] not in allow:
            raise ValidationError("Archived version", errors={field: f"version '{row['name']}' is archived"})
        out[row["id"]] = row["name"]
    return out


async def issue_versions(conn: Conn, issue_id: int) -> dict[str, list[DictRow]]:
    """Fix and affects versions of an issue."""
    return {kind: await fetch_all(conn, SELECT_ISSUE_VERSIONS[kind], {"issue_id": issue_id}) for kind in TABLES}


async def version_changes(conn: Conn, issue: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[Change]:
    """Set an issue's fix/affects versions (whole lists, by name or id) and return the history items."""
    changes: list[Change] = []
    for kind, refs in wanted.items():
        if kind not in TABLES or refs is None:
            continue
        current = {
            v["id"]: v["name"] for v in await fetch_all(conn, SELECT_ISSUE_VERSIONS[kind], {"issue_id": issue["id"]})
        }
        after = await resolve_versions(conn, issue["project_id"], issue["project_key"], refs, kind, allow=set(current))
        removed = sorted(set(current) - set(after))
        if removed:
            await conn.execute(DELETE_ISSUE_VERSIONS[kind], {"issue_id": issue["id"], "ids": removed})
        for version_id in sorted(set(after) - set(current)):
            await conn.execute(INSERT_ISSUE_VERSION[kind], {"issue_id": issue["id"], "id": version_id})
        changes += item_changes(HISTORY_FIELDS[kind], current, after)
    return changes


async def do_set_issue_versions(
    conn: Conn,
    actor: Actor,
    ref: str | int,
    *,
    fix_versions: Sequence[Any] | None = None,
    affects_versions: Sequence[Any] | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> DictRow:
    """Replace an issue's fix versions and/or affects versions (None leaves a list as it is)."""
    when = at or now()
    issue = await lock_issue(conn, actor, ref, Permission.EDIT_ISSUES)
    check_version(issue, expected_version)
    changes = await version_changes(conn, issue, {"fix_versions": fix_versions, "affects_versions": affects_versions})
    if not changes:
        return issue
    return await record_issue_change(conn, actor, issue, changes, at=when)
