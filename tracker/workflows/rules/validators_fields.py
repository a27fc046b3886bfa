"""Validators about field values, checked on the issue as the transition would leave it."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pydantic import Field, field_validator, model_validator

from tracker.workflows import fieldref
from tracker.workflows.rules.base import TransitionContext, Validator, register


@register
class FieldRequired(Validator):
    """A field must have a value (entered on the transition screen or already set)."""

    kind = "field_required"
    field: str = Field(min_length=1)
    message: str | None = Field(default=None, max_length=500)

    async def verify(self, ctx: TransitionContext) -> dict[str, str]:
        if await fieldref.stored(ctx, self.field, ctx.after()) is not None:
            return {}
        return {self.field: self.message or f"{await fieldref.label(ctx, self.field)} is required"}


@register
class FieldMatches(Validator):
    """A field's value must match a regular expression and/or lie within a number range. An empty field
    passes (combine with field_required to demand a value)."""

    kind = "field_matches"
    field: str = Field(min_length=1)
    regex: str | None = Field(default=None, max_length=1000)
    min: float | None = None
    max: float | None = None
    message: str | None = Field(default=None, max_length=500)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _something_to_check(self) -> FieldMatches:
        if self.regex is None and self.min is None and self.max is None:
            raise ValueError("give a regex, a min or a max")
        return self

    async def verify(self, ctx: TransitionContext) -> dict[str, str]:
        value = await fieldref.stored(ctx, self.field, ctx.after())
        if value is None:
            return {}
        name = await fieldref.label(ctx, self.field)
        items = value if isinstance(value, list) else [value]
        if self.regex is not None:
            pattern = re.compile(self.regex)
            for item in items:
                if not pattern.fullmatch(str(item)):
                    return {self.field: self.message or f"{name} must match {self.regex}"}
        if self.min is not None or self.max is not None:
            for item in items:
                try:
                    number = Decimal(str(item))
                except InvalidOperation:
                    return {self.field: self.message or f"{name} must be a number"}
                if (self.min is not None and number < Decimal(str(self.min))) or (
                    self.max is not None and number > Decimal(str(self.max))
                ):
                    low = "-inf" if self.min is None else f"{self.min:g}"
                    high = "inf" if self.max is None else f"{self.max:g}"
                    return {self.field: self.message or f"{name} must be between {low} and {high}"}
        return {}
