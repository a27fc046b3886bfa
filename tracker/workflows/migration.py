"""Moving issues whose status disappeared from their workflow (after a publish or a scheme change)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all
from tracker.errors import ValidationError
from tracker.issues import repository as issue_sql
from tracker.issues.actions import apply_changes, now
from tracker.workflows import repository as sql

DONE_RESOLUTION_ID = 10000


async def parse_status_mapping(conn: Conn, raw: Any) -> dict[int, int]:
    """{old status: new status}, each given by id or name."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError(
            "The status mapping is an object", errors={"status_mapping": '{"old status": "new status", ...}'}
        )
    statuses = await fetch_all(conn, sql.SELECT_ALL_STATUSES)
    by_id = {str(s["id"]): s["id"] for s in statuses}
    by_name = {s["name"].lower(): s["id"] for s in statuses}
    out: dict[int, int] = {}
    errors: dict[str, str] = {}
    for old, new in raw.items():
        old_id = by_id.get(str(old)) or by_name.get(str(old).lower())
        new_id = by_id.get(str(new)) or by_name.get(str(new).lower())
        if old_id is None:
            errors[f"status_mapping.{old}"] = f"status '{old}' does not exist"
        elif new_id is None:
            errors[f"status_mapping.{old}"] = f"status '{new}' does not exist"
        else:
            out[old_id] = new_id
    if errors:
        raise ValidationError("Invalid status mapping", errors=errors)
    return out


async def move_stranded_issues(
    conn: Conn, actor: Actor, mapping: Mapping[int, int], *, project_ids: list[int] | None = None
) -> int:
    """Move every issue whose status is not in its workflow, following `mapping`; returns how many moved.

    Each move is an ordinary change: a history row for the status (and resolution) and an issue.updated event.
    Statuses with issues but no mapping, and mappings into a status the workflow lacks, are errors naming them.
    """
    stranded = await fetch_all(conn, sql.SELECT_STRANDED, {"project_ids": project_ids})
    if not stranded:
        return 0
    workflow_ids = sorted({r["workflow_id"] for r in stranded})
    allowed: dict[int, set[int]] = defaultdict(set)
    for r in await fetch_all(conn, sql.SELECT_WORKFLOW_STATUS_IDS, {"ids": workflow_ids}):
        allowed[r["workflow_id"]].add(r["status_id"])
    statuses = {s["id"]: s for s in await fetch_all(conn, sql.SELECT_ALL_STATUSES)}
    errors: dict[str, str] = {}
    for r in stranded:
        target = mapping.get(r["status_id"])
        key = f"status_mapping.{r['status_name']}"
        choices = ", ".join(sorted(statuses[s]["name"] for s in allowed[r["workflow_id"]]))
        if target is None:
            count = sum(1 for x in stranded if x["status_id"] == r["status_id"])
            errors[key] = (
                f"{count} issue(s) are in '{r['status_name']}', which workflow '{r['workflow_name']}' does not have: "
                f"map it to one of {choices}"
            )
        elif target not in allowed[r["workflow_id"]]:
            errors[key] = (
                f"'{statuses[target]['name']}' is not a status of workflow '{r['workflow_name']}': choose one of {choices}"
            )
    if errors:
        raise ValidationError("Issues need a new status", errors=errors)
    rows = await fetch_all(conn, issue_sql.SELECT_ISSUES_BY_IDS, {"ids": [r["id"] for r in stranded]})
    when = now()
    for issue in rows:
        new_status = statuses[mapping[issue["status_id"]]]
        values: dict[str, Any] = {"status_id": new_status["id"], "status_name": new_status["name"]}
        was_done, is_done = issue["status_category"] == "done", new_status["category"] == "done"
        if is_done and issue["resolution_id"] is None:
            values.update(resolution_id=DONE_RESOLUTION_ID, resolution_name="Done", resolved_at=when)
        elif was_done and not is_done and issue["resolution_id"] is not None:
            values.update(resolution_id=None, resolution_name=None, resolved_at=None)
        await apply_changes(
            conn,
            actor,
            issue,
            values,
            event_type="issue.updated",
            at=when,
            data={"workflow_migration": {"from": issue["status_name"], "to": new_status["name"]}},
        )
    return len(rows)
