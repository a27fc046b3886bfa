"""Comments on issues. Each comment write bumps the issue's version and is audited like a field change."""

from __future__ import annotations

from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events import Change
from tracker.issues.actions import access_issue, check_version, load_issue, now, record_change
from tracker.permissions import Permission, grants_of

MAX_BODY = 32767

SELECT_COMMENTS = """
SELECT c.id, c.body, c.created_at, c.updated_at, u.username AS author_username,
       u.display_name AS author_display_name
FROM comments c JOIN users u ON u.id = c.author_id
WHERE c.issue_id = %(issue_id)s ORDER BY c.id LIMIT %(limit)s OFFSET %(offset)s
"""
COUNT_COMMENTS = "SELECT count(*) FROM comments WHERE issue_id = %(issue_id)s"
SELECT_COMMENT = """
SELECT c.id, c.issue_id, c.author_id, c.body, c.created_at, c.updated_at, u.username AS author_username,
       u.display_name AS author_display_name
FROM comments c JOIN users u ON u.id = c.author_id
WHERE c.id = %(id)s AND c.issue_id = %(issue_id)s
"""
INSERT_COMMENT = """
INSERT INTO comments (issue_id, author_id, body, created_at, updated_at)
VALUES (%(issue_id)s, %(author_id)s, %(body)s, %(now)s, %(now)s) RETURNING id
"""
UPDATE_COMMENT = "UPDATE comments SET body = %(body)s, updated_at = %(now)s WHERE id = %(id)s"
DELETE_COMMENT = "DELETE FROM comments WHERE id = %(id)s"
BUMP_ISSUE = "UPDATE issues SET version = version + 1, updated_at = %(now)s WHERE id = %(id)s"


def comment_view(row: DictRow) -> dict[str, Any]:
    """The JSON representation of a comment."""
    return {
        "id": row["id"],
        "body": row["body"],
        "author": {"username": row["author_username"], "display_name": row["author_display_name"]},
        "created": row["created_at"].isoformat(),
        "updated": row["updated_at"].isoformat(),
    }


def _body(body: Any) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ValidationError("Comment body is required", errors={"body": "is required"})
    if len(body) > MAX_BODY:
        raise ValidationError("Comment is too long", errors={"body": f"must be at most {MAX_BODY} characters"})
    return body


async def list_comments(
    conn: Conn, actor: Actor, ref: str, *, start_at: int = 0, max_results: int = 50
) -> tuple[int, list[DictRow]]:
    """A page of an issue's comments, oldest first."""
    issue = await access_issue(conn, actor, ref)
    params = {"issue_id": issue["id"], "limit": max_results, "offset": start_at}
    return await fetch_val(conn, COUNT_COMMENTS, params), await fetch_all(conn, SELECT_COMMENTS, params)


async def get_comment(conn: Conn, actor: Actor, ref: str, comment_id: int) -> DictRow:
    """One comment of an issue the actor may browse."""
    issue = await access_issue(conn, actor, ref)
    return await _comment(conn, issue, comment_id)


async def _comment(conn: Conn, issue: DictRow, comment_id: int) -> DictRow:
    row = await fetch_one(conn, SELECT_COMMENT, {"id": comment_id, "issue_id": issue["id"]})
    if row is None:
        raise NotFound(f"Comment {comment_id} does not exist on {issue['key']}")
    return row


async def _touch(
    conn: Conn, actor: Actor, issue: DictRow, change: Change, event_type: str, comment: dict[str, Any]
) -> None:
    when = now()
    await conn.execute(BUMP_ISSUE, {"id": issue["id"], "now": when})
    row = await load_issue(conn, issue["id"])
    await record_change(conn, row, [change], event_type=event_type, actor=actor, at=when, data={"comment": comment})


async def do_add_comment(
    conn: Conn, actor: Actor, ref: str, body: Any, *, expected_version: int | None = None
) -> DictRow:
    """Add a comment."""
    text = _body(body)
    issue = await access_issue(conn, actor, ref, Permission.ADD_COMMENTS, for_update=True)
    check_version(issue, expected_version)
    return await add_comment_to(conn, actor, issue, text)


async def add_comment_to(conn: Conn, actor: Actor, issue: DictRow, body: Any) -> DictRow:
    """Add a comment to an issue already loaded, locked and authorized (also used by workflow post-functions)."""
    text = _body(body)
    comment_id = await fetch_val(
        conn, INSERT_COMMENT, {"issue_id": issue["id"], "author_id": actor.id, "body": text, "now": now()}
    )
    row = await _comment(conn, issue, comment_id)
    await _touch(
        conn,
        actor,
        issue,
        Change.of("comment", None, str(comment_id), after_string=text),
        "comment.added",
        comment_view(row),
    )
    return row


async def _authorize_own_or_all(
    conn: Conn, actor: Actor, issue: DictRow, comment: DictRow, own: Permission, every: Permission
) -> None:
    grants = grants_of(issue)
    assert grants is not None, "issue rows come from access_issue"
    if comment["author_id"] == actor.id and grants.allows(own, issue):
        return
    if not grants.allows(every, issue):
        missing = own if comment["author_id"] == actor.id else every
        raise Forbidden("You may not change this comment", permission=missing.value)


async def do_edit_comment(conn: Conn, actor: Actor, ref: str, comment_id: int, body: Any) -> DictRow:
    """Edit a comment (its author, or whoever may edit all comments)."""
    text = _body(body)
    issue = await access_issue(conn, actor, ref, for_update=True)
    comment = await _comment(conn, issue, comment_id)
    await _authorize_own_or_all(conn, actor, issue, comment, Permission.EDIT_OWN_COMMENTS, Permission.EDIT_ALL_COMMENTS)
    if comment["body"] == text:
        return comment
    await conn.execute(UPDATE_COMMENT, {"id": comment_id, "body": text, "now": now()})
    row = await _comment(conn, issue, comment_id)
    await _touch(
        conn,
        actor,
        issue,
        Change.of("comment", str(comment_id), str(comment_id), before_string=comment["body"], after_string=text),
        "comment.updated",
        comment_view(row),
    )
    return row


async def do_delete_comment(conn: Conn, actor: Actor, ref: str, comment_id: int) -> None:
    """Delete a comment (its author, or whoever may delete all comments)."""
    issue = await access_issue(conn, actor, ref, for_update=True)
    comment = await _comment(conn, issue, comment_id)
    await _authorize_own_or_all(
        conn, actor, issue, comment, Permission.DELETE_OWN_COMMENTS, Permission.DELETE_ALL_COMMENTS
    )
    await conn.execute(DELETE_COMMENT, {"id": comment_id})
    await _touch(
        conn,
        actor,
        issue,
        Change.of("comment", str(comment_id), None, before_string=comment["body"]),
        "comment.deleted",
        comment_view(comment),
    )
