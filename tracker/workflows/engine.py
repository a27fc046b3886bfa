"""Running transitions: conditions → screen input → validators → status change → post-functions → one write
(history + outbox event), all inside the caller's transaction. Anything that fails raises before the write,
so a refused transition writes nothing; the issue row lock taken first makes concurrent transitions queue,
and the second one then sees the new status."""

from __future__ import annotations

from typing import Any

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.db import Conn
from tracker.errors import Forbidden, TransitionNotAllowed, ValidationError
from tracker.events import Event, record_event
from tracker.fields.models import parse_field_ref
from tracker.fields.values import load_fields
from tracker.issues.actions import (
    access_issue,
    apply_changes,
    check_version,
    load_issue,
    now,
    require_assignable,
)
from tracker.permissions import Permission, ProjectGrants, grants_of
from tracker.workflows import fieldref
from tracker.workflows.definitions import load_workflow
from tracker.workflows.models import DONE, ScreenField, Transition, Workflow
from tracker.workflows.rules.base import Facts, TransitionContext

DONE_RESOLUTION = "10000"  # "Done", the resolution set on entering a done status when none is chosen


def effective_screen(transition: Transition, workflow: Workflow) -> list[ScreenField]:
    """The transition's screen, plus an optional resolution when it enters a done status automatically."""
    screen = list(transition.screen)
    target = workflow.status(transition.to_status_id)
    if (
        target is not None
        and target.category == DONE
        and transition.auto_resolution
        and not any(s.field == "resolution" for s in screen)
    ):
        screen.append(ScreenField("resolution", False))
    return screen


def needed_permissions(transition: Transition, workflow: Workflow, from_status_id: int) -> list[Permission]:
    """Permissions a transition needs beyond TRANSITION_ISSUES: closing (entering done) and resolving."""
    target, source = workflow.status(transition.to_status_id), workflow.status(from_status_id)
    entering_done = target is not None and target.category == DONE and (source is None or source.category != DONE)
    needs = []
    if entering_done:
        needs.append(Permission.CLOSE_ISSUES)
    if (entering_done and transition.auto_resolution) or any(
        p.kind == "set_resolution" for p in transition.post_functions
    ):
        needs.append(Permission.RESOLVE_ISSUES)
    return needs


def _context(
    conn: Conn, actor: Actor, issue: DictRow, workflow: Workflow, transition: Transition, facts: Facts
) -> TransitionContext:
    grants = grants_of(issue)
    assert isinstance(grants, ProjectGrants)
    return TransitionContext(conn, actor, issue, grants, workflow, transition, facts)


async def _failing_condition(ctx: TransitionContext) -> tuple[int, str, str] | None:
    for n, condition in enumerate(ctx.transition.conditions):
        reason = await condition.check(ctx)
        if reason is not None:
            return n, condition.kind, reason
    return None


async def _runnable(conn: Conn, actor: Actor, issue: DictRow) -> tuple[Workflow, list[Transition]]:
    grants = grants_of(issue)
    assert grants is not None
    workflow = await load_workflow(conn, issue["workflow_id"], issue["workflow_revision"])
    if not grants.allows(Permission.TRANSITION_ISSUES, issue):
        return workflow, []
    facts = Facts(conn, actor, issue)
    out = []
    for t in workflow.transitions_from(issue["status_id"]):
        if not all(grants.allows(p, issue) for p in needed_permissions(t, workflow, issue["status_id"])):
            continue
        if await _failing_condition(_context(conn, actor, issue, workflow, t, facts)) is None:
            out.append(t)
    return workflow, out


