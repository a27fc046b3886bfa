"""Sprints of a Scrum board (future -> active -> closed) and issues' sprint membership.

Membership is Jira's Sprint field: the open sprint an issue is in (at most one) plus every closed sprint it was
in when that sprint closed. Each change of it is one 'Sprint' history row of the issue — values are the sprint
ids before and after ('101, 102'), strings their names — and one issue.updated event, at the exact time of the
change, because burndowns replay them. Completing a sprint keeps it in every member's field; unfinished issues
moved on to another sprint gain that sprint ('101' -> '101, 102'), which is not a removal.

Managing sprints needs MANAGE_SPRINTS in the board's project; moving an issue in or out needs EDIT_ISSUES on it.
Sub-tasks follow their parent: they move with it and cannot be moved on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.agile.boards import board_columns, done_status_ids, get_board
from tracker.agile.cache import board_scope
from tracker.agile.cards import CARD_SELECT, card_view, visible
from tracker.agile.common import (
    csv_ids,
    csv_names,
    iso,
    lock_issue,
    now,
    record_issue_change,
    record_item_event,
    resolve_issue_ids,
    touch,
)
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import Conflict, NotFound, ValidationError
from tracker.events import Change
from tracker.issues.actions import load_issue
from tracker.permissions import Permission

SPRINT_FIELD = "Sprint"
DEFAULT_LENGTH = timedelta(days=14)
STATES = ("future", "active", "closed")

SPRINT_SELECT = """
SELECT s.*, b.name AS board_name, b.type AS board_type, b.project_id, p.key AS project_key
FROM sprints s JOIN boards b ON b.id = s.board_id JOIN projects p ON p.id = b.project_id
"""
SELECT_SPRINT = SPRINT_SELECT + " WHERE s.id = %(id)s"
LOCK_SPRINT = "SELECT id FROM sprints WHERE id = %(id)s FOR UPDATE"
SELECT_BOARD_SPRINTS = (
    SPRINT_SELECT
    + """
WHERE s.board_id = %(board_id)s AND (%(states)s::text[] IS NULL OR s.state = ANY(%(states)s::text[]))
ORDER BY s.id
"""
)
SELECT_FIRST_FUTURE = "SELECT id FROM sprints WHERE board_id = %(board_id)s AND state = 'future' ORDER BY id LIMIT 1"
SELECT_ACTIVE = "SELECT id, name FROM sprints WHERE board_id = %(board_id)s AND state = 'active' AND id <> %(id)s"
COUNT_BOARD_SPRINTS = "SELECT count(*) FROM sprints WHERE board_id = %(board_id)s"
INSERT_SPRINT = """
INSERT INTO sprints (board_id, name, goal, start_date, end_date, created_at, updated_at, external_id)
VALUES (%(board_id)s, %(name)s, %(goal)s, %(start_date)s, %(end_date)s, %(now)s, %(now)s, %(external_id)s)
RETURNING id
"""
UPDATE_SPRINT = """
UPDATE sprints SET name = %(name)s, goal = %(goal)s, start_date = %(start_date)s, end_date = %(end_date)s,
                   updated_at = %(now)s
WHERE id = %(id)s
"""
START_SPRINT = """
UPDATE sprints SET state = 'active', start_date = %(start_date)s, end_date = %(end_date)s,
                   activated_date = %(now)s, updated_at = %(now)s
WHERE id = %(id)s
"""
CLOSE_SPRINT = """
UPDATE sprints SET state = 'closed', complete_date = %(now)s, updated_at = %(now)s WHERE id = %(id)s
"""
DELETE_SPRINT = "DELETE FROM sprints WHERE id = %(id)s"

SELECT_ISSUE_SPRINTS = """
SELECT s.id, s.name, s.state, s.board_id FROM issue_sprints x JOIN sprints s ON s.id = x.sprint_id
WHERE x.issue_id = %(issue_id)s ORDER BY s.id
"""
SELECT_MEMBER_IDS = "SELECT issue_id FROM issue_sprints WHERE sprint_id = %(id)s ORDER BY issue_id"
SELECT_MEMBER_CARDS = (
    CARD_SELECT
    + """
