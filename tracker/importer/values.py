"""Jira field values in Jira's terms: dates, numbers, sprint references, texts and labels, each checked.

A value that cannot be read raises Reject with the path of the value, relative to the item being read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tracker.issues.models import format_number

SPRINT_IN_TEXT = re.compile(r"\bid=(\d+)")
MAX_SP = Decimal("100000000")
MAX_NUMBER = Decimal("1e15")  # tracklake's number fields (tracker/fields/types/number.py)
MAX_COMMENT = 32767
DATETIME_STORED = "%Y-%m-%dT%H:%M:%SZ"  # tracker/fields/types/datetime.py


class Reject(Exception):
    """The issue (or item) being read is malformed at `suffix` (relative to its origin)."""

    def __init__(self, suffix: str, message: str, *, silent: bool = False) -> None:
        super().__init__(message)
        self.suffix = suffix
        self.message = message
        self.silent = silent  # already reported once (e.g. the issue's project was rejected)


def as_object(value: Any) -> Mapping[str, Any]:
    """A JSON object, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def name_text(value: Any) -> str | None:
    """A non-empty trimmed text, else None."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_time(value: Any, where: str) -> datetime:
    """A Jira date-time (`2024-01-15T10:20:30.000+0000`); naive ones are UTC."""
    if not isinstance(value, str):
        raise Reject(where, "a date-time like 2024-01-15T10:20:30.000+0000 is required")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Reject(where, f"'{value[:40]}' is not a date-time like 2024-01-15T10:20:30.000+0000") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def optional_time(value: Any, where: str) -> datetime | None:
    return None if value in (None, "") else parse_time(value, where)


def _decimal(value: Any, where: str) -> Decimal | None:
    """A number from Jira JSON (a number or its text); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Reject(where, "must be a number")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise Reject(where, f"'{str(value)[:40]}' is not a number") from None


def number_text(value: Any, where: str) -> str | None:
    """A story point value as tracklake writes it ('5', '0.5'); None when empty."""
    number = _decimal(value, where)
    if number is None:
        return None
    if not number.is_finite() or number < 0 or number >= MAX_SP:
        raise Reject(where, "must be a number between 0 and 99999999.99")
    return format_number(number.quantize(Decimal("0.01")))


def custom_number(value: Any, where: str) -> str | None:
    """A number field's value as text ('3', '2.5'); None when empty."""
    number = _decimal(value, where)
    if number is None:
        return None
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        raise Reject(where, "must be a finite number below 10^15")
    return format_number(number)


def datetime_text(value: Any, where: str) -> str | None:
    """A date-time field's value as tracklake stores it (UTC, `2024-01-15T10:20:30Z`); None when empty."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise Reject(where, "a date-time like 2024-01-15T10:20:30.000+0000 is required")
    text = value.strip().replace(" ", "T", 1).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Reject(where, f"'{value[:40]}' is not a date-time like 2024-01-15T10:20:30.000+0000") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).strftime(DATETIME_STORED)


def list_text(value: Any) -> list[str]:
    """The items of a changelog list value: '[a, b]', 'a,b' or 'a, b'."""
    if value is None:
        return []
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [part.strip() for part in text.split(",") if part.strip()]


def sprint_ids(value: Any, where: str) -> frozenset[str]:
    """Jira sprint ids from a Sprint field value: objects, ids, 'Sprint@..[id=101,..]' texts or '101, 102'."""
    if value is None or value == "":
        return frozenset()
    if isinstance(value, list):
        values = value
    elif isinstance(value, str) and "id=" not in value:
        values = value.split(",")  # a changelog value: '101, 102'
    else:
        values = [value]
    out: set[str] = set()
    for n, v in enumerate(values):
        ref: Any = v.get("id") if isinstance(v, dict) else v
        if isinstance(ref, str):
            match = SPRINT_IN_TEXT.search(ref)
            ref = match.group(1) if match else ref.strip()
            if ref == "":
                continue
        if isinstance(ref, bool) or not (isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit())):
            raise Reject(f"{where}[{n}]" if isinstance(value, list) else where, "is not a sprint or a sprint id")
        out.add(str(int(ref)))
    return frozenset(out)


def adf_text(node: Any) -> str:
    """Plain text of an Atlassian Document Format description (REST API v3)."""
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node.get("text") or "")
        inner = "".join(adf_text(c) for c in node.get("content") or [])
        block = node.get("type") in ("paragraph", "heading", "listItem", "codeBlock", "blockquote", "rule")
        return inner + ("\n" if block else "")
    if isinstance(node, list):
        return "".join(adf_text(c) for c in node)
    return ""


def text_value(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = adf_text(value).strip()
    if not isinstance(value, str):
        raise Reject(where, "must be text")
    return value.replace("\r\n", "\n") or None


def label_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Reject(where, "must be a list of labels")
    out: list[str] = []
    for n, label in enumerate(value):
        if not isinstance(label, str) or not label or len(label) > 255 or any(c.isspace() for c in label):
            raise Reject(f"{where}[{n}]", "a label is 1-255 characters without spaces")
        if label not in out:
            out.append(label)
    return tuple(out)


def date_text(value: Any, where: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise Reject(where, f"'{str(value)[:40]}' is not a date like 2024-12-31") from None


def same(field_name: str, a: Any, b: Any) -> bool:
    """Whether two values of a field are the same (labels in any order)."""
    if field_name == "labels":
        return sorted(a or ()) == sorted(b or ())
    if isinstance(a, tuple) or isinstance(b, tuple):  # versions, components, multi-valued fields: sets of names
        return sorted(str(v).lower() for v in a or ()) == sorted(str(v).lower() for v in b or ())
    if field_name in ("summary", "description"):
        return (a or "").strip() == (b or "").strip()
    return bool(a == b)
