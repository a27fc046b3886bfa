"""Issue cards: the compact form of an issue on boards, backlogs, sprints and epics, with its epic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn
from tracker.issues.models import number_out
from tracker.permissions import Permission, project_grants

# The epic of a card: its parent when that is an epic, or for a sub-task its parent's epic.
CARD_SELECT = """
SELECT i.id, i.key, i.project_id, p.key AS project_key, i.summary, i.rank, i.story_points,
       i.status_id, s.name AS status_name, s.category AS status_category,
       i.issue_type_id, t.name AS type_name, t.subtask AS type_subtask,
       i.priority_id, pr.name AS priority_name,
       i.assignee_id, a.username AS assignee_username, a.display_name AS assignee_display_name, i.reporter_id,
       i.parent_id, par.key AS parent_key,
       CASE WHEN pt.hierarchy_level = 1 THEN par.key WHEN gpt.hierarchy_level = 1 THEN gp.key END AS epic_key,
       CASE WHEN pt.hierarchy_level = 1 THEN par.summary WHEN gpt.hierarchy_level = 1 THEN gp.summary END
           AS epic_summary,
       i.version
FROM issues i
JOIN projects p ON p.id = i.project_id
JOIN statuses s ON s.id = i.status_id
JOIN issue_types t ON t.id = i.issue_type_id
JOIN priorities pr ON pr.id = i.priority_id
LEFT JOIN users a ON a.id = i.assignee_id
LEFT JOIN issues par ON par.id = i.parent_id
LEFT JOIN issue_types pt ON pt.id = par.issue_type_id
LEFT JOIN issues gp ON gp.id = par.parent_id AND t.subtask
LEFT JOIN issue_types gpt ON gpt.id = gp.issue_type_id
"""


def card_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of an issue card."""
    return {
        "id": row["id"],
        "key": row["key"],
        "summary": row["summary"],
        "type": {"id": row["issue_type_id"], "name": row["type_name"], "subtask": row["type_subtask"]},
        "status": {"id": row["status_id"], "name": row["status_name"], "category": row["status_category"]},
        "priority": {"id": row["priority_id"], "name": row["priority_name"]},
        "assignee": None
        if row["assignee_id"] is None
        else {"username": row["assignee_username"], "display_name": row["assignee_display_name"]},
        "story_points": number_out(row["story_points"]),
        "parent": row["parent_key"],
        "epic": None if row["epic_key"] is None else {"key": row["epic_key"], "summary": row["epic_summary"]},
        "rank": row["rank"],
        "version": row["version"],
    }


async def visible(conn: Conn, actor: Actor, rows: list[DictRow]) -> list[DictRow]:
    """The card rows (with project_id, reporter_id, assignee_id) of issues the actor may browse."""
    if actor.is_admin or not rows:
        return rows
    grants = await project_grants(conn, actor, {r["project_id"] for r in rows})
    browse = Permission.BROWSE_PROJECTS
    return [r for r in rows if r["project_id"] in grants and grants[r["project_id"]].allows(browse, r)]
