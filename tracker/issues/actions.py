"""Issue operations. Each do_* runs inside the caller's transaction and never commits."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from tracker.accounts.actions import match_users, resolve_users
from tracker.accounts.models import Actor
from tracker.agile import hooks as agile_hooks
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import NotFound, ValidationError, VersionConflict
from tracker.events import INSERT_OUTBOX, Change, Event, record_event
from tracker.fields.models import FieldDefinition
from tracker.fields.values import CustomUpdate, render_custom_fields, resolve_custom_fields
from tracker.issues import repository as sql
from tracker.issues.models import diff, issue_view
from tracker.permissions import (
    Permission,
    ProjectGrants,
    authorize_issue,
    require_issue_permission,
    require_project_permission,
    user_may,
)
from tracker.projects.actions import authorize_project
from tracker.workflows import repository as workflow_sql

ISSUE_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9]{1,9})-([1-9][0-9]{0,9})$")
MAX_LABELS = 100
MAX_DESCRIPTION = 32767
EDITABLE = {
    "type",
    "summary",
    "description",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "due_date",
    "story_points",
    "parent",
    "custom_fields",
}


def now() -> datetime:
    """The time of a change (one per write, shared by its history rows and event)."""
    return datetime.now(UTC)


async def access_issue(
    conn: Conn, actor: Actor, ref: str | int, need: Permission = Permission.BROWSE_PROJECTS, *, for_update: bool = False
) -> DictRow:
    """Load an issue by key or id and authorize; a missing issue and a hidden one are both NotFound.

    The row comes with the actor's grants in its project (`row["grants"]`, read by tracker.permissions),
    computed by the same query, so further checks on the issue cost no round trip.
    """
    params: dict[str, Any]
    if isinstance(ref, int) or str(ref).isdigit():
        params = {"id": int(ref)}
        lock, select = sql.LOCK_ISSUE_BY_ID, (sql.SELECT_ISSUE_BY_ID if actor.is_admin else sql.ACCESS_ISSUE_BY_ID)
    elif ISSUE_KEY.match(str(ref)):
        params = {"key": str(ref).upper()}
        lock, select = sql.LOCK_ISSUE_BY_KEY, (sql.SELECT_ISSUE_BY_KEY if actor.is_admin else sql.ACCESS_ISSUE_BY_KEY)
    else:
        raise NotFound("Issue Does Not Exist", errors={"key": f"'{ref}' is not an issue key or id"})
    if params.get("id", 0) > 2**63 - 1:
        raise NotFound("Issue Does Not Exist")
    if for_update and await fetch_one(conn, lock, params) is None:
        raise NotFound("Issue Does Not Exist")
    row = await fetch_one(conn, select, params | {"actor_id": actor.id})
    if row is None:
        raise NotFound("Issue Does Not Exist")
    row["grants"] = ProjectGrants.from_row(actor, row, row["project_id"])
    authorize_issue(actor, row, need)
    return row


async def present_issue(conn: Conn, row: Mapping[str, Any]) -> dict[str, Any]:
    """The API representation of an issue, custom field option/user/version ids shown with their names."""
    view = issue_view(row)
    view["custom_fields"] = await render_custom_fields(conn, row["custom_fields"] or {}, row["project_id"])
    return view


async def require_assignable(conn: Conn, project: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """A new assignee must hold ASSIGNABLE_USER in the project."""
    user_id = values.get("assignee_id")
    project_id = project.get("project_id") or project["id"]
    if user_id is not None and not await user_may(conn, user_id, project_id, Permission.ASSIGNABLE_USER):
        name = values.get("assignee_username")
        raise ValidationError(
            "User cannot be assigned issues",
            errors={
                "assignee": f"User '{name}' cannot be assigned issues in project {project.get('project_key') or project['key']}"
            },
        )


def check_version(row: Mapping[str, Any], expected: int | None) -> None:
    """Optimistic concurrency: a write made against another version is refused."""
    if expected is not None and expected != row["version"]:
        raise VersionConflict(
            f"Issue {row['key']} has changed: you sent version {expected}, the current version is {row['version']}",
            current_version=row["version"],
        )


def _labels(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Labels must be a list of strings", errors={"labels": "must be a list of strings"})
    out: list[str] = []
    for label in value:
        if not label or len(label) > 255 or any(c.isspace() for c in label):
            raise ValidationError(
                "Invalid label",
                errors={"labels": f"'{label[:40]}' is not a valid label: 1-255 characters without spaces"},
            )
        if label not in out:
            out.append(label)
    if len(out) > MAX_LABELS:
        raise ValidationError("Too many labels", errors={"labels": f"at most {MAX_LABELS} labels"})
    return out


async def resolve_fields(
    conn: Conn,
    actor: Actor,
    project: Mapping[str, Any],
    data: Mapping[str, Any],
    issue: Mapping[str, Any] | None = None,
    *,
    known: CreateContext | None = None,
) -> dict[str, Any]:
    """Turn API field values into column values (plus the display names history needs).

    `known` holds the type, priority and users named in `data`, already looked up (see CreateContext).
    """
    unknown = set(data) - EDITABLE - {"custom_fields"}
    if unknown:
        raise ValidationError("Unknown field", errors={f: "unknown field" for f in sorted(unknown)})
    out: dict[str, Any] = {}
    if "summary" in data:
        summary = data["summary"]
        if not isinstance(summary, str) or not summary.strip():
            raise ValidationError("Summary is required", errors={"summary": "is required"})
        if len(summary) > 255:
            raise ValidationError("Summary is too long", errors={"summary": "must be at most 255 characters"})
        out["summary"] = summary.strip()
    if "description" in data:
        desc = data["description"]
        if desc is not None and (not isinstance(desc, str) or len(desc) > MAX_DESCRIPTION):
            raise ValidationError(
                "Description is too long",
                errors={"description": f"must be text of at most {MAX_DESCRIPTION} characters"},
            )
        out["description"] = desc or None
    if "type" in data:
        row = (
            known.issue_type
            if known is not None
            else await fetch_one(
                conn, sql.SELECT_TYPE_BY_NAME, {"project_id": project["id"], "name": str(data["type"])}
            )
        )
        if row is None:
            raise ValidationError(
                "Unknown issue type",
                errors={"type": f"Issue type '{data['type']}' is not used in project {project['key']}"},
            )
        out.update(issue_type_id=row["id"], type_name=row["name"], type_subtask=row["subtask"])
    if "priority" in data:
        row = (
            known.priority
            if known is not None
            else await fetch_one(conn, sql.SELECT_PRIORITY_BY_NAME, {"name": str(data["priority"])})
        )
        if row is None:
            raise ValidationError(
                "Unknown priority", errors={"priority": f"Priority '{data['priority']}' does not exist"}
            )
        out.update(priority_id=row["id"], priority_name=row["name"])
    users = {f: data[f] for f in ("assignee", "reporter") if data.get(f) is not None}
    if "reporter" in data and data["reporter"] is None:
        raise ValidationError("Reporter is required", errors={"reporter": "is required"})
    resolved = match_users(users, known.users) if known is not None else await resolve_users(conn, users)
    for field, user in resolved.items():
        if not user["active"]:
            raise ValidationError("Inactive user", errors={field: f"User '{user['username']}' is inactive"})
        out.update(
            {
                f"{field}_id": user["id"],
                f"{field}_username": user["username"],
                f"{field}_display_name": user["display_name"],
            }
        )
    if "assignee" in data and data["assignee"] is None:
        out.update(assignee_id=None, assignee_username=None, assignee_display_name=None)
    if "labels" in data:
        out["labels"] = _labels(data["labels"] or [])
    if "due_date" in data:
        value = data["due_date"]
        try:
            out["due_date"] = (
                None if value is None else (value if isinstance(value, date) else date.fromisoformat(str(value)))
            )
        except ValueError:
            raise ValidationError("Invalid due date", errors={"due_date": "must be a date like 2026-12-31"}) from None
    if "story_points" in data:
        value = data["story_points"]
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                raise ValidationError("Invalid story points", errors={"story_points": "must be a number"})
            value = Decimal(str(value))
            if not value.is_finite() or value < 0 or value >= Decimal("100000000"):
                raise ValidationError(
                    "Invalid story points", errors={"story_points": "must be a number between 0 and 99999999.99"}
                )
            # The column is numeric(10,2): round as PostgreSQL does, so history and events show what is stored.
            value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if value >= Decimal("100000000"):
                raise ValidationError(
                    "Invalid story points", errors={"story_points": "must be a number between 0 and 99999999.99"}
                )
        out["story_points"] = value
    if "parent" in data:
        out.update(await _resolve_parent(conn, actor, data["parent"], issue))
    return out


async def _resolve_parent(conn: Conn, actor: Actor, ref: Any, issue: Mapping[str, Any] | None) -> dict[str, Any]:
    if ref is None:
        return {"parent_id": None, "parent_key": None}
    try:
        parent = await access_issue(conn, actor, str(ref))
    except NotFound:
        raise ValidationError("Unknown parent", errors={"parent": f"Issue '{ref}' does not exist"}) from None
    if issue is not None and parent["id"] == issue["id"]:
        raise ValidationError("An issue cannot be its own parent", errors={"parent": "cannot be the issue itself"})
    return {"parent_id": parent["id"], "parent_key": parent["key"]}


async def write_history(
    conn: Conn,
    issue: Mapping[str, Any],
    changes: list[Change],
    *,
    actor: Actor | None,
    change_id: uuid.UUID,
    at: datetime,
    is_create: bool = False,
    new_issue: bool = False,
) -> None:
    """One issue_history row per changed field, all sharing the change id (= the event id).

    `new_issue`: the issue is being created in this pipeline, so its key is read from its row.
    """
    if not changes:
        return
    async with conn.cursor() as cur:
        await cur.executemany(
            sql.INSERT_NEW_ISSUE_HISTORY if new_issue else sql.INSERT_HISTORY,
            [
                {
                    "issue_id": issue["id"],
                    "issue_key": issue["key"],
                    "project_id": issue["project_id"],
                    "change_id": change_id,
                    "actor_id": actor.id if actor else None,
                    "occurred_at": at,
                    "field": c.field,
                    "field_type": c.field_type,
                    "from_value": c.from_,
                    "from_string": c.from_string,
                    "to_value": c.to,
                    "to_string": c.to_string,
                    "is_create": is_create,
                }
                for c in changes
            ],
        )


async def record_change(
    conn: Conn,
    issue: Mapping[str, Any],
    changes: list[Change],
    *,
    event_type: str,
    actor: Actor | None,
    at: datetime,
    is_create: bool = False,
    snapshot: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    new_issue: bool = False,
) -> Event:
    """Write the history rows and the outbox event of one change to an issue.

    `new_issue`: the change creates the issue, whose key is given by the INSERT_ISSUE sent just before; the
    history rows and the event read it from the row (the returned Event still holds the placeholder key).
    """
    event = Event.about_issue(event_type, issue, actor=actor, at=at, changes=changes, issue=snapshot, data=data or {})
    await write_history(
        conn, issue, changes, actor=actor, change_id=event.event_id, at=at, is_create=is_create, new_issue=new_issue
    )
    await record_event(conn, event, sql.INSERT_NEW_ISSUE_OUTBOX if new_issue else INSERT_OUTBOX)
    return event


async def load_issue(conn: Conn, issue_id: int) -> DictRow:
    """Re-read an issue row after a write."""
    row = await fetch_one(conn, sql.SELECT_ISSUE_BY_ID, {"id": issue_id})
    assert row is not None
    return row


async def _custom_values(
    conn: Conn,
    project: Mapping[str, Any],
    issue_type_id: int,
    issue_type_name: str,
    data: Any,
    *,
    current: Mapping[str, Any] | None = None,
    creating: bool = False,
) -> CustomUpdate:
    return await resolve_custom_fields(
        conn,
        project_id=project["id"],
        project_key=project["key"],
        issue_type_id=issue_type_id,
        issue_type_name=issue_type_name,
        current=current or {},
        data=data,
        creating=creating,
    )


@dataclass(frozen=True, slots=True)
class CreateContext:
    """What creating an issue looks up, loaded in one round trip (sql.CREATE_CONTEXT).

    `issue_type`, `priority` and `workflow` are None when the name given matches nothing; `users` holds the
    named users that exist, by user name.
    """

    project: DictRow
    issue_id: int
    issue_type: dict[str, Any] | None
    priority: dict[str, Any] | None
    users: dict[str, dict[str, Any]]
    workflow: dict[str, Any] | None
    fields: list[FieldDefinition]

    @classmethod
    async def load(cls, conn: Conn, actor: Actor, project_key: str, fields: Mapping[str, Any]) -> CreateContext:
        usernames = sorted({str(fields[f]) for f in ("assignee", "reporter") if fields.get(f) is not None})
        row = await fetch_one(
            conn,
            sql.CREATE_CONTEXT,
            {
                "key": project_key,
                "actor_id": actor.id,
                "type": str(fields.get("type")),
                "priority": str(fields.get("priority")),
                "usernames": usernames,
            },
        )
        project = await authorize_project(conn, actor, project_key, row, Permission.CREATE_ISSUES)
        return cls(
            project=project,
            issue_id=project.pop("new_issue_id"),
            issue_type=project.pop("issue_type"),
            priority=project.pop("priority"),
            users={u["username"]: u for u in project.pop("users")},
            workflow=project.pop("workflow"),
            fields=[FieldDefinition.from_row(f) for f in project.pop("fields")],
        )


async def do_create_issue(
    conn: Conn, actor: Actor, project_key: str, data: Mapping[str, Any], *, at: datetime | None = None
) -> DictRow:
    """Create an issue with the next key of its project, its creation history and an issue.created event.

    The lookups take one round trip (CreateContext) and the writes another (one pipeline), plus the agile
    writes when the issue is created in a sprint or with versions or components.
    """
    fields = dict(data)
    agile = agile_hooks.split_create_fields(fields)
    fields.setdefault("priority", "Medium")
    fields.setdefault("reporter", actor.username)
    ctx = await CreateContext.load(conn, actor, project_key, fields)
    project = ctx.project
    if not fields.get("summary"):
        raise ValidationError("Summary is required", errors={"summary": "is required"})
    if not fields.get("type"):
        raise ValidationError("Issue type is required", errors={"type": "is required"})
    values = await resolve_fields(conn, actor, project, fields, known=ctx)
    if values.get("assignee_id") is not None:
        await require_project_permission(conn, actor, project, Permission.ASSIGN_ISSUES)
        await require_assignable(conn, project, values)
    await agile_hooks.before_create(conn, actor, project, values, agile, issue_type=ctx.issue_type)
    custom = await resolve_custom_fields(
        conn,
        project_id=project["id"],
        project_key=project["key"],
        issue_type_id=values["issue_type_id"],
        issue_type_name=values["type_name"],
        current={},
        data=fields.get("custom_fields"),
        creating=True,
        applicable=ctx.fields,
    )
    when = at or now()
    row = new_issue_row(ctx, values, custom.values, when)
    params = row | {"custom_fields": Jsonb(custom.values), "now": when}  # INSERT_ISSUE reads what it names
    async with conn.pipeline():
        inserted = await conn.execute(sql.INSERT_ISSUE, params)
        await record_change(
            conn,
            row,
            diff({}, row) + custom.changes + await agile_hooks.after_insert(conn, actor, row, agile),
            event_type="issue.created",
            actor=actor,
            at=when,
            is_create=True,
            snapshot=issue_view(row),
            new_issue=True,
        )
    result = await inserted.fetchone()
    assert result is not None
    row.update(result)
    return row


def new_issue_row(ctx: CreateContext, values: Mapping[str, Any], custom: dict[str, Any], when: datetime) -> DictRow:
    """The row SELECT_ISSUE_BY_ID will read for a new issue, built from what the create resolved (no re-read).

    Its key, number and rank (a column default) are filled in from what the insert returns.
    """
    project, workflow = ctx.project, ctx.workflow
    assert workflow is not None
    return {
        "id": ctx.issue_id,
        "project_id": project["id"],
        "number": None,
        "key": f"pending-{ctx.issue_id}",  # until the insert returns the key (the event reads it from the row)
        "issue_type_id": values["issue_type_id"],
        "priority_id": values["priority_id"],
        "status_id": workflow["status_id"],
        "resolution_id": None,
        "summary": values["summary"],
        "description": values.get("description"),
        "assignee_id": values.get("assignee_id"),
        "reporter_id": values["reporter_id"],
        "labels": values.get("labels", []),
        "due_date": values.get("due_date"),
        "story_points": values.get("story_points"),
        "parent_id": values.get("parent_id"),
        "custom_fields": custom,
        "created_at": when,
        "updated_at": when,
        "resolved_at": None,
        "version": 1,
        "rank": None,
        "project_key": project["key"],
        "project_name": project["name"],
        "project_lead_id": project["lead_id"],
        "workflow_id": workflow["id"],
        "workflow_revision": workflow["revision"],
        "lead_username": project["lead_username"],
        "type_name": values["type_name"],
        "type_subtask": values["type_subtask"],
        "priority_name": values["priority_name"],
        "status_name": workflow["status_name"],
        "status_category": workflow["status_category"],
        "resolution_name": None,
        "assignee_username": values.get("assignee_username"),
        "assignee_display_name": values.get("assignee_display_name"),
        "reporter_username": values["reporter_username"],
        "reporter_display_name": values["reporter_display_name"],
        "parent_key": values.get("parent_key"),
    }


SELECT_STATUS_IN_WORKFLOW = (
    "SELECT EXISTS (SELECT 1 FROM workflow_statuses WHERE workflow_id = %(workflow_id)s AND status_id = %(status_id)s)"
)


async def _check_type_change(conn: Conn, issue: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """An issue may change type only when its status exists in the workflow of the new type."""
    new_type = values.get("issue_type_id")
    if new_type is None or new_type == issue["issue_type_id"]:
        return
    workflow = await fetch_one(
        conn, workflow_sql.SELECT_WORKFLOW_FOR, {"project_id": issue["project_id"], "issue_type_id": new_type}
    )
    assert workflow is not None
    if workflow["id"] != issue["workflow_id"] and not await fetch_val(
        conn, SELECT_STATUS_IN_WORKFLOW, {"workflow_id": workflow["id"], "status_id": issue["status_id"]}
    ):
        raise ValidationError(
            "The new issue type follows another workflow",
            errors={
                "type": f"{values['type_name']} issues follow a workflow without the status "
                f"'{issue['status_name']}': move the issue to a shared status first"
            },
        )


async def do_update_issue(
    conn: Conn,
    actor: Actor,
    ref: str | int,
    data: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    event_type: str = "issue.updated",
) -> DictRow:
    """Change fields of an issue; records one history row per changed field. A no-op writes nothing."""
    if "status" in data:
        raise ValidationError(
            "Status changes go through transitions", errors={"status": "use POST /issues/{key}/transitions"}
        )
    issue = await access_issue(conn, actor, ref, Permission.EDIT_ISSUES, for_update=True)
    check_version(issue, expected_version)
    project = {"id": issue["project_id"], "key": issue["project_key"]}
    values = await resolve_fields(conn, actor, project, data, issue)
    await agile_hooks.before_update(conn, issue, values)
    if "assignee_id" in values and values["assignee_id"] != issue["assignee_id"]:
        await require_issue_permission(conn, actor, issue, Permission.ASSIGN_ISSUES)
        await require_assignable(conn, project, values)
    await _check_type_change(conn, issue, values)
    extra: list[Change] = []
    if "custom_fields" in data:
        custom = await _custom_values(
            conn,
            project,
            values.get("issue_type_id") or issue["issue_type_id"],
            values.get("type_name") or issue["type_name"],
            data["custom_fields"],
            current=issue["custom_fields"],
        )
        values["custom_fields"] = custom.values
        extra = custom.changes
    return await apply_changes(conn, actor, issue, values, event_type=event_type, extra_changes=extra)


async def apply_changes(
    conn: Conn,
    actor: Actor | None,
    issue: DictRow,
    values: Mapping[str, Any],
    *,
    event_type: str,
    at: datetime | None = None,
    extra_changes: list[Change] | None = None,
    data: dict[str, Any] | None = None,
) -> DictRow:
    """Write resolved column values to a locked issue, bump its version, record history and the event.

    `values` may hold `custom_fields` (the whole new document); its history rows come in `extra_changes`.
    """
    changes = diff(issue, values) + (extra_changes or [])
    if not changes:
        return issue
    columns = [c for c in values if c in _COLUMNS and values[c] != issue[c]]
    when = at or now()
    assignments = ", ".join(f"{c} = %({c})s" for c in columns)
    params = {c: (Jsonb(values[c]) if c == "custom_fields" else values[c]) for c in columns}
    params |= {"id": issue["id"], "now": when}
    await conn.execute(
        f"UPDATE issues SET {assignments}{', ' if assignments else ''}"  # columns come from _COLUMNS only
        "version = version + 1, updated_at = %(now)s WHERE id = %(id)s",
        params,
    )
    row = await load_issue(conn, issue["id"])
    await record_change(
        conn, row, changes, event_type=event_type, actor=actor, at=when, snapshot=issue_view(row), data=data
    )
    return row


_COLUMNS = {
    "summary",
    "description",
    "issue_type_id",
    "priority_id",
    "status_id",
    "resolution_id",
    "assignee_id",
    "reporter_id",
    "labels",
    "due_date",
    "story_points",
    "parent_id",
    "resolved_at",
    "custom_fields",
}


async def do_assign_issue(
    conn: Conn, actor: Actor, ref: str, assignee: str | None, *, expected_version: int | None = None
) -> DictRow:
    """Assign an issue to a user, or unassign it with None."""
    issue = await access_issue(conn, actor, ref, Permission.ASSIGN_ISSUES, for_update=True)
    check_version(issue, expected_version)
    project = {"id": issue["project_id"], "key": issue["project_key"]}
    values = await resolve_fields(conn, actor, project, {"assignee": assignee}, issue)
    if values.get("assignee_id") != issue["assignee_id"]:
        await require_assignable(conn, project, values)
    return await apply_changes(conn, actor, issue, values, event_type="issue.assigned")


async def do_delete_issue(
    conn: Conn, actor: Actor, ref: str, *, delete_subtasks: bool = False, expected_version: int | None = None
) -> None:
    """Delete an issue (and, when asked, its sub-issues); the history stays, ending in a 'deleted' row."""
    issue = await access_issue(conn, actor, ref, Permission.DELETE_ISSUES, for_update=True)
    check_version(issue, expected_version)
    children = await fetch_all(conn, sql.SELECT_CHILD_IDS, {"id": issue["id"]})
    if children and not delete_subtasks:
        raise ValidationError(
            f"Issue {issue['key']} has {len(children)} child issue(s); pass deleteSubtasks=true to delete them too",
            errors={"deleteSubtasks": "required when the issue has child issues"},
        )
    when = now()
    for child in children:
        await do_delete_issue(conn, actor, child["key"], delete_subtasks=True)
    await conn.execute(sql.DELETE_ISSUE, {"ids": [issue["id"]]})
    await record_change(
        conn,
        issue,
        [Change.of("deleted", None, "true", after_string=issue["key"])],
        event_type="issue.deleted",
        actor=actor,
        at=when,
        snapshot=issue_view(issue),
    )


async def issue_history(
    conn: Conn, actor: Actor, ref: str, *, start_at: int = 0, max_results: int = 100, include_create: bool = True
) -> tuple[int, list[dict[str, Any]]]:
    """The change history of an issue the actor may browse, oldest first, one entry per change."""
    issue = await access_issue(conn, actor, ref)
    params = {"issue_id": issue["id"], "include_create": include_create, "limit": max_results, "offset": start_at}
    total = await fetch_val(conn, sql.COUNT_HISTORY, params)
    return total, [
        {
            "id": str(r["change_id"]),
            "created": r["occurred_at"].isoformat(),
            "is_create": r["is_create"],
            "author": None
            if r["actor_username"] is None
            else {"username": r["actor_username"], "display_name": r["actor_display_name"]},
            "items": r["items"],
        }
        for r in await fetch_all(conn, sql.SELECT_HISTORY, params)
    ]
