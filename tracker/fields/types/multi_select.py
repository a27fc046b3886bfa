"""Multi-select: a set of the field's options, stored as a JSON array of option ids (GIN @> serves it)."""

from __future__ import annotations

from typing import Any

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, Lookups, as_list
from tracker.fields.types.select import option_name, resolve_option


class MultiSelectType(CustomFieldType):
    key = "multi_select"
    label = "Select list (multiple choices)"
    jql_type = "multi_select"
    sql_type = "BIGINT"
    multi = True
    has_options = True

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        out: list[int] = []
        for item in as_list(raw, "options", self.max_items):
            if isinstance(item, list | bool) or item is None:
                raise FieldValueError("each item must be an option, by id or value")
            option = resolve_option(field, item)
            if option.id not in out:
                out.append(option.id)
        return out

    async def describe(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> tuple[str | None, str | None]:
        if not stored:
            return None, None
        return ",".join(str(i) for i in stored), ", ".join(option_name(field, i) for i in stored)

    async def render(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        return [{"id": i, "value": option_name(field, i)} for i in stored or ()]

    def tokens(self, stored: Any, field: FieldDefinition) -> list[str]:
        return [t for i in stored or () for t in (str(i), option_name(field, i))]
