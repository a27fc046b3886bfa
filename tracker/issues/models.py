"""Issue fields: how each column is named in history and shown to users."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from tracker.events import Change


def format_number(value: Decimal | float | int | None) -> str | None:
    """Numbers as Jira prints them: no trailing zeros."""
    if value is None:
        return None
    d = Decimal(str(value)).normalize()
    return format(d, "f")


def number_out(value: Decimal | None) -> int | float | None:
    """A stored number as JSON: integral values as int."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A system field of an issue: its column, its name in history, and where its display name lives."""

    column: str
    history_name: str
    display_column: str | None = None
    field_type: Literal["jira", "custom"] = "jira"

    def describe(self, row: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(value, display string) of this field in an issue row, as stored in history."""
        value = row.get(self.column)
        if value is None or value == []:
            return None, None
        if self.column == "labels":
            return " ".join(value), " ".join(value)
        if self.column == "story_points":
            return format_number(value), format_number(value)
        if isinstance(value, date):
            return value.isoformat(), value.isoformat()
        shown = row.get(self.display_column) if self.display_column else value
        return str(value), (None if shown is None else str(shown))


FIELDS: dict[str, FieldDef] = {
    f.column: f
    for f in (
        FieldDef("summary", "summary"),
        FieldDef("issue_type_id", "issuetype", "type_name"),
        FieldDef("priority_id", "priority", "priority_name"),
        FieldDef("status_id", "status", "status_name"),
        FieldDef("resolution_id", "resolution", "resolution_name"),
        FieldDef("reporter_id", "reporter", "reporter_display_name"),
        FieldDef("assignee_id", "assignee", "assignee_display_name"),
        FieldDef("description", "description"),
        FieldDef("labels", "labels"),
        FieldDef("due_date", "duedate"),
        FieldDef("story_points", "Story Points", field_type="custom"),
        FieldDef("parent_id", "parent", "parent_key"),
    )
}


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """One Change per system field whose value differs between two issue rows (old may be empty)."""
    changes = []
    for column, field in FIELDS.items():
        if column not in new:
            continue
        before, before_s = field.describe(old)
        after, after_s = field.describe(new)
        if before != after:
            changes.append(
                Change.of(
                    field.history_name,
                    before,
                    after,
                    before_string=before_s,
                    after_string=after_s,
                    field_type=field.field_type,
                )
            )
    return changes


def _user(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    if row.get(f"{prefix}_id") is None:
        return None
    return {
        "id": row[f"{prefix}_id"],
        "username": row[f"{prefix}_username"],
        "display_name": row[f"{prefix}_display_name"],
    }


def issue_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON representation of an issue row loaded by SELECT_ISSUE."""
    return {
        "id": row["id"],
        "key": row["key"],
        "project": {"id": row["project_id"], "key": row["project_key"], "name": row["project_name"]},
        "type": {"id": row["issue_type_id"], "name": row["type_name"], "subtask": row["type_subtask"]},
        "summary": row["summary"],
        "description": row["description"],
        "priority": {"id": row["priority_id"], "name": row["priority_name"]},
        "status": {"id": row["status_id"], "name": row["status_name"], "category": row["status_category"]},
        "resolution": None
        if row["resolution_id"] is None
        else {"id": row["resolution_id"], "name": row["resolution_name"]},
        "assignee": _user(row, "assignee"),
        "reporter": _user(row, "reporter"),
        "labels": list(row["labels"]),
        "due_date": row["due_date"].isoformat() if row["due_date"] else None,
        "story_points": number_out(row["story_points"]),
        "parent": None if row["parent_id"] is None else {"id": row["parent_id"], "key": row["parent_key"]},
        "custom_fields": row["custom_fields"],
        "created": row["created_at"].isoformat(),
        "updated": row["updated_at"].isoformat(),
        "resolved": row["resolved_at"].isoformat() if row["resolved_at"] else None,
        "version": row["version"],
    }
