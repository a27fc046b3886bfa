"""Custom field administration: definitions, contexts and options (system administrators)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg.types.json import Jsonb

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import AlreadyExists, Conflict, NotFound, ValidationError
from tracker.fields import repository as sql
from tracker.fields.models import FieldDefinition, parse_field_ref
from tracker.fields.types import FieldValueError, Lookups, field_types
from tracker.fields.values import load_fields
from tracker.permissions import require_global_permission

RESERVED_NAMES = {
    "id", "key", "issuekey", "project", "summary", "description", "status", "statuscategory", "priority",
    "assignee", "reporter", "creator", "labels", "type", "issuetype", "resolution", "created", "updated",
    "resolved", "due", "duedate", "parent", "sprint", "text", "comment", "fixversion", "affectedversion",
    "component", "watcher", "voter", "story points",
}  # fmt: skip
MAX_OPTIONS = 1000


def _ref(ref: str | int) -> int:
    fid = parse_field_ref(ref)
    if fid is None:
        raise NotFound(f"Custom field '{ref}' does not exist")
    return fid


async def get_field(conn: Conn, ref: str | int) -> FieldDefinition:
    """A live custom field by `customfield_N` or N."""
    fid = _ref(ref)
    row = await fetch_one(conn, sql.SELECT_FIELD, {"id": fid})
    if row is None:
        raise NotFound(f"Custom field '{ref}' does not exist")
    return FieldDefinition.from_row(row)


async def list_fields(conn: Conn) -> list[FieldDefinition]:
    """Every live custom field."""
    return list((await load_fields(conn)).values())


def _name(value: Any, path: str = "name") -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 255:
        raise ValidationError("A field name is 1-255 characters", errors={path: "1-255 characters"})
    name = value.strip()
    if name.lower() in RESERVED_NAMES:
        raise ValidationError(
            f"'{name}' is the name of a system field", errors={path: f"'{name}' is reserved for a system field"}
        )
    return name


async def _check_name_free(conn: Conn, name: str, field_id: int = 0) -> None:
    if await fetch_one(conn, sql.NAME_TAKEN, {"name": name, "id": field_id}) is not None:
        raise AlreadyExists(f"A custom field called '{name}' exists", errors={"name": "already taken"})


async def _contexts(conn: Conn, contexts: Any) -> list[tuple[list[int], list[int]]]:
    """Contexts given as [{"projects": [keys], "issue_types": [names or ids]}]; empty lists mean all."""
    if not isinstance(contexts, list) or len(contexts) > 100:
        raise ValidationError("Contexts must be a list", errors={"contexts": "must be a list of at most 100"})
    types = {r["name"].lower(): r["id"] for r in await fetch_all(conn, sql.SELECT_TYPES)}
    type_ids = set(types.values())
    wanted_keys = {
        str(k) for c in contexts if isinstance(c, Mapping) for k in (c.get("projects") or []) if isinstance(k, str)
    }
    projects = {
        r["key"]: r["id"] for r in await fetch_all(conn, sql.SELECT_PROJECT_IDS_BY_KEYS, {"keys": sorted(wanted_keys)})
    }
    out: list[tuple[list[int], list[int]]] = []
    for n, c in enumerate(contexts):
        path = f"contexts[{n}]"
        if not isinstance(c, Mapping) or set(c) - {"projects", "issue_types"}:
            raise ValidationError("Invalid context", errors={path: 'must be {"projects": [...], "issue_types": [...]}'})
        keys, names = c.get("projects") or [], c.get("issue_types") or []
        if not isinstance(keys, list) or not isinstance(names, list):
            raise ValidationError("Invalid context", errors={path: "projects and issue_types must be lists"})
        unknown = [str(k) for k in keys if k not in projects]
        if unknown:
            raise ValidationError("Unknown project", errors={f"{path}.projects": f"unknown: {', '.join(unknown)}"})
        ids: list[int] = []
        for t in names:
            tid = types.get(t.lower()) if isinstance(t, str) else (t if t in type_ids else None)
            if tid is None:
                raise ValidationError("Unknown issue type", errors={f"{path}.issue_types": f"unknown: {t}"})
            ids.append(tid)
        out.append((sorted({projects[k] for k in keys}), sorted(set(ids))))
    return out


async def _write_contexts(conn: Conn, field_id: int, contexts: list[tuple[list[int], list[int]]]) -> None:
    await conn.execute(sql.DELETE_CONTEXTS, {"id": field_id})
    for project_ids, type_ids in contexts:
        await conn.execute(
            sql.INSERT_CONTEXT, {"field_id": field_id, "project_ids": project_ids, "issue_type_ids": type_ids}
        )


def _options(raw: Any, cascading: bool) -> list[tuple[str, bool, list[str]]]:
    """Options as ["a", "b"] or [{"value": "a", "disabled": false, "children": ["x"]}]."""
    if not isinstance(raw, list) or len(raw) > MAX_OPTIONS:
        raise ValidationError("Options must be a list", errors={"options": f"a list of at most {MAX_OPTIONS}"})
    out: list[tuple[str, bool, list[str]]] = []
    seen: set[str] = set()
    for n, item in enumerate(raw):
        path = f"options[{n}]"
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, Mapping) or set(item) - {"value", "disabled", "children"}:
            raise ValidationError("Invalid option", errors={path: 'a text or {"value", "disabled", "children"}'})
        value = item.get("value")
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise ValidationError("Invalid option", errors={f"{path}.value": "1-255 characters"})
        if value.strip().lower() in seen:
            raise ValidationError("Duplicate option", errors={f"{path}.value": f"'{value}' appears twice"})
        seen.add(value.strip().lower())
        children = item.get("children") or []
        if children and not cascading:
            raise ValidationError("Invalid option", errors={f"{path}.children": "only cascading selects have children"})
        if not isinstance(children, list) or not all(isinstance(c, str) and c.strip() for c in children):
            raise ValidationError("Invalid option", errors={f"{path}.children": "a list of texts"})
        if len({c.strip().lower() for c in children}) != len(children):
            raise ValidationError("Duplicate option", errors={f"{path}.children": "children must differ"})
        out.append((value.strip(), bool(item.get("disabled", False)), [c.strip() for c in children]))
    return out


async def _insert_option(
    conn: Conn, field_id: int, value: str, parent_id: int | None, disabled: bool, position: int | None = None
) -> int:
    option_id = await fetch_val(
        conn,
        sql.INSERT_OPTION,
        {"field_id": field_id, "parent_id": parent_id, "value": value, "position": position, "disabled": disabled},
    )
    if option_id is None:
        raise AlreadyExists(f"The option '{value}' exists", errors={"value": "already an option of this field"})
    return int(option_id)


async def _parse_default(conn: Conn, definition: FieldDefinition, raw: Any) -> Any:
    kind = definition.kind
    if kind.is_empty(raw):
        return None
    try:
        return await kind.parse(raw, definition, Lookups(conn))
    except FieldValueError as exc:
        raise ValidationError("Invalid default value", errors={"default": f"{definition.name}: {exc}"}) from None


async def do_create_field(conn: Conn, actor: Actor, data: Mapping[str, Any]) -> FieldDefinition:
    """Create a custom field with its options, contexts (default: everywhere) and search indexes."""
    require_global_permission(actor)
    name = _name(data.get("name"))
    type_key = data.get("type")
    types = field_types()
    if type_key not in types:
        raise ValidationError(
            "Unknown field type", errors={"type": f"'{type_key}' is not one of {', '.join(sorted(types))}"}
        )
    kind = types[str(type_key)]
    try:
        config = kind.validate_config(data.get("config") or {})
    except FieldValueError as exc:
        raise ValidationError("Invalid field settings", errors={"config": str(exc)}) from None
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description) > 32767:
        raise ValidationError("Invalid description", errors={"description": "text of at most 32767 characters"})
    required = data.get("required", False)
    if not isinstance(required, bool):
        raise ValidationError("Invalid required flag", errors={"required": "true or false"})
    options = _options(data.get("options") or [], kind.key == "cascading_select")
    if options and not kind.has_options:
        raise ValidationError("Options are for select fields", errors={"options": f"{kind.label} fields have none"})
    contexts = await _contexts(conn, data["contexts"] if data.get("contexts") is not None else [{}])
    await _check_name_free(conn, name)
    field_id = await fetch_val(
        conn,
        sql.INSERT_FIELD,
        {
            "name": name,
            "description": description,
            "type": kind.key,
            "config": Jsonb(config),
            "default_value": None,
            "required": required,
        },
    )
    for position, (value, disabled, children) in enumerate(options, 1):
        option_id = await _insert_option(conn, field_id, value, None, disabled, position)
        for child_position, child in enumerate(children, 1):
            await _insert_option(conn, field_id, child, option_id, False, child_position)
    await _write_contexts(conn, field_id, contexts)
    definition = await get_field(conn, field_id)
    if data.get("default") is not None:
        default = await _parse_default(conn, definition, data["default"])
        await conn.execute(
            "UPDATE custom_fields SET default_value = %(d)s WHERE id = %(id)s", {"d": Jsonb(default), "id": field_id}
        )
        definition = await get_field(conn, field_id)
    for index in kind.indexes(field_id):
        await conn.execute(index.ddl())  # type: ignore[arg-type]  # built from integers only
    return definition


async def do_update_field(conn: Conn, actor: Actor, ref: str | int, changes: Mapping[str, Any]) -> FieldDefinition:
    """Rename or describe a field, change its settings, default or required flag (its type is fixed)."""
    require_global_permission(actor)
    definition = await get_field(conn, ref)
    await fetch_one(conn, sql.LOCK_FIELD, {"id": definition.id})
    if "type" in changes and changes["type"] != definition.type:
        raise ValidationError("A field's type cannot change", errors={"type": "create a new field instead"})
    name = _name(changes["name"]) if "name" in changes else definition.name
    if name.lower() != definition.name.lower():
        await _check_name_free(conn, name, definition.id)
    config = definition.config
    if "config" in changes:
        try:
            config = definition.kind.validate_config(changes["config"] or {})
        except FieldValueError as exc:
            raise ValidationError("Invalid field settings", errors={"config": str(exc)}) from None
    description = changes.get("description", definition.description)
    if not isinstance(description, str) or len(description) > 32767:
        raise ValidationError("Invalid description", errors={"description": "text of at most 32767 characters"})
    required = changes.get("required", definition.required)
    if not isinstance(required, bool):
        raise ValidationError("Invalid required flag", errors={"required": "true or false"})
    default = definition.default
    if "default" in changes:
        default = await _parse_default(conn, definition, changes["default"])
    await conn.execute(
        sql.UPDATE_FIELD,
        {
            "id": definition.id,
            "name": name,
            "description": description,
            "config": Jsonb(config),
            "default_value": None if default is None else Jsonb(default),
            "required": required,
        },
    )
    if "contexts" in changes:
        await _write_contexts(conn, definition.id, await _contexts(conn, changes["contexts"]))
    return await get_field(conn, definition.id)


async def do_delete_field(conn: Conn, actor: Actor, ref: str | int) -> None:
    """Delete a field: it leaves every context and every issue; history rows keep its name and values."""
    require_global_permission(actor)
    definition = await get_field(conn, ref)
    await fetch_one(conn, sql.LOCK_FIELD, {"id": definition.id})
    await conn.execute(sql.DELETE_CONTEXTS, {"id": definition.id})
    await conn.execute(sql.SOFT_DELETE_FIELD, {"id": definition.id})
    await conn.execute(sql.STRIP_VALUES, {"key": definition.key})
    for index in definition.kind.indexes(definition.id):
        await conn.execute(f"DROP INDEX IF EXISTS {index.name}")  # type: ignore[arg-type]  # from integers


async def do_set_contexts(conn: Conn, actor: Actor, ref: str | int, contexts: Any) -> FieldDefinition:
    """Replace where a field applies."""
    return await do_update_field(conn, actor, ref, {"contexts": contexts})


async def do_add_option(conn: Conn, actor: Actor, ref: str | int, data: Mapping[str, Any]) -> FieldDefinition:
    """Add an option (or, with `parent`, a child option of a cascading select)."""
    require_global_permission(actor)
    definition = await get_field(conn, ref)
    if not definition.kind.has_options:
        raise ValidationError("Options are for select fields", errors={"value": f"{definition.name} has no options"})
    value = data.get("value")
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise ValidationError("Invalid option", errors={"value": "1-255 characters"})
    parent_id = None
    if data.get("parent") is not None:
        if definition.type != "cascading_select":
            raise ValidationError("Invalid option", errors={"parent": "only cascading selects have child options"})
        parent = next((o for o in definition.options if o.id == data["parent"] and o.parent_id is None), None)
        if parent is None:
            raise ValidationError("Unknown parent option", errors={"parent": f"{data['parent']} is not an option"})
        parent_id = parent.id
    if len(definition.options) >= MAX_OPTIONS:
        raise ValidationError("Too many options", errors={"value": f"at most {MAX_OPTIONS} options"})
    await _insert_option(conn, definition.id, value.strip(), parent_id, bool(data.get("disabled", False)))
    return await get_field(conn, definition.id)


async def do_update_option(
    conn: Conn, actor: Actor, ref: str | int, option_id: int, data: Mapping[str, Any]
) -> FieldDefinition:
    """Rename, move or disable an option; issues keep pointing at it by id."""
    require_global_permission(actor)
    definition = await get_field(conn, ref)
    option = definition.option(option_id)
    if option is None:
        raise NotFound(f"Option {option_id} does not exist on {definition.key}")
    value = data.get("value")
    if value is not None:
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise ValidationError("Invalid option", errors={"value": "1-255 characters"})
        value = value.strip()
        taken = await fetch_one(
            conn,
            sql.OPTION_VALUE_TAKEN,
            {"field_id": definition.id, "parent_id": option.parent_id, "value": value, "id": option.id},
        )
        if taken is not None:
            raise AlreadyExists(f"The option '{value}' exists", errors={"value": "already an option of this field"})
    await conn.execute(
        sql.UPDATE_OPTION,
        {
            "id": option.id,
            "field_id": definition.id,
            "value": value,
            "position": data.get("position"),
            "disabled": data.get("disabled"),
        },
    )
    return await get_field(conn, definition.id)


async def do_delete_option(conn: Conn, actor: Actor, ref: str | int, option_id: int) -> FieldDefinition:
    """Delete an option no issue uses (disable it otherwise)."""
    require_global_permission(actor)
    definition = await get_field(conn, ref)
    option = definition.option(option_id)
    if option is None:
        raise NotFound(f"Option {option_id} does not exist on {definition.key}")
    ids = [option.id] + [o.id for o in definition.options if o.parent_id == option.id]
    for oid in ids:
        if await fetch_val(
            conn,
            sql.OPTION_IN_USE,
            {"scalar": Jsonb({definition.key: oid}), "array": Jsonb({definition.key: [oid]})},
        ):
            raise Conflict(
                f"Option '{option.value}' is used by issues; disable it instead",
                errors={"option": "in use: set disabled to true to stop it being chosen"},
            )
    await conn.execute(sql.DELETE_OPTION, {"id": option.id, "field_id": definition.id})
    return await get_field(conn, definition.id)


async def context_names(conn: Conn, fields: list[FieldDefinition]) -> tuple[dict[int, str], dict[int, str]]:
    """Project keys and issue type names of the given fields' contexts, for views."""
    project_ids = sorted({p for f in fields for c in f.contexts for p in c.project_ids})
    projects = {r["id"]: r["key"] for r in await fetch_all(conn, sql.SELECT_PROJECT_KEYS_BY_IDS, {"ids": project_ids})}
    types = {r["id"]: r["name"] for r in await fetch_all(conn, sql.SELECT_TYPES)}
    return projects, types