WHERE i.id IN (SELECT issue_id FROM issue_sprints WHERE sprint_id = %(id)s) ORDER BY i.rank
"""
)
SELECT_SUBTASK_IDS = """
SELECT i.id FROM issues i JOIN issue_types t ON t.id = i.issue_type_id
WHERE i.parent_id = ANY(%(ids)s::bigint[]) AND t.subtask ORDER BY i.id
"""
LOCK_ISSUE_IDS = "SELECT id FROM issues WHERE id = ANY(%(ids)s::bigint[]) ORDER BY id FOR UPDATE"
DELETE_MEMBERSHIP = "DELETE FROM issue_sprints WHERE issue_id = %(issue_id)s AND sprint_id = ANY(%(ids)s::bigint[])"
INSERT_MEMBERSHIP = """
INSERT INTO issue_sprints (issue_id, sprint_id) VALUES (%(issue_id)s, %(sprint_id)s) ON CONFLICT DO NOTHING
"""


# -- reading -----------------------------------------------------------------------------------------------------


def sprint_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a sprint."""
    return {
        "id": row["id"],
        "board_id": row["board_id"],
        "name": row["name"],
        "state": row["state"],
        "goal": row["goal"],
        "start_date": iso(row["start_date"]),
        "end_date": iso(row["end_date"]),
        "activated_date": iso(row["activated_date"]),
        "complete_date": iso(row["complete_date"]),
        "created": iso(row["created_at"]),
        "external_id": row["external_id"],
    }


async def get_sprint(
    conn: Conn, actor: Actor, sprint_id: int, need: Permission = Permission.BROWSE_PROJECTS, *, lock: bool = False
) -> DictRow:
    """A sprint of a live board the actor may see (NotFound otherwise), checked for `need` in its project."""
    if not 0 < sprint_id < 2**63:
        raise NotFound(f"Sprint {sprint_id} does not exist")
    if lock and await fetch_one(conn, LOCK_SPRINT, {"id": sprint_id}) is None:
        raise NotFound(f"Sprint {sprint_id} does not exist")
    row = await fetch_one(conn, SELECT_SPRINT, {"id": sprint_id})
    if row is None:
        raise NotFound(f"Sprint {sprint_id} does not exist")
    try:
        await get_board(conn, actor, row["board_id"], need)
    except NotFound:
        raise NotFound(f"Sprint {sprint_id} does not exist") from None
    return row


async def list_sprints(conn: Conn, actor: Actor, board_id: int, states: Sequence[str] | None = None) -> list[DictRow]:
    """A board's sprints, oldest first, optionally only in some states."""
    board = await get_board(conn, actor, board_id)
    for state in states or ():
        if state not in STATES:
            raise ValidationError("Unknown sprint state", errors={"state": f"one of {', '.join(STATES)}"})
    return await fetch_all(
        conn, SELECT_BOARD_SPRINTS, {"board_id": board["id"], "states": list(states) if states else None}
    )


async def sprint_issues(conn: Conn, actor: Actor, sprint_id: int) -> tuple[DictRow, list[dict[str, Any]]]:
    """A sprint and the cards of its issues the actor may browse, ranked."""
    sprint = await get_sprint(conn, actor, sprint_id)
    rows = await fetch_all(conn, SELECT_MEMBER_CARDS, {"id": sprint["id"]})
    return sprint, [card_view(r) for r in await visible(conn, actor, rows)]


async def issue_sprint_rows(conn: Conn, issue_id: int) -> list[DictRow]:
    """The sprints in an issue's Sprint field (open and closed), oldest first."""
    return await fetch_all(conn, SELECT_ISSUE_SPRINTS, {"issue_id": issue_id})


# -- validation --------------------------------------------------------------------------------------------------


def _when(value: Any, field: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=now().tzinfo)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            "Invalid date", errors={field: "must be an ISO date or date-time, e.g. 2026-03-02T09:00:00Z"}
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=now().tzinfo)


