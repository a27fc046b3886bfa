"""Date and time: ISO-8601 with an offset (no offset means UTC), stored as UTC `YYYY-MM-DDTHH:MM:SSZ`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, IndexSpec, Lookups

STORED = "%Y-%m-%dT%H:%M:%SZ"  # fixed width, so text order is time order


class DateTimeType(CustomFieldType):
    key = "datetime"
    label = "Date and time"
    jql_type = "datetime"
    sql_type = "TEXT"  # see date.py: indexed as ISO text

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        if not isinstance(raw, str):
            raise FieldValueError("must be a date and time like 2026-12-31T17:00:00+01:00")
        try:
            value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raise FieldValueError("must be a date and time like 2026-12-31T17:00:00+01:00") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if not 1 <= value.astimezone(UTC).year <= 9999:
            raise FieldValueError("must be between the years 1 and 9999")
        return value.astimezone(UTC).strftime(STORED)

    def indexes(self, field_id: int) -> list[IndexSpec]:
        expr = f"custom_fields ->> 'customfield_{field_id}'"
        return [IndexSpec(f"issues_cf_{field_id}_dt", "btree", expr, f"(({expr}) IS NOT NULL)")]