def field_view(
    definition: FieldDefinition,
    *,
    projects: Mapping[int, str] | None = None,
    types: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """The API representation of a field; contexts only when their names are given (administrators)."""
    kind = definition.kind
    view: dict[str, Any] = {
        "id": definition.key,
        "custom_id": definition.id,
        "name": definition.name,
        "description": definition.description,
        "type": definition.type,
        "config": dict(definition.config),
        "required": definition.required,
        "default": definition.default,
        "custom": True,
        "clauseNames": [definition.name, f"cf[{definition.id}]"],
        "schema": {"type": kind.jql_type, "custom": definition.type, "customId": definition.id, "multi": kind.multi},
    }
    if kind.has_options:
        top = [o for o in definition.options if o.parent_id is None]
        view["options"] = [
            {"id": o.id, "value": o.value, "disabled": o.disabled}
            | (
                {
                    "children": [
                        {"id": c.id, "value": c.value, "disabled": c.disabled}
                        for c in definition.options
                        if c.parent_id == o.id
                    ]
                }
                if definition.type == "cascading_select"
                else {}
            )
            for o in top
        ]
    if projects is not None and types is not None:
        view["contexts"] = [
            {
                "id": c.id,
                "projects": [projects.get(p, str(p)) for p in c.project_ids],
                "issue_types": [types.get(t, str(t)) for t in c.issue_type_ids],
            }
            for c in definition.contexts
        ]
    return view


def field_type_views() -> list[dict[str, Any]]:
    """Every field type with what it stores and how JQL sees it."""
    return [
        {"type": k, "label": t.label, "jql_type": t.jql_type, "multi": t.multi, "options": t.has_options}
        for k, t in sorted(field_types().items())
    ]


SYSTEM_FIELD_VIEWS: list[dict[str, Any]] = [
    {"id": "summary", "name": "Summary", "custom": False, "required": True, "schema": {"type": "string"}},
    {"id": "type", "name": "Issue type", "custom": False, "required": True, "schema": {"type": "issuetype"}},
    {"id": "description", "name": "Description", "custom": False, "required": False, "schema": {"type": "string"}},
    {"id": "priority", "name": "Priority", "custom": False, "required": False, "schema": {"type": "priority"}},
    {"id": "assignee", "name": "Assignee", "custom": False, "required": False, "schema": {"type": "user"}},
    {"id": "reporter", "name": "Reporter", "custom": False, "required": False, "schema": {"type": "user"}},
    {"id": "labels", "name": "Labels", "custom": False, "required": False, "schema": {"type": "array"}},
    {"id": "due_date", "name": "Due date", "custom": False, "required": False, "schema": {"type": "date"}},
    {"id": "story_points", "name": "Story Points", "custom": False, "required": False, "schema": {"type": "number"}},
    {"id": "parent", "name": "Parent", "custom": False, "required": False, "schema": {"type": "issuelink"}},
]


async def project_fields(conn: Conn, actor: Actor, project_key: str) -> list[dict[str, Any]]:
    """The fields of a project's issues: system fields, then custom fields with the issue types using them."""
    from tracker.projects.actions import get_project, project_issue_types

    project = await get_project(conn, actor, project_key)
    types = await project_issue_types(conn, project["id"])
    rows = await fetch_all(conn, sql.SELECT_PROJECT_FIELDS, {"project_id": project["id"]})
    out = [dict(v) | {"issue_types": [t["name"] for t in types]} for v in SYSTEM_FIELD_VIEWS]
    for row in rows:
        definition = FieldDefinition.from_row(row)
        used_by = [t["name"] for t in types if definition.applies(project["id"], t["id"])]
        if used_by:
            out.append(field_view(definition) | {"issue_types": used_by})
    return out
