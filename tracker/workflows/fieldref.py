"""Reading and setting issue fields by name, for rules and transition screens: system fields by their API
name (`priority`, `assignee`, ...) and custom fields by id (`customfield_10001`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.db import Conn, fetch_all
from tracker.errors import ValidationError
from tracker.fields.models import FieldDefinition, parse_field_ref
from tracker.fields.values import load_fields, resolve_custom_fields
from tracker.issues.models import format_number
from tracker.workflows.rules.base import TransitionContext


@dataclass(frozen=True, slots=True)
class SystemField:
    column: str
    label: str
    display: tuple[str, ...] = ()  # columns holding display names of the value
    settable: bool = True  # by set_field / clear_field and on transition screens


SYSTEM_FIELDS: dict[str, SystemField] = {
    "summary": SystemField("summary", "Summary"),
    "description": SystemField("description", "Description"),
    "assignee": SystemField("assignee_id", "Assignee", ("assignee_username", "assignee_display_name")),
    "reporter": SystemField("reporter_id", "Reporter", ("reporter_username", "reporter_display_name"), False),
    "priority": SystemField("priority_id", "Priority", ("priority_name",)),
    "type": SystemField("issue_type_id", "Issue type", ("type_name",), False),
    "status": SystemField("status_id", "Status", ("status_name",), False),
    "resolution": SystemField("resolution_id", "Resolution", ("resolution_name",)),
    "labels": SystemField("labels", "Labels"),
    "due_date": SystemField("due_date", "Due date"),
    "story_points": SystemField("story_points", "Story Points"),
    "parent": SystemField("parent_id", "Parent", ("parent_key",), False),
}


# System fields a transition screen may show.
SCREEN_FIELDS = ("resolution", "assignee", "summary", "description", "priority", "labels", "due_date", "story_points")


def is_custom(name: str) -> bool:
    return name.startswith("customfield_") and parse_field_ref(name) is not None


async def check_field_names(
    conn: Conn, names: list[tuple[str, str]], *, settable: bool = False, screen: bool = False
) -> dict[str, str]:
    """Errors (by definition path) for names that are neither a system field nor a live custom field."""
    errors: dict[str, str] = {}
    custom_ids = [fid for _, n in names if is_custom(n) and (fid := parse_field_ref(n)) is not None]
    live = await load_fields(conn, custom_ids) if custom_ids else {}
    for path, name in names:
        if is_custom(name):
            if parse_field_ref(name) not in live:
                errors[path] = f"custom field '{name}' does not exist"
        elif name not in SYSTEM_FIELDS:
            errors[path] = f"unknown field '{name}' (one of: {', '.join(SYSTEM_FIELDS)} or customfield_N)"
        elif settable and not SYSTEM_FIELDS[name].settable:
            errors[path] = f"the field '{name}' cannot be set by a workflow"
        elif screen and name not in SCREEN_FIELDS:
            errors[path] = f"the field '{name}' cannot be on a screen (one of: {', '.join(SCREEN_FIELDS)})"
    return errors


async def custom_definition(ctx: TransitionContext, name: str) -> FieldDefinition | None:
    """A custom field's definition (cached for the request)."""
    cache: dict[int, FieldDefinition] = ctx.facts.cache.setdefault("custom_fields", {})
    fid = parse_field_ref(name)
    if fid is None:
        return None
    if fid not in cache:
        cache.update(await load_fields(ctx.conn, [fid]))
    return cache.get(fid)


async def label(ctx: TransitionContext, name: str) -> str:
    """How a field is called in messages."""
    if name in SYSTEM_FIELDS:
        return SYSTEM_FIELDS[name].label
    definition = await custom_definition(ctx, name)
    return definition.name if definition else name


async def stored(ctx: TransitionContext, name: str, state: Mapping[str, Any]) -> Any:
    """The stored value of a field in an issue state (None when empty)."""
    if name in SYSTEM_FIELDS:
        value = state.get(SYSTEM_FIELDS[name].column)
    else:
        value = (state.get("custom_fields") or {}).get(name)
    return None if value in ("", [], None) else value


async def tokens(ctx: TransitionContext, name: str, state: Mapping[str, Any]) -> list[str]:
    """Ids and display names of a field's value(s), lower-cased, for comparing with configured text."""
    value = await stored(ctx, name, state)
    if value is None:
        return []
    out: list[str] = []
    if name in SYSTEM_FIELDS:
        spec = SYSTEM_FIELDS[name]
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, date):
                out.append(item.isoformat())
            elif name == "story_points":
                out.append(format_number(item) or "")
            else:
                out.append(str(item))
        out += [str(state[c]) for c in spec.display if state.get(c) is not None]
    else:
        definition = await custom_definition(ctx, name)
        out = definition.kind.tokens(value, definition) if definition else [str(value)]
    return [t.lower() for t in out]


async def set_values(ctx: TransitionContext, data: Mapping[str, Any], *, path: str = "") -> None:
    """Resolve and stage new values (system and custom) into the context; errors name the field."""
    from tracker.issues.actions import resolve_fields

    system = {k: v for k, v in data.items() if not is_custom(k)}
    custom = {k: v for k, v in data.items() if is_custom(k)}
    if "resolution" in system:
        ctx.values.update(await resolve_resolution(ctx.conn, system.pop("resolution")))
    if system:
        project = {"id": ctx.issue["project_id"], "key": ctx.issue["project_key"]}
        ctx.values.update(await resolve_fields(ctx.conn, ctx.actor, project, system, ctx.issue))
    if custom:
        state = ctx.after()
        update = await resolve_custom_fields(
            ctx.conn,
            project_id=ctx.issue["project_id"],
            project_key=ctx.issue["project_key"],
            issue_type_id=ctx.issue["issue_type_id"],
            issue_type_name=ctx.issue["type_name"],
            current=ctx.issue["custom_fields"] or {},
            data={**_pending_custom(ctx, state), **custom},
            error_prefix=path,
        )
        ctx.custom = update.values
        ctx.custom_changes = update.changes


def _pending_custom(ctx: TransitionContext, state: Mapping[str, Any]) -> dict[str, Any]:
    """Custom values staged earlier in this transition, in API form (their stored form parses back)."""
    if ctx.custom is None:
        return {}
    before = ctx.issue["custom_fields"] or {}
    changed = {k: v for k, v in ctx.custom.items() if before.get(k) != v}
    removed = {k: None for k in before if k not in ctx.custom}
    # Stored values are valid input for every type (ids for options, users and versions).
    return changed | removed


SELECT_RESOLUTION = "SELECT id, name FROM resolutions WHERE lower(name) = lower(%(name)s) OR id::text = %(name)s"


async def resolve_resolution(conn: Conn, value: Any) -> dict[str, Any]:
    """Column values for a resolution given by name or id (None clears it)."""
    if value is None:
        return {"resolution_id": None, "resolution_name": None}
    rows = await fetch_all(conn, SELECT_RESOLUTION, {"name": str(value)})
    if not rows or isinstance(value, bool | list | dict):
        names = ", ".join(r["name"] for r in await fetch_all(conn, "SELECT name FROM resolutions ORDER BY id"))
        raise ValidationError(
            "Unknown resolution", errors={"resolution": f"'{str(value)[:60]}' does not exist (one of: {names})"}
        )
    return {"resolution_id": rows[0]["id"], "resolution_name": rows[0]["name"]}
