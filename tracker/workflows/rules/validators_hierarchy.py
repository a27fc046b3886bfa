"""Validators about the issue's parent and sub-issues."""

from __future__ import annotations

from pydantic import Field

from tracker.workflows.rules.base import TransitionContext, Validator, register


@register
class ParentInStatus(Validator):
    """The parent must be in one of the statuses (names or ids). Issues without a parent pass."""

    kind = "parent_in_status"
    statuses: list[str | int] = Field(min_length=1, max_length=100)

    async def verify(self, ctx: TransitionContext) -> dict[str, str]:
        parent = await ctx.facts.parent()
        if parent is None:
            return {}
        wanted = {str(s).lower() for s in self.statuses}
        if str(parent["status_id"]) in wanted or parent["status_name"].lower() in wanted:
            return {}
        allowed = ", ".join(f"'{s}'" for s in self.statuses)
        return {"parent": f"The parent {parent['key']} must be in status {allowed} (it is '{parent['status_name']}')"}


@register
class NoOpenSubtasks(Validator):
    """Every sub-issue must be in a done status."""

    kind = "no_open_subtasks"

    async def verify(self, ctx: TransitionContext) -> dict[str, str]:
        open_ = [c["key"] for c in await ctx.facts.children() if c["status_category"] != "done"]
        if not open_:
            return {}
        return {"subtasks": f"Finish the open sub-tasks first: {', '.join(open_[:10])}"}
