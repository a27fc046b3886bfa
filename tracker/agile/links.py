"""Issue links: typed, directed relations (A blocks B), shown on both issues with the matching wording.

A link row means source --(type.outward)--> target; the target shows it as `type.inward`. Creating or deleting a
link records a 'Link' history row and an issue.updated event on both issues, worded as Jira words them
("This issue blocks PROJ-2" / "This issue is blocked by PROJ-1"). Linking needs LINK_ISSUES on the source issue and
the right to browse the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.agile.cards import visible
from tracker.agile.common import iso, lock_issue, now, record_issue_change, resolve_issue_ids
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import AlreadyExists, NotFound, ValidationError
from tracker.events import Change
from tracker.issues.actions import access_issue
from tracker.permissions import Permission

LINK_FIELD = "Link"

SELECT_LINK_TYPES = "SELECT id, name, outward, inward FROM link_types ORDER BY id"
SELECT_LINK = """
SELECT l.*, lt.name AS type_name, lt.outward, lt.inward FROM issue_links l JOIN link_types lt ON lt.id = l.link_type_id
WHERE l.id = %(id)s
"""
SELECT_EXISTING = """
SELECT id FROM issue_links
WHERE link_type_id = %(type_id)s
  AND ((source_issue_id = %(source)s AND target_issue_id = %(target)s)
       OR (%(symmetric)s AND source_issue_id = %(target)s AND target_issue_id = %(source)s))
"""
INSERT_LINK = """
INSERT INTO issue_links (link_type_id, source_issue_id, target_issue_id, created_at, created_by)
VALUES (%(type_id)s, %(source)s, %(target)s, %(now)s, %(actor_id)s)
RETURNING id
"""
DELETE_LINK = "DELETE FROM issue_links WHERE id = %(id)s"
# Both directions of an issue's links, with the other issue, oldest link first.
SELECT_ISSUE_LINKS = """
SELECT l.id, l.link_type_id, lt.name AS type_name, lt.outward, lt.inward, l.created_at,
       (l.source_issue_id = %(id)s) AS is_outward,
       o.id AS other_id, o.key AS other_key, o.summary AS other_summary, o.project_id, o.reporter_id, o.assignee_id,
       s.name AS other_status, s.category AS other_status_category, t.name AS other_type
FROM issue_links l
JOIN link_types lt ON lt.id = l.link_type_id
JOIN issues o ON o.id = CASE WHEN l.source_issue_id = %(id)s THEN l.target_issue_id ELSE l.source_issue_id END
JOIN statuses s ON s.id = o.status_id
JOIN issue_types t ON t.id = o.issue_type_id
WHERE l.source_issue_id = %(id)s OR l.target_issue_id = %(id)s
ORDER BY l.id
"""


def link_type_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a link type."""
    return {"id": row["id"], "name": row["name"], "outward": row["outward"], "inward": row["inward"]}


async def link_types(conn: Conn) -> list[DictRow]:
    """Every link type."""
    return await fetch_all(conn, SELECT_LINK_TYPES)


async def resolve_link_type(conn: Conn, ref: Any) -> tuple[DictRow, bool]:
    """A link type by id, name, or outward/inward wording; True when the inward wording was used (swap ends)."""
    text = str(ref).strip().lower()
    for row in await link_types(conn):
        if text in (str(row["id"]), row["name"].lower(), row["outward"].lower()):
            return row, False
        if text == row["inward"].lower():
            return row, True
    raise ValidationError("Unknown link type", errors={"type": f"'{ref}' is not a link type"})


def _changes(link_type: Mapping[str, Any], source: Mapping[str, Any], target: Mapping[str, Any], *, add: bool):
    """The 'Link' history items of the source and of the target issue."""
    on_source = (target["key"], f"This issue {link_type['outward']} {target['key']}")
    on_target = (source["key"], f"This issue {link_type['inward']} {source['key']}")

    def change(value: tuple[str, str]) -> Change:
        if add:
            return Change.of(LINK_FIELD, None, value[0], after_string=value[1])
        return Change.of(LINK_FIELD, value[0], None, before_string=value[1])

    return change(on_source), change(on_target)


async def _lock_pair(conn: Conn, actor: Actor, source_ref: str | int, target_ref: str | int) -> tuple[DictRow, DictRow]:
    """Both ends locked in id order; LINK_ISSUES on the source, browse on the target."""
    source_id = (await resolve_issue_ids(conn, [source_ref], field="source"))[0]
    target_id = (await resolve_issue_ids(conn, [target_ref], field="target"))[0]
    if source_id == target_id:
        raise ValidationError("An issue cannot be linked to itself", errors={"target": "is the source issue"})
    need = {source_id: (Permission.LINK_ISSUES, "source"), target_id: (Permission.BROWSE_PROJECTS, "target")}
    rows = {i: await lock_issue(conn, actor, i, need[i][0], field=need[i][1]) for i in sorted(need)}
    return rows[source_id], rows[target_id]


