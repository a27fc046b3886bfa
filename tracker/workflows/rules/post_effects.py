"""Post-functions with effects beyond the issue's fields: a comment, an extra event."""

from __future__ import annotations

from pydantic import Field, field_validator

from tracker.workflows.rules.base import PostFunction, TransitionContext, register

CORE_EVENTS = {"issue.created", "issue.updated", "issue.deleted", "issue.transitioned", "issue.assigned"}


@register
class AddComment(PostFunction):
    """Add a comment, written by whoever runs the transition."""

    kind = "add_comment"
    body: str = Field(min_length=1, max_length=32767)

    async def apply(self, ctx: TransitionContext) -> None:
        ctx.comments.append(self.body)


@register
class FireEvent(PostFunction):
    """Publish an extra event (e.g. `issue.resolved`) after the transition's own `issue.transitioned`."""

    kind = "fire_event"
    event: str = Field(pattern=r"^issue\.[a-z][a-z0-9_]{0,62}$")

    @field_validator("event")
    @classmethod
    def _not_core(cls, value: str) -> str:
        if value in CORE_EVENTS:
            raise ValueError(f"'{value}' is sent by tracklake itself; choose another name such as issue.resolved")
        return value

    async def apply(self, ctx: TransitionContext) -> None:
        ctx.events.append(self.event)
