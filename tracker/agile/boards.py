"""Boards: a saved filter shown as ordered columns of statuses, with quick filters, swimlanes and estimation.

A board lives in a project (its location: permissions and cache scope). Reading a board needs BROWSE_PROJECTS
there; configuring it needs ADMINISTER_PROJECTS. The rightmost column is what "done" means for the board's
reports. Every configuration change writes a `board.updated` event carrying the whole configuration, so the
warehouse keeps the versions of a board's column mapping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.agile import filters
from tracker.agile.cache import board_scope, meta_scope
from tracker.agile.common import iso, now, record_agile_event, touch
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import NotFound, ValidationError
from tracker.permissions import (
    GRANTS_LATERAL,
    Permission,
    ProjectGrants,
    require_project_permission,
    visible_project_ids,
)
from tracker.projects.actions import get_project

BOARD_TYPES = ("scrum", "kanban")
ESTIMATIONS = ("story_points", "issue_count")
SWIMLANES = ("none", "assignee", "epic")
MAX_COLUMNS = 30
MAX_QUICK_FILTERS = 50
MAX_NON_WORKING_DAYS = 1000

BOARD_COLUMNS_SQL = """
b.*, p.key AS project_key, p.name AS project_name,
f.name AS filter_name, f.jql AS filter_jql, f.owner_id AS filter_owner_id, f.shared AS filter_shared,
u.username AS owner_username, u.display_name AS owner_display_name,
(SELECT stamp FROM cache_stamps WHERE scope = 'board:' || b.id) AS board_stamp,
(SELECT stamp FROM cache_stamps WHERE scope = 'project:' || b.project_id) AS project_stamp,
(SELECT stamp FROM cache_stamps WHERE scope = 'instance') AS instance_stamp
"""
BOARD_JOINS = """
LEFT JOIN saved_filters f ON f.id = b.filter_id
LEFT JOIN users u ON u.id = b.owner_id
"""
# One round trip loads the board, the actor's grants in its project and the cache stamps of a view.
SELECT_ANY_BOARD = f"""
SELECT {BOARD_COLUMNS_SQL}, grants.*
FROM boards b JOIN projects p ON p.id = b.project_id {GRANTS_LATERAL} {BOARD_JOINS}
WHERE b.id = %(id)s
"""
SELECT_BOARD = SELECT_ANY_BOARD + " AND b.deleted_at IS NULL"
SELECT_BOARDS = f"""
SELECT {BOARD_COLUMNS_SQL}
FROM boards b JOIN projects p ON p.id = b.project_id {BOARD_JOINS}
WHERE b.deleted_at IS NULL
  AND (%(project_ids)s::bigint[] IS NULL OR b.project_id = ANY(%(project_ids)s::bigint[]))
  AND (%(project_key)s::text IS NULL OR p.key = %(project_key)s)
  AND (%(type)s::text IS NULL OR b.type = %(type)s)
ORDER BY b.id
"""
INSERT_BOARD = """
INSERT INTO boards (name, type, project_id, filter_id, owner_id, estimation, swimlanes, done_max_age_days,
                    timezone, working_weekdays, created_at, updated_at)
VALUES (%(name)s, %(type)s, %(project_id)s, %(filter_id)s, %(owner_id)s, %(estimation)s, %(swimlanes)s,
        %(done_max_age_days)s, %(timezone)s, %(working_weekdays)s, %(now)s, %(now)s)
RETURNING id
"""
UPDATE_BOARD = """
UPDATE boards SET name = %(name)s, filter_id = %(filter_id)s, estimation = %(estimation)s,
                  swimlanes = %(swimlanes)s, done_max_age_days = %(done_max_age_days)s, timezone = %(timezone)s,
                  working_weekdays = %(working_weekdays)s, updated_at = %(now)s
