"""Watchers of issues: users who get notified of every change. Watching yourself needs only browse rights;
adding or removing someone else is for the project's administrators (Jira's Manage Watchers).

A change of watchers writes a `watcher.added` / `watcher.removed` event in its transaction (so the search index,
which answers `watcher = x` and `watchedIssues()`, re-indexes the issue). It is not a change of the issue: no
history row, no new `version` (the event carries the current one), and nobody is notified of it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one
from tracker.errors import Forbidden, ValidationError
from tracker.events import Event, record_event
from tracker.issues.actions import access_issue
from tracker.permissions import Permission, has_project_permission

SELECT_WATCHERS = """
SELECT u.id, u.username, u.display_name, u.active, w.created_at
FROM issue_watchers w JOIN users u ON u.id = w.user_id
WHERE w.issue_id = %(issue_id)s ORDER BY u.username
"""
INSERT_WATCHER = """
INSERT INTO issue_watchers (issue_id, user_id) VALUES (%(issue_id)s, %(user_id)s) ON CONFLICT DO NOTHING
"""
DELETE_WATCHER = "DELETE FROM issue_watchers WHERE issue_id = %(issue_id)s AND user_id = %(user_id)s"
SELECT_USER = "SELECT id, username, active FROM users WHERE username = %(username)s"
SELECT_WATCHER_IDS = "SELECT user_id FROM issue_watchers WHERE issue_id = %(issue_id)s"


async def list_watchers(conn: Conn, actor: Actor, ref: str) -> tuple[DictRow, list[DictRow]]:
    """The issue and its watchers."""
    issue = await access_issue(conn, actor, ref)
    return issue, await fetch_all(conn, SELECT_WATCHERS, {"issue_id": issue["id"]})


async def _target(conn: Conn, actor: Actor, issue: DictRow, username: str | None) -> DictRow:
    if username is None or username == actor.username:
        user = await fetch_one(conn, SELECT_USER, {"username": actor.username})
        assert user is not None
        return user
    project = {"id": issue["project_id"], "key": issue["project_key"], "lead_username": issue["lead_username"]}
    if not await has_project_permission(conn, actor, project, Permission.ADMINISTER_PROJECTS):
        raise Forbidden(f"You may not change the watchers of {issue['key']} other than yourself")
    user = await fetch_one(conn, SELECT_USER, {"username": username})
    if user is None:
        raise ValidationError("Unknown user", errors={"username": f"User '{username}' does not exist"})
    return user


async def _record(conn: Conn, actor: Actor, event_type: str, issue: DictRow, user: DictRow) -> None:
    """The watcher event of the issue, with the issue's current version (watching does not change the issue)."""
    watcher = {"id": user["id"], "username": user["username"]}
    event = Event.about_issue(event_type, issue, actor=actor, at=datetime.now(UTC), data={"watcher": watcher})
    await record_event(conn, event)


async def do_watch(conn: Conn, actor: Actor, ref: str, username: str | None = None) -> DictRow:
    """Add a watcher (the actor by default); watching twice is a no-op (and writes no event). Returns the issue.

    The issue row is locked, as every write to an issue does, so its events stay in commit order.
    """
    issue = await access_issue(conn, actor, ref, for_update=True)
    user = await _target(conn, actor, issue, username)
    if not user["active"]:
        raise ValidationError("Inactive user", errors={"username": f"User '{user['username']}' is inactive"})
    cur = await conn.execute(INSERT_WATCHER, {"issue_id": issue["id"], "user_id": user["id"]})
    if cur.rowcount:
        await _record(conn, actor, "watcher.added", issue, user)
    return issue


async def do_unwatch(conn: Conn, actor: Actor, ref: str, username: str | None = None) -> DictRow:
    """Remove a watcher (the actor by default); removing a non-watcher is a no-op (and writes no event).
    Returns the issue."""
    issue = await access_issue(conn, actor, ref, for_update=True)
    user = await _target(conn, actor, issue, username)
    cur = await conn.execute(DELETE_WATCHER, {"issue_id": issue["id"], "user_id": user["id"]})
    if cur.rowcount:
        await _record(conn, actor, "watcher.removed", issue, user)
    return issue


async def watcher_ids(conn: Conn, issue_id: int) -> list[int]:
    """Ids of the users watching an issue."""
    return [r["user_id"] for r in await fetch_all(conn, SELECT_WATCHER_IDS, {"issue_id": issue_id})]
