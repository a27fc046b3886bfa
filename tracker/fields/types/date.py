"""Date: an ISO date (`2026-12-31`), stored as ISO text so text order is date order."""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, IndexSpec, Lookups


class DateType(CustomFieldType):
    key = "date"
    label = "Date"
    jql_type = "date"
    # ISO-8601 text; a cast to date is not IMMUTABLE in PostgreSQL and so cannot be indexed, while ISO text
    # compared to ISO text literals sorts in time order and uses the index below.
    sql_type = "TEXT"

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        if not isinstance(raw, str):
            raise FieldValueError("must be a date like 2026-12-31")
        try:
            return date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            raise FieldValueError("must be a date like 2026-12-31") from None

    def indexes(self, field_id: int) -> list[IndexSpec]:
        expr = f"custom_fields ->> 'customfield_{field_id}'"
        return [IndexSpec(f"issues_cf_{field_id}_date", "btree", expr, f"(({expr}) IS NOT NULL)")]
