"""Post-functions that set or clear a field."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from tracker.workflows import fieldref
from tracker.workflows.rules.base import PostFunction, TransitionContext, register


@register
class SetField(PostFunction):
    """Set a field to a value (as the API would accept it: names, ids, user names, lists)."""

    kind = "set_field"
    field: str = Field(min_length=1)
    value: Any

    async def apply(self, ctx: TransitionContext) -> None:
        await fieldref.set_values(ctx, {self.field: self.value}, path=f"post_functions.{self.kind}.")


@register
class ClearField(PostFunction):
    """Empty a field."""

    kind = "clear_field"
    field: str = Field(min_length=1)

    @field_validator("field")
    @classmethod
    def _clearable(cls, value: str) -> str:
        if value == "summary":
            raise ValueError("the summary cannot be cleared")
        return value

    async def apply(self, ctx: TransitionContext) -> None:
        await fieldref.set_values(ctx, {self.field: None}, path=f"post_functions.{self.kind}.")
