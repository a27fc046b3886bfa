"""Labels: a set of words without spaces (like the system labels field), stored as a JSON array of text."""

from __future__ import annotations

from typing import Any

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, Lookups, as_list


class LabelsType(CustomFieldType):
    key = "labels"
    label = "Labels"
    jql_type = "labels"
    sql_type = "TEXT"
    multi = True

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        out: list[str] = []
        for label in as_list(raw, "labels", self.max_items):
            if not isinstance(label, str):
                raise FieldValueError("must be a list of labels (text)")
            if not label or len(label) > 255 or any(c.isspace() for c in label):
                raise FieldValueError(f"'{label[:40]}' is not a label: 1-255 characters without spaces")
            if label not in out:
                out.append(label)
        return out

    async def describe(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> tuple[str | None, str | None]:
        if not stored:
            return None, None
        return " ".join(stored), " ".join(stored)