def _dates(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise ValidationError("A sprint must end after it starts", errors={"end_date": "must be after start_date"})


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Name is required", errors={"name": "is required"})
    if len(value.strip()) > 255:
        raise ValidationError("Name is too long", errors={"name": "at most 255 characters"})
    return value.strip()


def _goal(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 10000:
        raise ValidationError("Invalid goal", errors={"goal": "text of at most 10000 characters"})
    return value


# -- membership --------------------------------------------------------------------------------------------------


def sprint_change(before: set[int], after: set[int], names: Mapping[int, str]) -> Change:
    """The 'Sprint' history item of a membership change, as Jira writes it."""
    return Change.of(
        SPRINT_FIELD,
        csv_ids(before),
        csv_ids(after),
        before_string=csv_names(before, names),
        after_string=csv_names(after, names),
        field_type="custom",
    )


async def set_open_sprint(
    conn: Conn, actor: Actor | None, issue: DictRow, target: Mapping[str, Any] | None, *, at: datetime
) -> DictRow:
    """Put a locked issue in `target` (None: the backlog), leaving its closed sprints; records the change."""
    current = await issue_sprint_rows(conn, issue["id"])
    names = {r["id"]: r["name"] for r in current}
    before = set(names)
    after = {r["id"] for r in current if r["state"] == "closed"}
    if target is not None:
        after.add(target["id"])
        names[target["id"]] = target["name"]
    if after == before:
        return issue
    removed = sorted(before - after)
    if removed:
        await conn.execute(DELETE_MEMBERSHIP, {"issue_id": issue["id"], "ids": removed})
    for sprint_id in sorted(after - before):
        await conn.execute(INSERT_MEMBERSHIP, {"issue_id": issue["id"], "sprint_id": sprint_id})
    return await record_issue_change(conn, actor, issue, [sprint_change(before, after, names)], at=at)


async def _lock_with_subtasks(
    conn: Conn, actor: Actor, refs: Sequence[str | int], need: Permission
) -> tuple[list[DictRow], list[DictRow]]:
    """The named issues and their sub-tasks, loaded, authorized and locked in id order."""
    ids = await resolve_issue_ids(conn, refs)
    sub_ids = [r["id"] for r in await fetch_all(conn, SELECT_SUBTASK_IDS, {"ids": ids}) if r["id"] not in ids]
    rows = {i: await lock_issue(conn, actor, i, need, field="issues") for i in sorted(ids + sub_ids)}
    named = [rows[i] for i in ids]
    for issue in named:
        if issue["type_subtask"]:
            raise ValidationError(
                "Sub-tasks follow their parent's sprint",
                errors={"issues": f"{issue['key']} is a sub-task: move its parent {issue['parent_key']} instead"},
            )
    return named, [rows[i] for i in sub_ids]


async def do_move_to_sprint(
    conn: Conn, actor: Actor, sprint_id: int, refs: Sequence[str | int], *, at: datetime | None = None
) -> list[DictRow]:
    """Move issues (and their sub-tasks) into a future or active sprint, out of any other open sprint."""
    when = at or now()
    sprint = await get_sprint(conn, actor, sprint_id, lock=True)
    if sprint["state"] == "closed":
        raise ValidationError(
            "Issues cannot be added to a closed sprint", errors={"sprint": f"sprint {sprint['id']} is closed"}
        )
    named, subtasks = await _lock_with_subtasks(conn, actor, refs, Permission.EDIT_ISSUES)
    out = [await set_open_sprint(conn, actor, issue, sprint, at=when) for issue in named + subtasks]
    await touch(conn, board_scope(sprint["board_id"]))
    return out[: len(named)]


async def do_move_to_backlog(
    conn: Conn, actor: Actor, refs: Sequence[str | int], *, at: datetime | None = None
) -> list[DictRow]:
    """Take issues (and their sub-tasks) out of their open sprint; closed sprints stay in their history."""
    when = at or now()
    named, subtasks = await _lock_with_subtasks(conn, actor, refs, Permission.EDIT_ISSUES)
    boards = set()
    for issue in named + subtasks:
        boards |= {r["board_id"] for r in await issue_sprint_rows(conn, issue["id"]) if r["state"] != "closed"}
    out = [await set_open_sprint(conn, actor, issue, None, at=when) for issue in named + subtasks]
    for board_id in sorted(boards):
        await touch(conn, board_scope(board_id))
    return out[: len(named)]


# -- lifecycle ---------------------------------------------------------------------------------------------------


async def _sprint_event(
    conn: Conn, actor: Actor, event_type: str, sprint_id: int, at: datetime, **extra: Any
) -> DictRow:
    return await record_item_event(
        conn,
        actor,
        event_type,
        select=SELECT_SPRINT,
        item_id=sprint_id,
        scope=lambda row: board_scope(row["board_id"]),
        view=sprint_view,
        at=at,
        **extra,
    )


async def do_create_sprint(
    conn: Conn,
    actor: Actor,
    board_id: int,
    *,
    name: str | None = None,
    goal: str | None = None,
    start_date: Any = None,
    end_date: Any = None,
    external_id: str | None = None,
    at: datetime | None = None,
) -> DictRow:
    """Create a future sprint on a Scrum board (MANAGE_SPRINTS); the name defaults to '<board> Sprint <n>'."""
    when = at or now()
    board = await get_board(conn, actor, board_id, Permission.MANAGE_SPRINTS)
    if board["type"] != "scrum":
        raise ValidationError("Only Scrum boards have sprints", errors={"board": f"board {board['id']} is Kanban"})
    start, end = _when(start_date, "start_date"), _when(end_date, "end_date")
    _dates(start, end)
    if name is None:
        name = f"{board['name']} Sprint {await fetch_val(conn, COUNT_BOARD_SPRINTS, {'board_id': board['id']}) + 1}"
    sprint_id = await fetch_val(
        conn,
        INSERT_SPRINT,
        {
            "board_id": board["id"],
            "name": _name(name)[:255],
            "goal": _goal(goal),
            "start_date": start,
            "end_date": end,
            "now": when,
            "external_id": external_id,
        },
    )
    return await _sprint_event(conn, actor, "sprint.created", sprint_id, when)


async def do_update_sprint(
    conn: Conn, actor: Actor, sprint_id: int, changes: Mapping[str, Any], *, at: datetime | None = None
) -> DictRow:
    """Rename a sprint, change its goal, or (unless closed) its planned dates."""
    when = at or now()
    sprint = await get_sprint(conn, actor, sprint_id, Permission.MANAGE_SPRINTS, lock=True)
    if sprint["state"] == "closed" and ({"start_date", "end_date"} & set(changes)):
        raise ValidationError("The dates of a closed sprint cannot change", errors={"start_date": "sprint is closed"})
    params = {
        "id": sprint["id"],
        "name": _name(changes["name"]) if "name" in changes else sprint["name"],
        "goal": _goal(changes["goal"]) if "goal" in changes else sprint["goal"],
        "start_date": _when(changes["start_date"], "start_date") if "start_date" in changes else sprint["start_date"],
        "end_date": _when(changes["end_date"], "end_date") if "end_date" in changes else sprint["end_date"],
        "now": when,
    }
    if sprint["state"] == "active" and (params["start_date"] is None or params["end_date"] is None):
        raise ValidationError("An active sprint needs its dates", errors={"start_date": "cannot be cleared"})
    _dates(params["start_date"], params["end_date"])
    changed = {
        f: {"from": iso(sprint[f]) if "date" in f else sprint[f], "to": iso(params[f]) if "date" in f else params[f]}
        for f in ("name", "goal", "start_date", "end_date")
        if params[f] != sprint[f]
    }
    if not changed:
        return sprint
    await conn.execute(UPDATE_SPRINT, params)
    return await _sprint_event(conn, actor, "sprint.updated", sprint["id"], when, changes=changed)


async def do_start_sprint(
    conn: Conn,
    actor: Actor,
    sprint_id: int,
    *,
    start_date: Any = None,
    end_date: Any = None,
    at: datetime | None = None,
) -> DictRow:
    """Start a future sprint: its dates (default now and two weeks later) and the commitment are recorded."""
    when = at or now()
    sprint = await get_sprint(conn, actor, sprint_id, Permission.MANAGE_SPRINTS, lock=True)
    if sprint["state"] != "future":
        raise Conflict(f"Sprint {sprint['id']} is {sprint['state']}; only a future sprint can start")
    active = await fetch_one(conn, SELECT_ACTIVE, {"board_id": sprint["board_id"], "id": sprint["id"]})
    if active is not None:
        raise Conflict(
            f"Board {sprint['board_id']} already has an active sprint ({active['name']}); complete it first",
            errors={"sprint": f"sprint {active['id']} is active"},
        )
    start = _when(start_date, "start_date") or sprint["start_date"] or when
    end = _when(end_date, "end_date") or sprint["end_date"] or start + DEFAULT_LENGTH
    _dates(start, end)
    await conn.execute(START_SPRINT, {"id": sprint["id"], "start_date": start, "end_date": end, "now": when})
    members = [r["issue_id"] for r in await fetch_all(conn, SELECT_MEMBER_IDS, {"id": sprint["id"]})]
    return await _sprint_event(conn, actor, "sprint.started", sprint["id"], when, issue_ids=members)


async def _target_sprint(conn: Conn, actor: Actor, sprint: DictRow, move_to: Any, at: datetime) -> DictRow | None:
    if move_to in (None, "backlog"):
        return None
    if move_to == "next":
        target_id = await fetch_val(conn, SELECT_FIRST_FUTURE, {"board_id": sprint["board_id"]})
        if target_id is None:
            raise ValidationError(
                "The board has no future sprint to move unfinished issues to",
                errors={"move_to": "no future sprint: create one, or use 'new' or 'backlog'"},
            )
    elif move_to == "new":
        return await do_create_sprint(conn, actor, sprint["board_id"], at=at)
    elif isinstance(move_to, int) and not isinstance(move_to, bool):
        target_id = move_to
    else:
        raise ValidationError("Invalid target", errors={"move_to": "'backlog', 'next', 'new' or a sprint id"})
    target = await fetch_one(conn, SELECT_SPRINT, {"id": target_id})
    if target is None or target["board_id"] != sprint["board_id"] or target["state"] != "future":
        raise ValidationError(
            "Unfinished issues can move to a future sprint of the same board only",
            errors={"move_to": f"sprint {target_id} is not a future sprint of board {sprint['board_id']}"},
        )
    return target


async def do_complete_sprint(
    conn: Conn, actor: Actor, sprint_id: int, *, move_to: Any = "backlog", at: datetime | None = None
) -> dict[str, Any]:
    """Close an active sprint. Issues not in the board's rightmost column move to `move_to`: 'backlog', 'next'
    (the board's first future sprint), 'new' (a new sprint) or a future sprint's id. A sub-task whose parent was
    in the sprint goes where its parent goes. Every member keeps the closed sprint in its Sprint field."""
    when = at or now()
    sprint = await get_sprint(conn, actor, sprint_id, Permission.MANAGE_SPRINTS, lock=True)
    if sprint["state"] != "active":
        raise Conflict(f"Sprint {sprint['id']} is {sprint['state']}; only an active sprint can be completed")
    target = await _target_sprint(conn, actor, sprint, move_to, when)
    done = set(done_status_ids(await board_columns(conn, sprint["board_id"])))
    member_ids = [r["issue_id"] for r in await fetch_all(conn, SELECT_MEMBER_IDS, {"id": sprint["id"]})]
    await fetch_all(conn, LOCK_ISSUE_IDS, {"ids": member_ids})
    members = {i: await load_issue(conn, i) for i in member_ids}

    def finished(issue: Mapping[str, Any]) -> bool:
        parent = members.get(issue["parent_id"]) if issue["type_subtask"] else None
        return (parent or issue)["status_id"] in done

    completed = [i for i, row in members.items() if finished(row)]
    unfinished = [i for i, row in members.items() if not finished(row)]
    await conn.execute(CLOSE_SPRINT, {"id": sprint["id"], "now": when})
    closed = await _sprint_event(
        conn,
        actor,
        "sprint.closed",
        sprint["id"],
        when,
        completed_issue_ids=completed,
        incomplete_issue_ids=unfinished,
        moved_to=None if target is None else target["id"],
    )
    if target is not None:
        for issue_id in unfinished:
            await set_open_sprint(conn, actor, members[issue_id], target, at=when)
        await touch(conn, board_scope(target["board_id"]))
    return {
        "sprint": sprint_view(closed),
        "completed_issue_ids": completed,
        "incomplete_issue_ids": unfinished,
        "moved_to": None if target is None else sprint_view(target),
    }


async def do_delete_sprint(conn: Conn, actor: Actor, sprint_id: int, *, at: datetime | None = None) -> None:
    """Delete a future sprint; its issues go back to the backlog (recorded like any removal)."""
    when = at or now()
    sprint = await get_sprint(conn, actor, sprint_id, Permission.MANAGE_SPRINTS, lock=True)
    if sprint["state"] != "future":
        raise Conflict(f"Sprint {sprint['id']} is {sprint['state']}; only a future sprint can be deleted")
    member_ids = [r["issue_id"] for r in await fetch_all(conn, SELECT_MEMBER_IDS, {"id": sprint["id"]})]
    await fetch_all(conn, LOCK_ISSUE_IDS, {"ids": member_ids})
    for issue_id in member_ids:
        await set_open_sprint(conn, actor, await load_issue(conn, issue_id), None, at=when)
    await _sprint_event(conn, actor, "sprint.deleted", sprint["id"], when, issue_ids=member_ids)
    await conn.execute(DELETE_SPRINT, {"id": sprint["id"]})
