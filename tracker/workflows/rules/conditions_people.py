"""Conditions about who runs the transition."""

from __future__ import annotations

from pydantic import Field

from tracker.permissions import Permission
from tracker.workflows.rules.base import Condition, TransitionContext, register


@register
class UserInRole(Condition):
    """The actor is a member (directly or through a group) of a project role in the issue's project."""

    kind = "user_in_role"
    role: str | int = Field(description="role name or id")

    async def check(self, ctx: TransitionContext) -> str | None:
        if str(self.role).lower() in await ctx.facts.roles():
            return None
        return f"only members of the project role '{self.role}' may run it"


@register
class UserInGroup(Condition):
    """The actor belongs to a group."""

    kind = "user_in_group"
    group: str = Field(min_length=1)

    async def check(self, ctx: TransitionContext) -> str | None:
        if self.group.lower() in await ctx.facts.groups():
            return None
        return f"only members of the group '{self.group}' may run it"


@register
class HasPermission(Condition):
    """The actor holds a project permission (on this issue, for reporter/assignee grants)."""

    kind = "has_permission"
    permission: Permission

    async def check(self, ctx: TransitionContext) -> str | None:
        if ctx.grants.allows(self.permission, ctx.issue):
            return None
        return f"it needs the permission {self.permission.value}"


@register
class IsAssignee(Condition):
    """The actor is the issue's assignee."""

    kind = "is_assignee"

    async def check(self, ctx: TransitionContext) -> str | None:
        if ctx.issue.get("assignee_id") == ctx.actor.id:
            return None
        return "only the assignee may run it"


@register
class IsReporter(Condition):
    """The actor is the issue's reporter."""

    kind = "is_reporter"

    async def check(self, ctx: TransitionContext) -> str | None:
        if ctx.issue.get("reporter_id") == ctx.actor.id:
            return None
        return "only the reporter may run it"
