"""Number: a finite decimal, optionally bounded (`min`, `max`) or integral (`integer`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, IndexSpec, Lookups
from tracker.issues.models import format_number

LIMIT = Decimal("1e15")


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise FieldValueError("must be a number")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise FieldValueError("must be a number") from None
    if not value.is_finite() or abs(value) >= LIMIT:
        raise FieldValueError("must be a finite number below 10^15")
    return value


class NumberType(CustomFieldType):
    key = "number"
    label = "Number"
    jql_type = "number"
    sql_type = "NUMERIC"

    def validate_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(config) - {"min", "max", "integer"}
        if unknown:
            raise FieldValueError(f"unknown settings: {', '.join(sorted(unknown))} (allowed: min, max, integer)")
        out: dict[str, Any] = {}
        for bound in ("min", "max"):
            if config.get(bound) is not None:
                out[bound] = float(_number(config[bound]))
        if "min" in out and "max" in out and out["min"] > out["max"]:
            raise FieldValueError("min must not be greater than max")
        if config.get("integer") is not None:
            if not isinstance(config["integer"], bool):
                raise FieldValueError("integer must be true or false")
            out["integer"] = config["integer"]
        return out

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        value = _number(raw)
        if field.config.get("integer") and value != value.to_integral_value():
            raise FieldValueError("must be a whole number")
        low, high = field.config.get("min"), field.config.get("max")
        if (low is not None and value < Decimal(str(low))) or (high is not None and value > Decimal(str(high))):
            raise FieldValueError(f"must be between {format_number(low) or '-inf'} and {format_number(high) or 'inf'}")
        return int(value) if value == value.to_integral_value() else float(value)

    async def describe(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> tuple[str | None, str | None]:
        text = format_number(stored)
        return text, text

    def value_sql(self, storage_key: str, alias: str = "i") -> str:
        return f"(({alias}.custom_fields ->> '{storage_key}')::numeric)"

    def indexes(self, field_id: int) -> list[IndexSpec]:
        # Exactly the expression jql/to_sql.py emits: CAST(custom_fields ->> 'key' AS NUMERIC).
        expr = f"(custom_fields ->> 'customfield_{field_id}')::numeric"
        return [IndexSpec(f"issues_cf_{field_id}_num", "btree", expr, f"(({expr}) IS NOT NULL)")]