async def available_transitions(conn: Conn, actor: Actor, ref: str) -> list[dict[str, Any]]:
    """Transitions the actor may run on the issue now, with the fields each one's screen takes."""
    issue = await access_issue(conn, actor, ref)
    workflow, runnable = await _runnable(conn, actor, issue)
    screens = {t.id: effective_screen(t, workflow) for t in runnable}
    custom_ids = [fid for s in screens.values() for f in s if (fid := parse_field_ref(f.field)) is not None]
    definitions = await load_fields(conn, custom_ids) if custom_ids else {}
    views = []
    for t in runnable:
        fields = []
        for f in screens[t.id]:
            fid = parse_field_ref(f.field)
            if fid is not None:
                definition = definitions.get(fid)
                if definition is None:
                    continue  # a deleted field leaves the screen
                name, schema = definition.name, {"type": definition.type, "custom": True}
            else:
                name, schema = fieldref.SYSTEM_FIELDS[f.field].label, {"type": f.field, "custom": False}
            fields.append({"field": f.field, "name": name, "required": f.required, "schema": schema})
        target = workflow.status(t.to_status_id)
        views.append(
            {
                "id": str(t.id),
                "name": t.name,
                "to": target.view() if target else {"id": t.to_status_id},
                "hasScreen": bool(fields),
                "fields": fields,
            }
        )
    return views


def _choose(options: list[Transition], ref: str | int) -> Transition | None:
    text = str(ref).strip()
    if text.isdigit():
        found = next((t for t in options if t.id == int(text)), None)
        if found is not None:
            return found
    return next((t for t in options if t.name.lower() == text.lower()), None)


async def do_transition(
    conn: Conn,
    actor: Actor,
    ref: str,
    transition: str | int,
    *,
    fields: dict[str, Any] | None = None,
    resolution: str | None = None,
    comment: str | None = None,
    expected_version: int | None = None,
) -> DictRow:
    """Run a transition (by id or name) with screen `fields` and an optional comment."""
    issue = await access_issue(conn, actor, ref, Permission.TRANSITION_ISSUES, for_update=True)
    check_version(issue, expected_version)
    grants = grants_of(issue)
    assert grants is not None
    workflow = await load_workflow(conn, issue["workflow_id"], issue["workflow_revision"])
    options = workflow.transitions_from(issue["status_id"])
    chosen = _choose(options, transition)
    if chosen is None:
        _, runnable = await _runnable(conn, actor, issue)
        names = ", ".join(f"'{t.name}'" for t in runnable) or "none"
        raise TransitionNotAllowed(
            f"Transition '{transition}' is not available for {issue['key']} in status "
            f"'{issue['status_name']}' (available: {names})",
            errors={"transition": "not available from the current status"},
        )
    for permission in needed_permissions(chosen, workflow, issue["status_id"]):
        if not grants.allows(permission, issue):
            raise Forbidden(
                f"Transition '{chosen.name}' needs the permission {permission.value}", permission=permission.value
            )
    if comment and not grants.allows(Permission.ADD_COMMENTS, issue):
        raise Forbidden(f"You do not have the permission ADD_COMMENTS on {issue['key']}", permission="ADD_COMMENTS")
    ctx = _context(conn, actor, issue, workflow, chosen, Facts(conn, actor, issue))

    failed = await _failing_condition(ctx)
    if failed is not None:
        n, kind, reason = failed
        raise TransitionNotAllowed(
            f"Transition '{chosen.name}' is not available: {reason}",
            errors={f"conditions[{n}]": f"{kind}: {reason}"},
            failed={"family": "condition", "type": kind, "message": reason},
        )

    await _apply_screen(ctx, fields, resolution)

    errors: dict[str, str] = {}
    failures = []
    for validator in chosen.validators:
        for field, message in (await validator.verify(ctx)).items():
            errors.setdefault(field, message)
            failures.append({"family": "validator", "type": validator.kind, "field": field, "message": message})
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors, failed=failures)

    target = workflow.status(chosen.to_status_id)
    assert target is not None
    ctx.values.update(status_id=target.id, status_name=target.name, status_category=target.category)
    leaving_done, entering_done = issue["status_category"] == DONE, target.category == DONE
    if chosen.auto_resolution:
        if entering_done and not leaving_done and ctx.values.get("resolution_id") is None:
            ctx.values.update(await fieldref.resolve_resolution(conn, DONE_RESOLUTION))
        elif leaving_done and not entering_done and "resolution_id" not in ctx.values:
            ctx.values.update(resolution_id=None, resolution_name=None)

    for post_function in chosen.post_functions:
        await post_function.apply(ctx)

    before, after = issue["resolution_id"], ctx.values.get("resolution_id", issue["resolution_id"])
    if after is not None and after != before and not grants.allows(Permission.RESOLVE_ISSUES, issue):
        raise Forbidden(f"Transition '{chosen.name}' sets a resolution, which needs RESOLVE_ISSUES")
    if "assignee_id" in ctx.values and ctx.values["assignee_id"] != issue["assignee_id"]:
        await require_assignable(conn, issue, ctx.values)
    when = now()
    if before is None and after is not None:
        ctx.values["resolved_at"] = when
    elif after is None and before is not None:
        ctx.values["resolved_at"] = None
    if ctx.custom is not None:
        ctx.values["custom_fields"] = ctx.custom
    info = {"id": str(chosen.id), "name": chosen.name}
    row = await apply_changes(
        conn,
        actor,
        issue,
        ctx.values,
        event_type="issue.transitioned",
        at=when,
        extra_changes=ctx.custom_changes,
        data={
            "transition": info,
            "workflow": {"id": workflow.id, "version": workflow.version},
            "from_status": {"id": issue["status_id"], "name": issue["status_name"]},
            "to_status": target.view(),
        },
    )
    return await _effects(conn, actor, row, ctx, comment, info)