async def do_link_issues(
    conn: Conn,
    actor: Actor,
    *,
    link_type: Any,
    source: str | int,
    target: str | int,
    at: datetime | None = None,
) -> DictRow:
    """Link two issues: `source` <outward> `target` (or, with the inward wording, `target` <outward> `source`)."""
    when = at or now()
    type_row, swap = await resolve_link_type(conn, link_type)
    if swap:
        source, target = target, source
    src, tgt = await _lock_pair(conn, actor, source, target)
    params = {
        "type_id": type_row["id"],
        "source": src["id"],
        "target": tgt["id"],
        "symmetric": type_row["outward"] == type_row["inward"],
        "now": when,
        "actor_id": actor.id,
    }
    if await fetch_one(conn, SELECT_EXISTING, params) is not None:
        raise AlreadyExists(
            f"{src['key']} already {type_row['outward']} {tgt['key']}", errors={"target": "already linked"}
        )
    link_id = await fetch_val(conn, INSERT_LINK, params)
    on_source, on_target = _changes(type_row, src, tgt, add=True)
    data = {"link": {"id": link_id, "type": type_row["name"], "source": src["key"], "target": tgt["key"]}}
    await record_issue_change(conn, actor, src, [on_source], at=when, data=data)
    await record_issue_change(conn, actor, tgt, [on_target], at=when, data=data)
    return await get_link(conn, actor, link_id)


async def get_link(conn: Conn, actor: Actor, link_id: int) -> DictRow:
    """A link whose both ends the actor may browse."""
    row = await fetch_one(conn, SELECT_LINK, {"id": link_id}) if 0 < link_id < 2**63 else None
    if row is None:
        raise NotFound(f"Issue link {link_id} does not exist")
    try:
        row["source"] = await access_issue(conn, actor, row["source_issue_id"])
        row["target"] = await access_issue(conn, actor, row["target_issue_id"])
    except NotFound:
        raise NotFound(f"Issue link {link_id} does not exist") from None
    return row


def link_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of a link loaded by get_link."""
    return {
        "id": row["id"],
        "type": {
            "id": row["link_type_id"],
            "name": row["type_name"],
            "outward": row["outward"],
            "inward": row["inward"],
        },
        "source": row["source"]["key"],
        "target": row["target"]["key"],
        "created": iso(row["created_at"]),
    }


async def do_delete_link(conn: Conn, actor: Actor, link_id: int, *, at: datetime | None = None) -> None:
    """Remove a link (LINK_ISSUES on its source); both issues record the removal."""
    when = at or now()
    link = await get_link(conn, actor, link_id)
    src, tgt = await _lock_pair(conn, actor, link["source_issue_id"], link["target_issue_id"])
    await conn.execute(DELETE_LINK, {"id": link["id"]})
    type_row = {"outward": link["outward"], "inward": link["inward"]}
    on_source, on_target = _changes(type_row, src, tgt, add=False)
    data = {"link": {"id": link["id"], "type": link["type_name"], "source": src["key"], "target": tgt["key"]}}
    await record_issue_change(conn, actor, src, [on_source], at=when, data=data)
    await record_issue_change(conn, actor, tgt, [on_target], at=when, data=data)


async def issue_links(conn: Conn, actor: Actor, ref: str) -> list[dict[str, Any]]:
    """The links of an issue, both directions, each worded from this issue's side; hidden ends are left out."""
    issue = await access_issue(conn, actor, ref)
    rows = await visible(conn, actor, await fetch_all(conn, SELECT_ISSUE_LINKS, {"id": issue["id"]}))
    return [
        {
            "id": r["id"],
            "type": {"id": r["link_type_id"], "name": r["type_name"], "outward": r["outward"], "inward": r["inward"]},
            "direction": "outward" if r["is_outward"] else "inward",
            "relation": r["outward"] if r["is_outward"] else r["inward"],
            "issue": {
                "id": r["other_id"],
                "key": r["other_key"],
                "summary": r["other_summary"],
                "type": r["other_type"],
                "status": {"name": r["other_status"], "category": r["other_status_category"]},
            },
            "created": iso(r["created_at"]),
        }
        for r in rows
    ]
