"""The board view (columns of ranked cards, WIP limits, swimlanes) and the Scrum backlog, cached when possible.

Which issues: the board's saved filter (and the selected quick filters, ANDed), run as the viewer, so it only
ever holds issues the viewer may browse; then only issues whose status is mapped to a column. A Scrum board
shows its active sprint (or the sprint asked for); a Kanban board shows everything but the issues that have sat in
the rightmost column for longer than the board's `done_max_age_days`. Cards are ordered by rank.

WIP limits are checked against the board without quick filters: they describe the team's work, not the view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson
from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.agile import filters
from tracker.agile.boards import (
    board_columns,
    board_view,
    column_view,
    done_status_ids,
    get_board,
    quick_filters,
    statuses_by_id,
)
from tracker.agile.cache import AgileCache, project_scope, project_stamps
from tracker.agile.cards import CARD_SELECT, card_view
from tracker.agile.common import now
from tracker.agile.sprints import SELECT_BOARD_SPRINTS, sprint_view
from tracker.db import Conn, fetch_all
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.permissions import ProjectGrants

# Bump when the JSON shape changes, so entries of an older shape are never served.
VIEW_SHAPE = 1

SELECT_VIEW_CARDS = (
    CARD_SELECT
    + """
WHERE i.id = ANY(%(ids)s::bigint[]) AND i.status_id = ANY(%(mapped)s::bigint[])
  AND (%(sprint_ids)s::bigint[] IS NULL OR EXISTS (
        SELECT 1 FROM issue_sprints x WHERE x.issue_id = i.id AND x.sprint_id = ANY(%(sprint_ids)s::bigint[])))
  AND (%(max_age)s::int IS NULL OR NOT (i.status_id = ANY(%(done)s::bigint[])) OR coalesce(
        (SELECT max(h.occurred_at) FROM issue_history h WHERE h.issue_id = i.id AND h.field = 'status'),
        i.resolved_at, i.created_at) >= %(cutoff)s)
ORDER BY i.rank
"""
)
# The open sprint of each card (at most one), for the backlog.
SELECT_BACKLOG_CARDS = (
    CARD_SELECT.replace(
        "FROM issues i",
        """, (SELECT x.sprint_id FROM issue_sprints x JOIN sprints s ON s.id = x.sprint_id
            WHERE x.issue_id = i.id AND s.state <> 'closed' ORDER BY x.sprint_id LIMIT 1) AS open_sprint_id
FROM issues i""",
        1,
    )
    + """
WHERE i.id = ANY(%(ids)s::bigint[]) AND i.status_id = ANY(%(mapped)s::bigint[]) AND NOT t.subtask
ORDER BY i.rank
"""
)


def _grants_signature(grants: ProjectGrants) -> list[Any]:
    return [grants.admin, sorted(grants.always), sorted(grants.as_reporter), sorted(grants.as_assignee)]


def _estimate(rows: Sequence[Mapping[str, Any]], estimation: str) -> int | float:
    """The board's estimation statistic over cards: story points or issue count, sub-tasks excluded."""
    parents = [r for r in rows if not r["type_subtask"]]
    if estimation == "issue_count":
        return len(parents)
    total = sum((r["story_points"] or Decimal(0) for r in parents), Decimal(0))
    return int(total) if total == total.to_integral_value() else float(total)


def _selected_quick_filters(quick: Sequence[DictRow], selected: Sequence[int]) -> list[DictRow]:
    by_id = {q["id"]: q for q in quick}
    unknown = [q for q in selected if q not in by_id]
    if unknown:
        raise ValidationError(
            "Unknown quick filter", errors={"quickFilter": f"not on this board: {', '.join(map(str, unknown))}"}
        )
    return [by_id[q] for q in dict.fromkeys(selected)]


def _require_filter(actor: Actor, board: Mapping[str, Any]) -> str:
    if board["filter_id"] is None:
        raise ValidationError("The board has no filter", errors={"filter_id": "set a filter on the board"})
    if not filters.may_see(actor, {"shared": board["filter_shared"], "owner_id": board["filter_owner_id"]}):
        raise Forbidden(f"The filter of board {board['id']} is not shared with you")
    jql_text: str = board["filter_jql"]
    return jql_text


async def _issue_ids(
    conn: Conn, actor: Actor, board: Mapping[str, Any], quick: Sequence[Mapping[str, Any]]
) -> tuple[list[int], list[int]]:
    """(ids matching the filter and quick filters, ids matching the filter alone)."""
    jql_text = _require_filter(actor, board)
    base = await filters.search_ids(conn, actor, jql_text)
    if not quick:
        return base, base
    extra = " AND ".join(f"({q['jql']})" for q in quick)
    return await filters.search_ids(conn, actor, jql_text, extra_jql=extra), base


