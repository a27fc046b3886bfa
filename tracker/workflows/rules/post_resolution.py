"""Post-functions for the resolution. Without them, entering a done status sets the resolution (the one
entered on the screen, else Done) and leaving one clears it, unless the transition's auto_resolution is off."""

from __future__ import annotations

from pydantic import Field

from tracker.workflows import fieldref
from tracker.workflows.rules.base import PostFunction, TransitionContext, register


@register
class SetResolution(PostFunction):
    """Set a given resolution (name or id)."""

    kind = "set_resolution"
    resolution: str | int = Field(description="resolution name or id")

    async def apply(self, ctx: TransitionContext) -> None:
        ctx.values.update(await fieldref.resolve_resolution(ctx.conn, self.resolution))


@register
class ClearResolution(PostFunction):
    """Clear the resolution."""

    kind = "clear_resolution"

    async def apply(self, ctx: TransitionContext) -> None:
        ctx.values.update(resolution_id=None, resolution_name=None)
