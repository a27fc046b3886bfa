"""Helpers shared by the agile modules: the time of a change, loading and locking issues, recording a change."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one
from tracker.errors import NotFound, ValidationError
from tracker.events import Change, Event, record_event
from tracker.issues.actions import access_issue, apply_changes
from tracker.permissions import Permission, require_project_permission

MAX_ISSUES_PER_CALL = 100

SELECT_ISSUE_REFS = """
SELECT id, key FROM issues WHERE id = ANY(%(ids)s::bigint[]) OR key = ANY(%(keys)s::text[])
"""

TOUCH_STAMP = "SELECT touch_cache_stamp(%(scope)s)"


def now() -> datetime:
    """The time of a change: one per operation, shared by its history rows and events."""
    return datetime.now(UTC)


def issue_ref(ref: str | int) -> tuple[int | None, str | None]:
    """(id, key) for an issue reference given by id or key."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        value = int(ref)
        return (value, None) if 0 < value < 2**63 else (None, None)
    return None, str(ref).upper()


async def resolve_issue_ids(conn: Conn, refs: Sequence[str | int], *, field: str = "issues") -> list[int]:
    """Issue ids of references (keys or ids), in the given order without repeats; unknown ones are NotFound."""
    if not refs:
        raise ValidationError("No issues given", errors={field: "at least one issue is required"})
    if len(refs) > MAX_ISSUES_PER_CALL:
        raise ValidationError("Too many issues", errors={field: f"at most {MAX_ISSUES_PER_CALL} per call"})
    parsed = [issue_ref(r) for r in refs]
    ids = [i for i, _ in parsed if i is not None]
    keys = [k for _, k in parsed if k is not None]
    rows = await fetch_all(conn, SELECT_ISSUE_REFS, {"ids": ids, "keys": keys})
    by_id = {r["id"]: r["id"] for r in rows}
    by_key = {r["key"]: r["id"] for r in rows}
    out: list[int] = []
    for ref, (i, k) in zip(refs, parsed, strict=True):
        found = by_id.get(i) if i is not None else by_key.get(k or "")
        if found is None:
            raise NotFound(f"Issue '{ref}' does not exist", errors={field: f"'{ref}' does not exist"})
        if found not in out:
            out.append(found)
    return out


async def lock_issues(
    conn: Conn, actor: Actor, refs: Sequence[str | int], need: Permission, *, field: str = "issues"
) -> list[DictRow]:
    """Load, authorize and lock issues (in id order, so concurrent calls cannot deadlock); given order kept."""
    ids = await resolve_issue_ids(conn, refs, field=field)
    rows: dict[int, DictRow] = {}
    for issue_id in sorted(ids):
        rows[issue_id] = await lock_issue(conn, actor, issue_id, need, field=field)
    return [rows[i] for i in ids]


async def lock_issue(conn: Conn, actor: Actor, ref: str | int, need: Permission, *, field: str = "issue") -> DictRow:
    """One issue loaded, authorized and locked; a hidden issue is reported exactly like a missing one."""
    try:
        return await access_issue(conn, actor, ref, need, for_update=True)
    except NotFound:
        raise NotFound(f"Issue '{ref}' does not exist", errors={field: f"'{ref}' does not exist"}) from None


async def record_issue_change(
    conn: Conn,
    actor: Actor | None,
    issue: DictRow,
    changes: list[Change],
    *,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> DictRow:
    """Bump the issue's version, write one history row per change and one issue.updated event, all at `at`."""
    return await apply_changes(
        conn, actor, issue, {}, event_type="issue.updated", at=at, extra_changes=changes, data=data
    )


async def record_agile_event(
    conn: Conn,
    event_type: str,
    *,
    actor: Actor | None,
    at: datetime,
    project_key: str | None,
    data: dict[str, Any],
) -> Event:
    """An event about a board, sprint, version or component (not about one issue), written to the outbox."""
    event = Event.new(event_type, actor=actor, at=at, project_key=project_key, data=data)
    await record_event(conn, event)
    return event


async def load_project_item(
    conn: Conn, actor: Actor, select: str, item_id: int, what: str, need: Permission = Permission.BROWSE_PROJECTS
) -> DictRow:
    """A version or component (`select` loads it by %(id)s with project_id and project_key), checked for `need`
    in its project. A missing one and one in a project the actor may not see are both NotFound ("<what> <id>")."""
    row = await fetch_one(conn, select, {"id": item_id}) if 0 < item_id < 2**63 else None
    if row is None:
        raise NotFound(f"{what} {item_id} does not exist")
    project = {"id": row["project_id"], "key": row["project_key"]}
    try:
        await require_project_permission(conn, actor, project, Permission.BROWSE_PROJECTS)
    except NotFound:
        raise NotFound(f"{what} {item_id} does not exist") from None
    await require_project_permission(conn, actor, project, need)
    return row


async def record_item_event(
    conn: Conn,
    actor: Actor | None,
    event_type: str,
    *,
    select: str,
    item_id: int,
    scope: Callable[[DictRow], str],
    view: Callable[[DictRow], dict[str, Any]],
    at: datetime,
    **extra: Any,
) -> DictRow:
    """After a change to a sprint, version or component: re-read it (`select` by %(id)s), change the cache stamp
    of `scope(row)` and write its event, whose data holds the view under the event's subject ('sprint' for
    'sprint.started') plus `extra`. Returns the row."""
    row = await fetch_one(conn, select, {"id": item_id})
    assert row is not None
    await touch(conn, scope(row))
    subject = event_type.partition(".")[0]
    await record_agile_event(
        conn, event_type, actor=actor, at=at, project_key=row["project_key"], data={subject: view(row), **extra}
    )
    return row


async def touch(conn: Conn, *scopes: str) -> None:
    """Change the cache stamps of scopes ('board:1', 'meta:2') inside the writing transaction."""
    for scope in scopes:
        await conn.execute(TOUCH_STAMP, {"scope": scope})


def csv_ids(ids: Iterable[int]) -> str | None:
    """A set of ids as Jira writes multi-valued history values: '101, 102' (None when empty)."""
    ordered = sorted(ids)
    return ", ".join(str(i) for i in ordered) if ordered else None


def csv_names(ids: Iterable[int], names: Mapping[int, str]) -> str | None:
    """Display names of ids in id order, comma-separated (None when empty)."""
    ordered = sorted(ids)
    return ", ".join(names[i] for i in ordered) if ordered else None


def iso(value: Any) -> Any:
    """A date or datetime as ISO text (None stays None)."""
    return None if value is None else value.isoformat()
