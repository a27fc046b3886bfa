"""Custom field request bodies; values and settings are checked by tracker.fields, per field type."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, StrictInt, StrictStr

from api.schemas.common import Strict


class FieldCreate(Strict):
    name: StrictStr
    type: StrictStr = Field(description="one of GET /fieldtypes")
    description: StrictStr = ""
    config: dict[StrictStr, Any] | None = Field(default=None, description="type settings, e.g. number min/max")
    options: list[StrictStr | dict[StrictStr, Any]] | None = Field(
        default=None, description='for select types: ["a", "b"] or [{"value", "disabled", "children"}]'
    )
    default: Any = None
    required: StrictBool = False
    contexts: list[dict[StrictStr, Any]] | None = Field(
        default=None,
        description='[{"projects": [keys], "issue_types": [names]}]; empty lists mean all; default everywhere',
    )


class FieldUpdate(Strict):
    name: StrictStr | None = None
    description: StrictStr | None = None
    config: dict[StrictStr, Any] | None = None
    default: Any = None
    required: StrictBool | None = None
    contexts: list[dict[StrictStr, Any]] | None = None


class Contexts(Strict):
    contexts: list[dict[StrictStr, Any]]


class OptionCreate(Strict):
    value: StrictStr
    parent: StrictInt | None = Field(default=None, description="parent option id (cascading selects)")
    disabled: StrictBool = False


class OptionUpdate(Strict):
    value: StrictStr | None = None
    position: StrictInt | None = None
    disabled: StrictBool | None = None