def _lanes(kind: str, rows: Sequence[Mapping[str, Any]], column_of: Mapping[int, int], n: int) -> list[dict]:
    """Swimlanes: each lane lists the keys of its cards per column, in rank order."""
    lanes: dict[Any, dict[str, Any]] = {}
    order: list[Any] = []
    for r in rows:
        if kind == "assignee":
            lane_id = r["assignee_username"]
            name = r["assignee_display_name"] if lane_id else "Unassigned"
        elif kind == "epic":
            lane_id = r["epic_key"]
            name = f"{r['epic_key']} {r['epic_summary']}" if lane_id else "Issues without epic"
        else:
            lane_id, name = "all", "All issues"
        if lane_id not in lanes:
            lanes[lane_id] = {"id": lane_id, "name": name, "columns": [[] for _ in range(n)]}
            order.append(lane_id)
        lanes[lane_id]["columns"][column_of[r["status_id"]]].append(r["key"])
    if kind == "assignee":
        order.sort(key=lambda lane: (lane is None, (lanes[lane]["name"] or "").lower()))
    elif kind == "epic":
        order.sort(key=lambda lane: lane is None)  # epics in rank order of their first card, the rest last
    return [lanes[lane] for lane in order]


async def compute_board_view(
    conn: Conn,
    actor: Actor,
    board: DictRow,
    *,
    quick_filter_ids: Sequence[int] = (),
    sprint_id: int | None = None,
) -> tuple[dict[str, Any], set[int]]:
    """The board view and the projects of the issues it shows."""
    columns = await board_columns(conn, board["id"])
    statuses = await statuses_by_id(conn)
    quick_all = await quick_filters(conn, board["id"])
    selected = _selected_quick_filters(quick_all, quick_filter_ids)
    sprints: list[DictRow] = []
    if board["type"] == "scrum":
        states = None if sprint_id is not None else ["active"]
        sprints = await fetch_all(conn, SELECT_BOARD_SPRINTS, {"board_id": board["id"], "states": states})
        if sprint_id is not None:
            sprints = [s for s in sprints if s["id"] == sprint_id]
            if not sprints:
                raise NotFound(f"Sprint {sprint_id} is not a sprint of board {board['id']}")
    elif sprint_id is not None:
        raise ValidationError("Kanban boards have no sprints", errors={"sprint": "not for a Kanban board"})
    ids, base_ids = await _issue_ids(conn, actor, board, selected)
    column_of = {s: i for i, c in enumerate(columns) for s in c["status_ids"]}
    when = now()
    params = {
        "mapped": list(column_of),
        "sprint_ids": [s["id"] for s in sprints] if board["type"] == "scrum" else None,
        "max_age": board["done_max_age_days"] if board["type"] == "kanban" else None,
        "done": done_status_ids(columns),
        "cutoff": when - timedelta(days=board["done_max_age_days"] or 0),
    }
    rows = await fetch_all(conn, SELECT_VIEW_CARDS, params | {"ids": ids})
    base_rows = rows if base_ids is ids else await fetch_all(conn, SELECT_VIEW_CARDS, params | {"ids": base_ids})
    counts = [0] * len(columns)
    for r in base_rows:
        counts[column_of[r["status_id"]]] += 1
    by_column: list[list[DictRow]] = [[] for _ in columns]
    for r in rows:
        by_column[column_of[r["status_id"]]].append(r)
    out_columns = []
    for i, column in enumerate(columns):
        cards = by_column[i]
        out_columns.append(
            column_view(column, statuses)
            | {
                "issue_count": counts[i],
                "over_max": column["max_issues"] is not None and counts[i] > column["max_issues"],
                "under_min": column["min_issues"] is not None and counts[i] < column["min_issues"],
                "estimate": _estimate(cards, board["estimation"]),
                "issues": [card_view(r) for r in cards],
            }
        )
    view = {
        "board": board_view(board),
        "sprints": [sprint_view(s) for s in sprints],
        "quick_filters": [{"id": q["id"], "name": q["name"], "active": q in selected} for q in quick_all],
        "columns": out_columns,
        "swimlanes": {"type": board["swimlanes"], "lanes": _lanes(board["swimlanes"], rows, column_of, len(columns))},
        "total": len(rows),
        "generated": when.isoformat(),
        "shape": VIEW_SHAPE,
    }
    return view, {r["project_id"] for r in base_rows}