WHERE id = %(id)s
"""
DELETE_BOARD = "UPDATE boards SET deleted_at = %(now)s, updated_at = %(now)s WHERE id = %(id)s"
SELECT_COLUMNS = "SELECT * FROM board_columns WHERE board_id = %(id)s ORDER BY position"
DELETE_COLUMNS = "DELETE FROM board_columns WHERE board_id = %(id)s"
INSERT_COLUMN = """
INSERT INTO board_columns (board_id, position, name, status_ids, min_issues, max_issues)
VALUES (%(board_id)s, %(position)s, %(name)s, %(status_ids)s, %(min)s, %(max)s)
"""
SELECT_STATUSES = "SELECT id, name, category FROM statuses ORDER BY id"
# Statuses a project's issues can be in: every workflow of its workflow scheme (and its legacy workflow).
SELECT_PROJECT_STATUSES = """
SELECT DISTINCT s.id, s.name, s.category
FROM projects p
JOIN workflow_statuses ws ON ws.workflow_id = p.workflow_id
    OR ws.workflow_id = (SELECT default_workflow_id FROM workflow_schemes WHERE id = p.workflow_scheme_id)
    OR ws.workflow_id IN (SELECT workflow_id FROM workflow_scheme_mappings WHERE scheme_id = p.workflow_scheme_id)
JOIN statuses s ON s.id = ws.status_id
WHERE p.id = %(project_id)s
ORDER BY s.id
"""
SELECT_NON_WORKING_DAYS = "SELECT day FROM board_non_working_days WHERE board_id = %(id)s ORDER BY day"
DELETE_NON_WORKING_DAYS = "DELETE FROM board_non_working_days WHERE board_id = %(id)s"
INSERT_NON_WORKING_DAY = "INSERT INTO board_non_working_days (board_id, day) VALUES (%(board_id)s, %(day)s)"
SELECT_QUICK_FILTERS = "SELECT * FROM board_quick_filters WHERE board_id = %(id)s ORDER BY position, id"
SELECT_QUICK_FILTER = "SELECT * FROM board_quick_filters WHERE id = %(id)s AND board_id = %(board_id)s"
INSERT_QUICK_FILTER = """
INSERT INTO board_quick_filters (board_id, name, jql, description, position)
VALUES (%(board_id)s, %(name)s, %(jql)s, %(description)s,
        (SELECT coalesce(max(position) + 1, 0) FROM board_quick_filters WHERE board_id = %(board_id)s))
RETURNING id
"""
UPDATE_QUICK_FILTER = """
UPDATE board_quick_filters SET name = %(name)s, jql = %(jql)s, description = %(description)s WHERE id = %(id)s
"""
DELETE_QUICK_FILTER = "DELETE FROM board_quick_filters WHERE id = %(id)s"
COUNT_QUICK_FILTERS = "SELECT count(*) FROM board_quick_filters WHERE board_id = %(id)s"
SELECT_FILTER_NAME_USED = "SELECT 1 FROM saved_filters WHERE owner_id = %(owner_id)s AND lower(name) = lower(%(name)s)"

DEFAULT_COLUMNS = (("To Do", "todo"), ("In Progress", "in_progress"), ("Done", "done"))


# -- reading -----------------------------------------------------------------------------------------------------


async def get_board(conn: Conn, actor: Actor, board_id: int, need: Permission = Permission.BROWSE_PROJECTS) -> DictRow:
    """A live board the actor may see (NotFound otherwise), checked for `need` in its project."""
    if not 0 < board_id < 2**63:
        raise NotFound(f"Board {board_id} does not exist")
    row = await fetch_one(conn, SELECT_BOARD, {"id": board_id, "actor_id": actor.id})
    if row is None:
        raise NotFound(f"Board {board_id} does not exist")
    row["grants"] = ProjectGrants.from_row(actor, row, project_id=row["project_id"])
    project = {"id": row["project_id"], "key": row["project_key"], "grants": row["grants"]}
    try:
        await require_project_permission(conn, actor, project, Permission.BROWSE_PROJECTS)
    except NotFound:
        raise NotFound(f"Board {board_id} does not exist") from None
    if need is not Permission.BROWSE_PROJECTS:
        await require_project_permission(conn, actor, project, need)
    return row


async def list_boards(
    conn: Conn, actor: Actor, *, project_key: str | None = None, board_type: str | None = None
) -> list[DictRow]:
    """Live boards in projects the actor may see."""
    visible = await visible_project_ids(conn, actor)
    return await fetch_all(
        conn,
        SELECT_BOARDS,
        {
            "project_ids": None if visible is None else sorted(visible),
            "project_key": project_key.upper() if project_key else None,
            "type": board_type,
        },
    )


async def board_columns(conn: Conn, board_id: int) -> list[DictRow]:
    """The board's columns, leftmost first."""
    return await fetch_all(conn, SELECT_COLUMNS, {"id": board_id})


