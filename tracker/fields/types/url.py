"""URL: an absolute http(s) address of at most 2048 characters."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, IndexSpec, Lookups


class UrlType(CustomFieldType):
    key = "url"
    label = "URL"
    jql_type = "string"
    sql_type = "TEXT"

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        if not isinstance(raw, str):
            raise FieldValueError("must be a URL like https://example.com/page")
        value = raw.strip()
        if len(value) > 2048:
            raise FieldValueError("must be at most 2048 characters")
        try:
            parts = urlsplit(value)
        except ValueError:
            raise FieldValueError("must be a URL like https://example.com/page") from None
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
            raise FieldValueError("must be an http or https URL like https://example.com/page")
        return value

    def indexes(self, field_id: int) -> list[IndexSpec]:
        expr = f"custom_fields ->> 'customfield_{field_id}'"
        return [IndexSpec(f"issues_cf_{field_id}_url", "btree", expr, f"(({expr}) IS NOT NULL)")]
