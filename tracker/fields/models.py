"""Custom field definitions as the domain sees them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.fields.types.base import CustomFieldType

FIELD_KEY = re.compile(r"^customfield_([1-9][0-9]{0,17})$")


def field_key(field_id: int) -> str:
    """The stable id of a custom field in the API and its key in issues.custom_fields."""
    return f"customfield_{field_id}"


def parse_field_ref(ref: str | int) -> int | None:
    """The numeric id from `customfield_10001`, `10001` or 10001; None when it is not a field reference."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref if 0 < ref < 2**63 else None
    text = str(ref)
    match = FIELD_KEY.match(text)
    if match:
        value = int(match.group(1))
    elif text.isdigit() and 0 < len(text) < 19:
        value = int(text)
    else:
        return None
    return value if 0 < value < 2**63 else None


@dataclass(frozen=True, slots=True)
class Option:
    """An option of a select-like field; `parent_id` is set on the second level of a cascading select."""

    id: int
    value: str
    parent_id: int | None = None
    position: int = 0
    disabled: bool = False

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "value": self.value}


@dataclass(frozen=True, slots=True)
class Context:
    """Where a field applies: empty tuples mean every project / every issue type."""

    id: int
    project_ids: tuple[int, ...] = ()
    issue_type_ids: tuple[int, ...] = ()

    def applies(self, project_id: int, issue_type_id: int) -> bool:
        return (not self.project_ids or project_id in self.project_ids) and (
            not self.issue_type_ids or issue_type_id in self.issue_type_ids
        )


@dataclass(frozen=True, slots=True)
class FieldDefinition:
    """A custom field: its stable id, name, type and rules."""

    id: int
    name: str
    description: str
    type: str
    config: Mapping[str, Any]
    default: Any
    required: bool
    options: tuple[Option, ...] = ()
    contexts: tuple[Context, ...] = ()

    @property
    def key(self) -> str:
        return field_key(self.id)

    @property
    def kind(self) -> CustomFieldType:
        from tracker.fields.types import field_type

        return field_type(self.type)

    def applies(self, project_id: int, issue_type_id: int) -> bool:
        return any(c.applies(project_id, issue_type_id) for c in self.contexts)

    def option(self, option_id: int) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> FieldDefinition:
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            type=row["type"],
            config=row["config"] or {},
            default=row["default_value"],
            required=row["required"],
            options=tuple(
                Option(o["id"], o["value"], o["parent_id"], o["position"], o["disabled"]) for o in row["options"] or ()
            ),
            contexts=tuple(
                Context(c["id"], tuple(c["project_ids"] or ()), tuple(c["issue_type_ids"] or ()))
                for c in row["contexts"] or ()
            ),
        )