async def _apply_screen(ctx: TransitionContext, fields: dict[str, Any] | None, resolution: str | None) -> None:
    """Check the screen input (only screen fields; required ones filled) and stage its values."""
    data = dict(fields or {})
    if resolution is not None:
        if data.get("resolution") not in (None, resolution):
            raise ValidationError("Two resolutions given", errors={"resolution": "give it once, in fields"})
        data["resolution"] = resolution
    screen = {s.field: s for s in effective_screen(ctx.transition, ctx.workflow)}
    errors: dict[str, str] = {}
    for name in data:
        if name in screen:
            continue
        if name == "resolution":
            errors["resolution"] = "A resolution can only be set when entering a done status"
        else:
            errors[f"fields.{name}"] = f"'{name}' is not on the screen of transition '{ctx.transition.name}'"
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    if "assignee" in data and not ctx.grants.allows(Permission.ASSIGN_ISSUES, ctx.issue):
        raise Forbidden(
            f"You do not have the permission ASSIGN_ISSUES on {ctx.issue['key']}", permission="ASSIGN_ISSUES"
        )
    if data:
        await fieldref.set_values(ctx, data, path="fields.")
    state = ctx.after()
    for s in screen.values():
        if fieldref.is_custom(s.field) and await fieldref.custom_definition(ctx, s.field) is None:
            continue  # a deleted field leaves the screen
        if s.required and await fieldref.stored(ctx, s.field, state) is None:
            errors[s.field] = f"{await fieldref.label(ctx, s.field)} is required"
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)


async def _effects(
    conn: Conn, actor: Actor, row: DictRow, ctx: TransitionContext, comment: str | None, info: dict[str, Any]
) -> DictRow:
    """After the change: the request's comment, post-function comments, then extra events."""
    from tracker.issues.comments import add_comment_to

    for body in ([comment] if comment else []) + ctx.comments:
        await add_comment_to(conn, actor, row, body)
        row = await load_issue(conn, row["id"])
    for event_type in ctx.events:
        data = {"transition": info, "fired_by": "workflow"}
        await record_event(conn, Event.about_issue(event_type, row, actor=actor, at=now(), data=data))
    return row
