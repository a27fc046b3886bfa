"""Custom field values on issues: validation on create, update and transition; history; the API view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tracker.db import Conn, fetch_all
from tracker.errors import ValidationError
from tracker.events import Change
from tracker.fields import repository as sql
from tracker.fields.models import FieldDefinition, field_key, parse_field_ref
from tracker.fields.types import FieldValueError, Lookups


async def load_fields(conn: Conn, ids: list[int] | None = None) -> dict[int, FieldDefinition]:
    """Live field definitions by id (all of them when `ids` is None)."""
    if ids is not None and not ids:
        return {}
    rows = (
        await fetch_all(conn, sql.SELECT_FIELDS)
        if ids is None
        else await fetch_all(conn, sql.SELECT_FIELDS_BY_IDS, {"ids": sorted(set(ids))})
    )
    return {r["id"]: FieldDefinition.from_row(r) for r in rows}


async def applicable_fields(conn: Conn, project_id: int, issue_type_id: int) -> list[FieldDefinition]:
    """Fields whose contexts include this project and issue type."""
    rows = await fetch_all(conn, sql.SELECT_APPLICABLE, {"project_id": project_id, "issue_type_id": issue_type_id})
    return [FieldDefinition.from_row(r) for r in rows]


@dataclass
class CustomUpdate:
    """The issue's new custom_fields document and one history change per field that changed."""

    values: dict[str, Any]
    changes: list[Change] = field(default_factory=list)


def _fail(errors: dict[str, str]) -> ValidationError:
    title = next(iter(errors.values())) if len(errors) == 1 else "Invalid custom field values"
    return ValidationError(title, errors=errors)


async def resolve_custom_fields(
    conn: Conn,
    *,
    project_id: int,
    project_key: str,
    issue_type_id: int,
    issue_type_name: str,
    current: Mapping[str, Any],
    data: Any,
    creating: bool = False,
    allowed: set[str] | None = None,
    error_prefix: str = "",
    applicable: list[FieldDefinition] | None = None,
) -> CustomUpdate:
    """Validate API values (keyed `customfield_N`) against the fields of the project and issue type.

    On create, fields left out get their default and required fields must end up with a value. Every error
    names the field and the rule, and all of them are reported together; nothing is written by this function.
    `applicable` holds the fields of the project and issue type when the caller has already loaded them.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationError(
            "Custom fields must be an object keyed by field id",
            errors={f"{error_prefix}custom_fields": 'must be an object like {"customfield_10001": value}'},
        )
    if applicable is None:
        applicable = await applicable_fields(conn, project_id, issue_type_id)
    fields = {f.id: f for f in applicable}
    lookups = Lookups(conn, project_id)
    errors: dict[str, str] = {}
    new: dict[str, Any] = dict(current)
    touched: list[FieldDefinition] = []
    for raw_key, raw in data.items():
        fid = parse_field_ref(raw_key)
        key = field_key(fid) if fid else str(raw_key)
        path = f"{error_prefix}{key}"
        definition = fields.get(fid) if fid else None
        if definition is None:
            exists = fid is not None and fid in await load_fields(conn, [fid])
            errors[path] = (
                f"Field {key} is not available for {issue_type_name} issues in project {project_key}"
                if exists
                else f"Field {key} does not exist"
            )
            continue
        if allowed is not None and key not in allowed:
            errors[path] = f"{definition.name} cannot be set here"
            continue
        kind = definition.kind
        if kind.is_empty(raw):
            if definition.required:
                errors[path] = f"{definition.name} is required"
                continue
            new.pop(key, None)
        else:
            try:
                new[key] = await kind.parse(raw, definition, lookups)
            except FieldValueError as exc:
                errors[path] = f"{definition.name}: {exc}"
                continue
        touched.append(definition)
    if creating:
        given = {parse_field_ref(k) for k in data}
        for definition in fields.values():
            key = definition.key
            if definition.id in given:
                continue
            if new.get(key) is None and definition.default is not None:
                new[key] = definition.default
                touched.append(definition)
            if new.get(key) is None and definition.required:
                errors[f"{error_prefix}{key}"] = f"{definition.name} is required"
    if errors:
        raise _fail(errors)
    update = CustomUpdate(values=new)
    for definition in touched:
        before, after = current.get(definition.key), new.get(definition.key)
        if before == after:
            continue
        kind = definition.kind
        b_value, b_string = await kind.describe(before, definition, lookups) if before is not None else (None, None)
        a_value, a_string = await kind.describe(after, definition, lookups) if after is not None else (None, None)
        update.changes.append(
            Change.of(
                definition.name, b_value, a_value, before_string=b_string, after_string=a_string, field_type="custom"
            )
        )
    return update


async def render_custom_fields(conn: Conn, stored: Mapping[str, Any], project_id: int | None = None) -> dict[str, Any]:
    """The API view of an issue's custom_fields: option, user and version ids shown with their names."""
    if not stored:
        return {}
    ids = [fid for k in stored if (fid := parse_field_ref(k)) is not None]
    fields = await load_fields(conn, ids)
    lookups = Lookups(conn, project_id)
    out: dict[str, Any] = {}
    for key, value in stored.items():
        fid = parse_field_ref(key)
        definition = fields.get(fid) if fid else None
        out[key] = value if definition is None else await definition.kind.render(value, definition, lookups)
    return out


async def describe_value(conn: Conn, definition: FieldDefinition, stored: Any) -> tuple[str | None, str | None]:
    """(value, display) of one stored value, as history keeps it."""
    if stored is None:
        return None, None
    return await definition.kind.describe(stored, definition, Lookups(conn))
