"""Select: one option of the field, stored as the option's id (so renaming an option rewrites no issue)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.fields.models import FieldDefinition, Option
from tracker.fields.types.base import CustomFieldType, FieldValueError, IndexSpec, Lookups, as_int_ref


def _shown(raw: Any) -> str:
    text = str(raw.get("value", raw.get("id")) if isinstance(raw, Mapping) else raw)
    return text[:60]


def resolve_option(field: FieldDefinition, raw: Any, parent_id: int | None = None) -> Option:
    """The option an API value names: its id, {"id": ...}, its value text or {"value": ...} (any case)."""
    candidates = [o for o in field.options if o.parent_id == parent_id]
    found: Option | None = None
    ref = as_int_ref(raw)
    if ref is not None:
        found = next((o for o in candidates if o.id == ref), None)
    text = raw.get("value") if isinstance(raw, Mapping) else raw
    if found is None and isinstance(text, str):
        found = next((o for o in candidates if o.value.lower() == text.strip().lower()), None)
    if found is None:
        names = ", ".join(o.value for o in candidates if not o.disabled) or "none"
        where = "" if parent_id is None else " under the chosen parent"
        raise FieldValueError(f"'{_shown(raw)}' is not an option{where} (options: {names})")
    if found.disabled:
        raise FieldValueError(f"option '{found.value}' is disabled")
    return found


def option_name(field: FieldDefinition, option_id: Any) -> str:
    option = field.option(option_id) if isinstance(option_id, int) else None
    return option.value if option else f"(deleted option {option_id})"


class SelectType(CustomFieldType):
    key = "select"
    label = "Select list (single choice)"
    jql_type = "select"
    sql_type = "BIGINT"
    has_options = True

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        if isinstance(raw, list | bool) or raw is None:
            raise FieldValueError("must be one option, by id or value")
        return resolve_option(field, raw).id

    async def describe(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> tuple[str | None, str | None]:
        if stored is None:
            return None, None
        return str(stored), option_name(field, stored)

    async def render(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        return {"id": stored, "value": option_name(field, stored)}

    def tokens(self, stored: Any, field: FieldDefinition) -> list[str]:
        return [] if stored is None else [str(stored), option_name(field, stored)]

    def value_sql(self, storage_key: str, alias: str = "i") -> str:
        return f"(({alias}.custom_fields ->> '{storage_key}')::bigint)"

    def indexes(self, field_id: int) -> list[IndexSpec]:
        # Exactly the expression jql/to_sql.py emits for a single-valued BIGINT custom field.
        expr = f"(custom_fields ->> 'customfield_{field_id}')::bigint"
        return [IndexSpec(f"issues_cf_{field_id}_opt", "btree", expr, f"(({expr}) IS NOT NULL)")]
