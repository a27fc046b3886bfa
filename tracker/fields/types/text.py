"""Text: one line of at most 255 characters, searched with `~`."""

from __future__ import annotations

from typing import Any, ClassVar

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, IndexSpec, Lookups


class TextType(CustomFieldType):
    key = "text"
    label = "Text"
    jql_type = "text"
    sql_type = "TEXT"
    max_length: ClassVar[int] = 255
    single_line: ClassVar[bool] = True

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        if not isinstance(raw, str):
            raise FieldValueError("must be text")
        if len(raw) > self.max_length:
            raise FieldValueError(f"must be at most {self.max_length} characters")
        if self.single_line and ("\n" in raw or "\r" in raw):
            raise FieldValueError("must be a single line")
        if not raw.strip():
            raise FieldValueError("must not be blank")
        return raw

    def indexes(self, field_id: int) -> list[IndexSpec]:
        # The expression jql/to_sql.py emits for `~` on a custom text field.
        key = f"customfield_{field_id}"
        return [
            IndexSpec(
                f"issues_cf_{field_id}_fts",
                "gin",
                f"to_tsvector('simple', search_words(COALESCE(custom_fields ->> '{key}', '')))",
            )
        ]