async def quick_filters(conn: Conn, board_id: int) -> list[DictRow]:
    """The board's quick filters in display order."""
    return await fetch_all(conn, SELECT_QUICK_FILTERS, {"id": board_id})


def done_status_ids(columns: Sequence[Mapping[str, Any]]) -> list[int]:
    """Statuses of the rightmost column: 'done' for the board's reports and sprint completion."""
    return list(columns[-1]["status_ids"]) if columns else []


async def statuses_by_id(conn: Conn) -> dict[int, DictRow]:
    """Every status by id."""
    return {r["id"]: r for r in await fetch_all(conn, SELECT_STATUSES)}


def column_view(column: Mapping[str, Any], statuses: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON of a column with its statuses."""
    return {
        "id": column["id"],
        "name": column["name"],
        "statuses": [
            {"id": s, "name": statuses[s]["name"], "category": statuses[s]["category"]}
            for s in column["status_ids"]
            if s in statuses
        ],
        "min": column["min_issues"],
        "max": column["max_issues"],
    }


def quick_filter_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a quick filter."""
    return {"id": row["id"], "name": row["name"], "jql": row["jql"], "description": row["description"]}


async def board_config(conn: Conn, board: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a board with its columns and quick filters."""
    statuses = await statuses_by_id(conn)
    out = board_view(
        board,
        [column_view(c, statuses) for c in await board_columns(conn, board["id"])],
        [quick_filter_view(q) for q in await quick_filters(conn, board["id"])],
    )
    days = await fetch_all(conn, SELECT_NON_WORKING_DAYS, {"id": board["id"]})
    out["non_working_days"] = [d["day"].isoformat() for d in days]
    return out


def board_view(
    board: Mapping[str, Any],
    columns: list[dict[str, Any]] | None = None,
    quick: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON of a board (columns and quick filters when given)."""
    out: dict[str, Any] = {
        "id": board["id"],
        "name": board["name"],
        "type": board["type"],
        "project": {"id": board["project_id"], "key": board["project_key"], "name": board["project_name"]},
        "filter": None
        if board["filter_id"] is None
        else {"id": board["filter_id"], "name": board["filter_name"], "jql": board["filter_jql"]},
        "owner": None
        if board["owner_id"] is None
        else {"username": board["owner_username"], "display_name": board["owner_display_name"]},
        "estimation": board["estimation"],
        "swimlanes": board["swimlanes"],
        "done_max_age_days": board["done_max_age_days"],
        "timezone": board["timezone"],
        "working_weekdays": list(board["working_weekdays"]),
        "created": iso(board["created_at"]),
        "updated": iso(board["updated_at"]),
    }
    if columns is not None:
        out["columns"] = columns
    if quick is not None:
        out["quick_filters"] = quick
    return out


# -- validation --------------------------------------------------------------------------------------------------


def _choice(value: Any, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise ValidationError(f"Invalid {field}", errors={field: f"must be one of {', '.join(allowed)}"})
    return str(value)


def _text(value: Any, field: str, *, required: bool = True, limit: int = 255) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f"{field.capitalize()} is required", errors={field: "is required"})
    if len(value.strip()) > limit:
        raise ValidationError(f"{field.capitalize()} is too long", errors={field: f"at most {limit} characters"})
    return value.strip()


def _age(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
        raise ValidationError(
            "Invalid age of done issues", errors={"done_max_age_days": "a whole number of days from 1 to 3650, or null"}
        )
    return value


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Unknown time zone", errors={"timezone": f"'{value}' is not an IANA time zone"}) from None
    return str(value)


def _weekdays(value: Any) -> list[int]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in value)
    ):
        raise ValidationError(
            "Invalid working days", errors={"working_weekdays": "a non-empty list of ISO weekdays, Monday = 1"}
        )
    return sorted(set(value))


def _dates(value: Any) -> list[date]:
    if not isinstance(value, list) or len(value) > MAX_NON_WORKING_DAYS:
        raise ValidationError(
            "Invalid non-working days", errors={"non_working_days": f"a list of at most {MAX_NON_WORKING_DAYS} dates"}
        )
    try:
        return sorted({d if isinstance(d, date) else date.fromisoformat(str(d)) for d in value})
    except ValueError:
        raise ValidationError("Invalid date", errors={"non_working_days": "dates like 2026-12-25"}) from None


async def _write_non_working_days(conn: Conn, board_id: int, days: Sequence[date]) -> None:
    await conn.execute(DELETE_NON_WORKING_DAYS, {"id": board_id})
    async with conn.cursor() as cur:
        await cur.executemany(INSERT_NON_WORKING_DAY, [{"board_id": board_id, "day": d} for d in days])


def _limit(value: Any, field: str, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= 100000:
        raise ValidationError("Invalid WIP limit", errors={field: f"a whole number from {minimum}, or null"})
    return value


async def resolve_columns(conn: Conn, columns: Any) -> list[dict[str, Any]]:
    """Validate a column configuration: names, statuses (by id or name, each in one column), WIP limits."""
    if not isinstance(columns, list) or not columns:
        raise ValidationError("A board needs at least one column", errors={"columns": "at least one column"})
    if len(columns) > MAX_COLUMNS:
        raise ValidationError("Too many columns", errors={"columns": f"at most {MAX_COLUMNS}"})
    statuses = await statuses_by_id(conn)
    by_name = {s["name"].lower(): s["id"] for s in statuses.values()}
    seen_status: dict[int, str] = {}
    seen_names: set[str] = set()
    out: list[dict[str, Any]] = []
    for index, column in enumerate(columns):
        where = f"columns[{index}]"
        if not isinstance(column, Mapping):
            raise ValidationError("Invalid column", errors={where: "must be an object"})
        name = _text(column.get("name"), f"{where}.name")
        if name.lower() in seen_names:
            raise ValidationError("Duplicate column name", errors={f"{where}.name": f"'{name}' is used twice"})
        seen_names.add(name.lower())
        ids: list[int] = []
        for ref in column.get("statuses") or []:
            status_id = ref if isinstance(ref, int) and not isinstance(ref, bool) else by_name.get(str(ref).lower())
            if status_id is None or status_id not in statuses:
                raise ValidationError("Unknown status", errors={f"{where}.statuses": f"status '{ref}' does not exist"})
            if status_id in seen_status:
                raise ValidationError(
                    "A status can be in one column only",
                    errors={
                        f"{where}.statuses": f"'{statuses[status_id]['name']}' is already in column "
                        f"'{seen_status[status_id]}'"
                    },
                )
            seen_status[status_id] = name
            ids.append(status_id)
        minimum = _limit(column.get("min"), f"{where}.min", 0)
        maximum = _limit(column.get("max"), f"{where}.max", 1)
        if minimum is not None and maximum is not None and minimum > maximum:
            raise ValidationError("Invalid WIP limits", errors={f"{where}.min": "must not exceed max"})
        out.append({"name": name, "status_ids": ids, "min": minimum, "max": maximum})
    if not out[-1]["status_ids"]:
        raise ValidationError(
            "The rightmost column must hold at least one status: it is what 'done' means for the board",
            errors={f"columns[{len(out) - 1}].statuses": "at least one status"},
        )
    return out


async def default_columns(conn: Conn, project_id: int) -> list[dict[str, Any]]:
    """To Do / In Progress / Done, holding the project's statuses by category."""
    statuses = await fetch_all(conn, SELECT_PROJECT_STATUSES, {"project_id": project_id})
    if not statuses:
        statuses = await fetch_all(conn, SELECT_STATUSES)
    return [
        {"name": name, "status_ids": [s["id"] for s in statuses if s["category"] == category], "min": None, "max": None}
        for name, category in DEFAULT_COLUMNS
    ]


# -- writing -----------------------------------------------------------------------------------------------------


async def _write_columns(conn: Conn, board_id: int, columns: Sequence[Mapping[str, Any]]) -> None:
    await conn.execute(DELETE_COLUMNS, {"id": board_id})
    async with conn.cursor() as cur:
        await cur.executemany(
            INSERT_COLUMN, [{"board_id": board_id, "position": i, **c} for i, c in enumerate(columns)]
        )


async def _changed(conn: Conn, actor: Actor, board_id: int, event_type: str, at: datetime) -> dict[str, Any]:
    """After a configuration change: bump the board's cache stamp and record the whole configuration."""
    row = await fetch_one(conn, SELECT_ANY_BOARD, {"id": board_id, "actor_id": actor.id})
    assert row is not None
    await touch(conn, board_scope(board_id), meta_scope(row["project_id"]))
    config = await board_config(conn, row)
    await record_agile_event(
        conn, event_type, actor=actor, at=at, project_key=row["project_key"], data={"board": config}
    )
    return config


async def _filter_for(conn: Conn, actor: Actor, board_name: str, project_key: str, text: Any) -> int:
    """A shared filter created for a new board: the given JQL, or the whole project ranked."""
    jql_text = text if text is not None else f"project = {project_key} ORDER BY Rank ASC"
    name = base = f"Filter for {board_name}"[:240]
    n = 1
    while await fetch_one(conn, SELECT_FILTER_NAME_USED, {"owner_id": actor.id, "name": name}):
        n += 1
        name = f"{base} ({n})"
    row = await filters.do_create_filter(conn, actor, name=name, jql=jql_text, shared=True)
    filter_id: int = row["id"]
    return filter_id


async def do_create_board(
    conn: Conn,
    actor: Actor,
    *,
    name: str,
    type: str,
    project: str,
    filter_id: int | None = None,
    jql: str | None = None,
    estimation: str = "story_points",
    swimlanes: str = "none",
    done_max_age_days: int | None = 14,
    timezone: str = "UTC",
    working_weekdays: Any = (1, 2, 3, 4, 5),
    non_working_days: Any = (),
    columns: Any = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Create a board in a project (ADMINISTER_PROJECTS there) on a saved filter, or on a new one for the JQL."""
    when = at or now()
    project_row = await get_project(conn, actor, project, Permission.ADMINISTER_PROJECTS)
    name = _text(name, "name")
    params = {
        "name": name,
        "type": _choice(type, BOARD_TYPES, "type"),
        "project_id": project_row["id"],
        "owner_id": actor.id,
        "estimation": _choice(estimation, ESTIMATIONS, "estimation"),
        "swimlanes": _choice(swimlanes, SWIMLANES, "swimlanes"),
        "done_max_age_days": _age(done_max_age_days),
        "timezone": _timezone(timezone),
        "working_weekdays": _weekdays(list(working_weekdays)),
        "now": when,
    }
    days = _dates(list(non_working_days))
    resolved = await resolve_columns(conn, columns) if columns is not None else None
    if filter_id is not None and jql is not None:
        raise ValidationError("Give a filter or a JQL query, not both", errors={"jql": "not with filter_id"})
    if filter_id is not None:
        params["filter_id"] = (await filters.get_filter(conn, actor, filter_id))["id"]
    else:
        params["filter_id"] = await _filter_for(conn, actor, name, project_row["key"], jql)
    board_id = await fetch_val(conn, INSERT_BOARD, params)
    await _write_columns(conn, board_id, resolved or await default_columns(conn, project_row["id"]))
    await _write_non_working_days(conn, board_id, days)
    return await _changed(conn, actor, board_id, "board.created", when)


async def do_update_board(
    conn: Conn, actor: Actor, board_id: int, changes: Mapping[str, Any], *, at: datetime | None = None
) -> dict[str, Any]:
    """Rename a board or change its filter, estimation, swimlanes, done age, working days or columns."""
    when = at or now()
    board = await get_board(conn, actor, board_id, Permission.ADMINISTER_PROJECTS)
    if "type" in changes and changes["type"] != board["type"]:
        raise ValidationError("A board's type cannot change", errors={"type": "create a new board instead"})
    params = {
        "id": board["id"],
        "name": _text(changes["name"], "name") if "name" in changes else board["name"],
        "filter_id": (await filters.get_filter(conn, actor, changes["filter_id"]))["id"]
        if changes.get("filter_id") is not None
        else board["filter_id"],
        "estimation": _choice(changes["estimation"], ESTIMATIONS, "estimation")
        if "estimation" in changes
        else board["estimation"],
        "swimlanes": _choice(changes["swimlanes"], SWIMLANES, "swimlanes")
        if "swimlanes" in changes
        else board["swimlanes"],
        "done_max_age_days": _age(changes["done_max_age_days"])
        if "done_max_age_days" in changes
        else board["done_max_age_days"],
        "timezone": _timezone(changes["timezone"]) if "timezone" in changes else board["timezone"],
        "working_weekdays": _weekdays(changes["working_weekdays"])
        if "working_weekdays" in changes
        else board["working_weekdays"],
        "now": when,
    }
    days = _dates(changes["non_working_days"]) if "non_working_days" in changes else None
    await conn.execute(UPDATE_BOARD, params)
    if days is not None:
        await _write_non_working_days(conn, board["id"], days)
    if "columns" in changes:
        await _write_columns(conn, board["id"], await resolve_columns(conn, changes["columns"]))
    return await _changed(conn, actor, board["id"], "board.updated", when)


async def do_configure_columns(
    conn: Conn, actor: Actor, board_id: int, columns: Any, *, at: datetime | None = None
) -> dict[str, Any]:
    """Replace a board's columns (ordered; each maps statuses and may carry min/max WIP limits)."""
    return await do_update_board(conn, actor, board_id, {"columns": columns}, at=at)


async def do_delete_board(conn: Conn, actor: Actor, board_id: int, *, at: datetime | None = None) -> None:
    """Delete a board; its sprints stay in issues' sprint history."""
    when = at or now()
    board = await get_board(conn, actor, board_id, Permission.ADMINISTER_PROJECTS)
    await conn.execute(DELETE_BOARD, {"id": board["id"], "now": when})
    await _changed(conn, actor, board["id"], "board.deleted", when)


async def do_add_quick_filter(
    conn: Conn, actor: Actor, board_id: int, *, name: str, jql: str, description: str = ""
) -> DictRow:
    """Add a quick filter (a JQL clause ANDed to the board's filter when selected)."""
    board = await get_board(conn, actor, board_id, Permission.ADMINISTER_PROJECTS)
    if await fetch_val(conn, COUNT_QUICK_FILTERS, {"id": board["id"]}) >= MAX_QUICK_FILTERS:
        raise ValidationError("Too many quick filters", errors={"quick_filters": f"at most {MAX_QUICK_FILTERS}"})
    params = {
        "board_id": board["id"],
        "name": _text(name, "name"),
        "jql": filters.check_jql(jql),
        "description": _text(description, "description", required=False, limit=10000),
    }
    quick_id = await fetch_val(conn, INSERT_QUICK_FILTER, params)
    await _changed(conn, actor, board["id"], "board.updated", now())
    return await get_quick_filter(conn, board["id"], quick_id)


async def get_quick_filter(conn: Conn, board_id: int, quick_id: int) -> DictRow:
    """A quick filter of a board."""
    row = await fetch_one(conn, SELECT_QUICK_FILTER, {"id": quick_id, "board_id": board_id})
    if row is None:
        raise NotFound(f"Quick filter {quick_id} does not exist on board {board_id}")
    return row


async def do_update_quick_filter(
    conn: Conn, actor: Actor, board_id: int, quick_id: int, changes: Mapping[str, Any]
) -> DictRow:
    """Rename, re-query or describe a quick filter."""
    board = await get_board(conn, actor, board_id, Permission.ADMINISTER_PROJECTS)
    row = await get_quick_filter(conn, board["id"], quick_id)
    params = {
        "id": row["id"],
        "name": _text(changes["name"], "name") if "name" in changes else row["name"],
        "jql": filters.check_jql(changes["jql"]) if "jql" in changes else row["jql"],
        "description": _text(changes["description"], "description", required=False, limit=10000)
        if "description" in changes
        else row["description"],
    }
    await conn.execute(UPDATE_QUICK_FILTER, params)
    await _changed(conn, actor, board["id"], "board.updated", now())
    return await get_quick_filter(conn, board["id"], row["id"])


async def do_delete_quick_filter(conn: Conn, actor: Actor, board_id: int, quick_id: int) -> None:
    """Remove a quick filter."""
    board = await get_board(conn, actor, board_id, Permission.ADMINISTER_PROJECTS)
    row = await get_quick_filter(conn, board["id"], quick_id)
    await conn.execute(DELETE_QUICK_FILTER, {"id": row["id"]})
    await _changed(conn, actor, board["id"], "board.updated", now())
