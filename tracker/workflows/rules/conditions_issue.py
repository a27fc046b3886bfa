"""Conditions about the issue."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tracker.workflows import fieldref
from tracker.workflows.rules.base import Condition, TransitionContext, register


@register
class FieldEquals(Condition):
    """A field holds a value (compared with ids and names, ignoring case); null means "is empty". For a
    multi-valued field, the value must be one of its values."""

    kind = "field_equals"
    field: str = Field(min_length=1)
    value: str | int | float | bool | None

    async def check(self, ctx: TransitionContext) -> str | None:
        found = await fieldref.tokens(ctx, self.field, ctx.issue)
        name = await fieldref.label(ctx, self.field)
        if self.value is None:
            return None if not found else f"{name} must be empty"
        if _text(self.value) in found:
            return None
        return f"{name} must be '{self.value}'"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).lower()


@register
class SubtasksDone(Condition):
    """Every sub-issue is in a done status."""

    kind = "subtasks_done"

    async def check(self, ctx: TransitionContext) -> str | None:
        open_ = [c["key"] for c in await ctx.facts.children() if c["status_category"] != "done"]
        if not open_:
            return None
        return f"its sub-tasks must be done first ({', '.join(open_[:10])} still open)"
