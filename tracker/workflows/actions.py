"""Transitions of the simple workflow. The workflow engine adds conditions, validators and post-functions."""

from __future__ import annotations

from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one
from tracker.errors import TransitionNotAllowed, ValidationError
from tracker.issues.actions import access_issue, apply_changes, check_version, now
from tracker.permissions import Permission

DONE_RESOLUTION_ID = 10000

SELECT_TRANSITIONS = """
SELECT t.id, t.name, t.to_status_id, s.name AS to_status_name, s.category AS to_status_category
FROM workflow_transitions t JOIN statuses s ON s.id = t.to_status_id
WHERE t.workflow_id = %(workflow_id)s
  AND (t.from_status_id = %(status_id)s OR t.from_status_id IS NULL) AND t.to_status_id <> %(status_id)s
ORDER BY t.position, t.id
"""

SELECT_RESOLUTION = "SELECT id, name FROM resolutions WHERE lower(name) = lower(%(name)s) OR id::text = %(name)s"


def transition_view(row: DictRow) -> dict[str, Any]:
    """The JSON representation of an available transition."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "to": {"id": row["to_status_id"], "name": row["to_status_name"], "category": row["to_status_category"]},
    }


async def available_transitions(conn: Conn, actor: Actor, ref: str) -> list[DictRow]:
    """Transitions the actor may run from the issue's current status."""
    issue = await access_issue(conn, actor, ref)
    return await fetch_all(
        conn, SELECT_TRANSITIONS, {"workflow_id": issue["workflow_id"], "status_id": issue["status_id"]}
    )


async def do_transition(
    conn: Conn,
    actor: Actor,
    ref: str,
    transition: str,
    *,
    resolution: str | None = None,
    comment: str | None = None,
    expected_version: int | None = None,
) -> DictRow:
    """Move an issue along a transition (by id or name); entering a done status sets the resolution."""
    issue = await access_issue(conn, actor, ref, Permission.TRANSITION_ISSUES, for_update=True)
    check_version(issue, expected_version)
    options = await fetch_all(
        conn, SELECT_TRANSITIONS, {"workflow_id": issue["workflow_id"], "status_id": issue["status_id"]}
    )
    chosen = next(
        (t for t in options if str(t["id"]) == str(transition) or t["name"].lower() == str(transition).lower()), None
    )
    if chosen is None:
        names = ", ".join(f"'{t['name']}'" for t in options) or "none"
        raise TransitionNotAllowed(
            f"Transition '{transition}' is not available for {issue['key']} in status "
            f"'{issue['status_name']}' (available: {names})",
            errors={"transition": "not available from the current status"},
        )
    values: dict[str, Any] = {"status_id": chosen["to_status_id"], "status_name": chosen["to_status_name"]}
    entering_done = chosen["to_status_category"] == "done"
    if entering_done:
        res = await fetch_one(conn, SELECT_RESOLUTION, {"name": resolution or str(DONE_RESOLUTION_ID)})
        if res is None:
            raise ValidationError("Unknown resolution", errors={"resolution": f"'{resolution}' does not exist"})
        values.update(resolution_id=res["id"], resolution_name=res["name"])
        if issue["resolved_at"] is None or issue["status_category"] != "done":
            values["resolved_at"] = None  # filled with the change time below
    elif issue["resolution_id"] is not None:
        values.update(resolution_id=None, resolution_name=None, resolved_at=None)
    elif resolution is not None:
        raise ValidationError(
            "A resolution can only be set when entering a done status",
            errors={"resolution": "not allowed for this transition"},
        )
    when = now()
    if entering_done:
        values["resolved_at"] = when
    row = await apply_changes(
        conn,
        actor,
        issue,
        values,
        event_type="issue.transitioned",
        at=when,
        data={"transition": {"id": str(chosen["id"]), "name": chosen["name"]}},
    )
    if comment:
        from tracker.issues.comments import do_add_comment

        await do_add_comment(conn, actor, row["key"], comment)
        row = await access_issue(conn, actor, row["key"])
    return row