async def compute_backlog(
    conn: Conn, actor: Actor, board: DictRow, *, quick_filter_ids: Sequence[int] = ()
) -> tuple[dict[str, Any], set[int]]:
    """The Scrum backlog: the board's open sprints with their issues, then unscheduled issues not yet done."""
    if board["type"] != "scrum":
        raise ValidationError("Kanban boards have no backlog", errors={"board": f"board {board['id']} is Kanban"})
    columns = await board_columns(conn, board["id"])
    selected = _selected_quick_filters(await quick_filters(conn, board["id"]), quick_filter_ids)
    sprints = await fetch_all(conn, SELECT_BOARD_SPRINTS, {"board_id": board["id"], "states": ["active", "future"]})
    sprints.sort(key=lambda s: (s["state"] != "active", s["id"]))
    ids, _ = await _issue_ids(conn, actor, board, selected)
    mapped = [s for c in columns for s in c["status_ids"]]
    rows = await fetch_all(conn, SELECT_BACKLOG_CARDS, {"ids": ids, "mapped": mapped})
    done = set(done_status_ids(columns))
    in_sprint: dict[int, list[DictRow]] = {s["id"]: [] for s in sprints}
    backlog: list[DictRow] = []
    for r in rows:
        if r["open_sprint_id"] in in_sprint:
            in_sprint[r["open_sprint_id"]].append(r)
        elif r["open_sprint_id"] is None and r["status_id"] not in done:
            backlog.append(r)

    def section(cards: list[DictRow]) -> dict[str, Any]:
        return {
            "issue_count": len(cards),
            "estimate": _estimate(cards, board["estimation"]),
            "issues": [card_view(r) for r in cards],
        }

    view = {
        "board": board_view(board),
        "sprints": [sprint_view(s) | section(in_sprint[s["id"]]) for s in sprints],
        "backlog": section(backlog),
        "generated": now().isoformat(),
        "shape": VIEW_SHAPE,
    }
    return view, {r["project_id"] for r in rows}


async def _cached(
    conn: Conn,
    actor: Actor,
    board: DictRow,
    cache: AgileCache | None,
    kind: str,
    variant: Mapping[str, Any],
    compute: Any,
) -> tuple[bytes, str]:
    if cache is None:
        view, _ = await compute()
        return orjson.dumps(view), "off"
    key = cache.key(
        kind,
        {
            "board": board["id"],
            "actor": actor.id,
            "grants": _grants_signature(board["grants"]),
            "stamps": [board["instance_stamp"], board["board_stamp"], board["project_stamp"]],
            "shape": VIEW_SHAPE,
            **variant,
        },
    )
    entry = await cache.get(key)
    if entry is not None and await cache.valid(conn, entry[0]):
        return entry[1], "hit"
    # Stamps first, data second: an entry may hold data newer than its stamps, never older.
    stamps = await project_stamps(conn)
    view, project_ids = await compute()
    body = orjson.dumps(view)
    checks = {
        project_scope(p): stamps.get(project_scope(p), 0) for p in sorted(project_ids) if p != board["project_id"]
    }
    await cache.set(key, body, checks)
    return body, "miss"


async def board_view_json(
    conn: Conn,
    actor: Actor,
    board_id: int,
    *,
    quick_filter_ids: Sequence[int] = (),
    sprint_id: int | None = None,
    cache: AgileCache | None = None,
) -> tuple[bytes, str]:
    """The board view as JSON bytes, and whether it came from the cache ('hit', 'miss' or 'off')."""
    board = await get_board(conn, actor, board_id)
    quick = sorted(set(quick_filter_ids))

    async def compute() -> tuple[dict[str, Any], set[int]]:
        return await compute_board_view(conn, actor, board, quick_filter_ids=quick, sprint_id=sprint_id)

    return await _cached(conn, actor, board, cache, "board", {"quick": quick, "sprint": sprint_id}, compute)


async def backlog_json(
    conn: Conn,
    actor: Actor,
    board_id: int,
    *,
    quick_filter_ids: Sequence[int] = (),
    cache: AgileCache | None = None,
) -> tuple[bytes, str]:
    """The backlog of a Scrum board as JSON bytes, and whether it came from the cache."""
    board = await get_board(conn, actor, board_id)
    quick = sorted(set(quick_filter_ids))

    async def compute() -> tuple[dict[str, Any], set[int]]:
        return await compute_backlog(conn, actor, board, quick_filter_ids=quick)

    return await _cached(conn, actor, board, cache, "backlog", {"quick": quick}, compute)
