"""Post-functions that assign the issue."""

from __future__ import annotations

from tracker.permissions import Permission, user_may
from tracker.workflows import fieldref
from tracker.workflows.rules.base import PostFunction, TransitionContext, register


async def _assign(ctx: TransitionContext, user_id: int, username: str) -> None:
    # As in Jira, a user who may not be assigned issues in the project is skipped, not an error.
    if await user_may(ctx.conn, user_id, ctx.issue["project_id"], Permission.ASSIGNABLE_USER):
        await fieldref.set_values(ctx, {"assignee": username})


@register
class AssignToCurrentUser(PostFunction):
    """Assign the issue to whoever runs the transition (when they may be assigned issues)."""

    kind = "assign_to_current_user"

    async def apply(self, ctx: TransitionContext) -> None:
        await _assign(ctx, ctx.actor.id, ctx.actor.username)


@register
class AssignToReporter(PostFunction):
    """Assign the issue to its reporter (when they may be assigned issues)."""

    kind = "assign_to_reporter"

    async def apply(self, ctx: TransitionContext) -> None:
        state = ctx.after()
        await _assign(ctx, state["reporter_id"], state["reporter_username"])
