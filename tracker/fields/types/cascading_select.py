"""Cascading select: a parent option and optionally one of its child options, stored as the array
`[parent_id]` or `[parent_id, child_id]`. Option ids are unique, so `@> [id]` finds either level (what
JQL `=` means for this type) and `@> [parent, child]` is cascadeOption(parent, child)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, Lookups
from tracker.fields.types.select import option_name, resolve_option


class CascadingSelectType(CustomFieldType):
    key = "cascading_select"
    label = "Select list (cascading)"
    jql_type = "multi_select"
    sql_type = "BIGINT"
    multi = True
    has_options = True

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        if isinstance(raw, Mapping):
            unknown = set(raw) - {"parent", "child"}
            if unknown or "parent" not in raw:
                raise FieldValueError('must be {"parent": option, "child": option or null}')
            parent_ref, child_ref = raw["parent"], raw.get("child")
        elif isinstance(raw, list) and 1 <= len(raw) <= 2:
            parent_ref, child_ref = raw[0], raw[1] if len(raw) == 2 else None
        else:
            raise FieldValueError('must be {"parent": option, "child": option or null}')
        parent = resolve_option(field, parent_ref)
        if child_ref is None:
            return [parent.id]
        return [parent.id, resolve_option(field, child_ref, parent.id).id]

    async def describe(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> tuple[str | None, str | None]:
        if not stored:
            return None, None
        return ",".join(str(i) for i in stored), " - ".join(option_name(field, i) for i in stored)

    async def render(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        if not stored:
            return None
        child = stored[1] if len(stored) > 1 else None
        return {
            "id": stored[0],
            "value": option_name(field, stored[0]),
            "child": None if child is None else {"id": child, "value": option_name(field, child)},
        }

    def tokens(self, stored: Any, field: FieldDefinition) -> list[str]:
        return [t for i in stored or () for t in (str(i), option_name(field, i))]
