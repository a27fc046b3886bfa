"""The agile side of one issue: rank, sprints, versions, components, links, parent, epic and children."""

from __future__ import annotations

from typing import Any

from tracker.accounts.models import Actor
from tracker.agile.common import iso
from tracker.agile.components import issue_components
from tracker.agile.links import issue_links
from tracker.agile.sprints import issue_sprint_rows
from tracker.agile.versions import issue_versions
from tracker.db import Conn, fetch_one
from tracker.issues.actions import access_issue

SELECT_EPIC = """
SELECT e.key, e.summary FROM issues i
JOIN issues par ON par.id = i.parent_id JOIN issue_types pt ON pt.id = par.issue_type_id
LEFT JOIN issues gp ON gp.id = par.parent_id LEFT JOIN issue_types gpt ON gpt.id = gp.issue_type_id
JOIN LATERAL (SELECT CASE WHEN pt.hierarchy_level = 1 THEN par.id WHEN gpt.hierarchy_level = 1 THEN gp.id END AS id) x
    ON x.id IS NOT NULL
JOIN issues e ON e.id = x.id
WHERE i.id = %(id)s
"""
COUNT_CHILDREN = "SELECT count(*) AS n FROM issues WHERE parent_id = %(id)s"


async def issue_agile(conn: Conn, actor: Actor, ref: str) -> dict[str, Any]:
    """Everything agile about an issue the actor may browse."""
    issue = await access_issue(conn, actor, ref)
    sprints = await issue_sprint_rows(conn, issue["id"])
    versions = await issue_versions(conn, issue["id"])
    epic = await fetch_one(conn, SELECT_EPIC, {"id": issue["id"]})
    children = await fetch_one(conn, COUNT_CHILDREN, {"id": issue["id"]})

    def version(v: Any) -> dict[str, Any]:
        return {"id": v["id"], "name": v["name"], "released": v["released"], "release_date": iso(v["release_date"])}

    return {
        "key": issue["key"],
        "rank": issue["rank"],
        "sprints": [
            {"id": s["id"], "name": s["name"], "state": s["state"], "board_id": s["board_id"]} for s in sprints
        ],
        "fix_versions": [version(v) for v in versions["fix_versions"]],
        "affects_versions": [version(v) for v in versions["affects_versions"]],
        "components": [{"id": c["id"], "name": c["name"]} for c in await issue_components(conn, issue["id"])],
        "parent": issue["parent_key"],
        "epic": None if epic is None else {"key": epic["key"], "summary": epic["summary"]},
        "children": children["n"] if children else 0,
        "links": await issue_links(conn, actor, ref),
        "version": issue["version"],
    }
