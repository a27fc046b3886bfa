"""Workflow definitions: parsing and validating what an administrator sends, loading the published
version (cached by revision) and storing one."""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any

from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import NotFound, ValidationError
from tracker.workflows import fieldref
from tracker.workflows import repository as sql
from tracker.workflows.models import ScreenField, Status, Transition, Workflow
from tracker.workflows.rules.base import (
    Condition,
    PostFunction,
    Rule,
    RuleConfigError,
    Validator,
    parse_rule,
)

CATEGORIES = ("todo", "in_progress", "done")
MAX_STATUSES = 100
MAX_TRANSITIONS = 500
MAX_RULES = 50

# Parsed published workflows by revision. A revision is a fresh UUID at every change, so an entry can never go
# stale; one loaded inside a transaction that rolls back is simply never asked for again.
_CACHE: dict[uuid.UUID, Workflow] = {}
_CACHE_LIMIT = 512


def _rules(family: str, raw: Any, path: str, errors: dict[str, str]) -> list[Rule]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_RULES:
        errors[path] = f"must be a list of at most {MAX_RULES}"
        return []
    out: list[Rule] = []
    for n, item in enumerate(raw):
        try:
            out.append(parse_rule(family, item, f"{path}[{n}]"))
        except RuleConfigError as exc:
            errors[exc.path] = exc.message
    return out


def _rows_to_workflow(row: Mapping[str, Any], statuses: list[DictRow], transitions: list[DictRow]) -> Workflow:
    parsed: list[Transition] = []
    for t in transitions:
        errors: dict[str, str] = {}
        path = f"transitions[{t['id']}]"
        parsed.append(
            Transition(
                id=t["id"],
                name=t["name"],
                description=t["description"],
                to_status_id=t["to_status_id"],
                from_status_ids=tuple(t["from_status_ids"]),
                is_global=t["is_global"],
                conditions=tuple(_rules("condition", t["conditions"], path, errors)),  # type: ignore[arg-type]
                validators=tuple(_rules("validator", t["validators"], path, errors)),  # type: ignore[arg-type]
                post_functions=tuple(_rules("post_function", t["post_functions"], path, errors)),  # type: ignore[arg-type]
                screen=tuple(ScreenField(s["field"], bool(s.get("required"))) for s in t["screen"]),
                auto_resolution=t["auto_resolution"],
                position=t["position"],
            )
        )
        if errors:
            raise RuntimeError(f"stored workflow {row['id']} has invalid rules: {errors}")
    return Workflow(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        initial_status_id=row["initial_status_id"],
        statuses=tuple(Status(s["id"], s["name"], s["category"]) for s in statuses),
        transitions=tuple(parsed),
        version=row["version"],
        revision=row["revision"],
    )


async def load_workflow(conn: Conn, workflow_id: int, revision: uuid.UUID | None = None) -> Workflow:
    """The published version of a workflow (from the cache when `revision` is known)."""
    if revision is not None and revision in _CACHE:
        return _CACHE[revision]
    row = await fetch_one(conn, sql.SELECT_WORKFLOW, {"id": workflow_id})
    if row is None:
        raise NotFound(f"Workflow {workflow_id} does not exist")
    if row["revision"] in _CACHE:
        return _CACHE[row["revision"]]
    statuses = await fetch_all(conn, sql.SELECT_WORKFLOW_STATUSES, {"id": workflow_id})
    transitions = await fetch_all(conn, sql.SELECT_TRANSITIONS, {"id": workflow_id})
    workflow = _rows_to_workflow(row, statuses, transitions)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[row["revision"]] = workflow
    return workflow


async def _status_refs(conn: Conn, raw: Any, errors: dict[str, str]) -> list[Status]:
    """Statuses of a definition: ids, names, or {"name", "category"} (created when the name is new)."""
    if not isinstance(raw, list) or not raw:
        errors["statuses"] = "a workflow needs at least one status"
        return []
    if len(raw) > MAX_STATUSES:
        errors["statuses"] = f"at most {MAX_STATUSES} statuses"
        return []
    known = await fetch_all(conn, sql.SELECT_ALL_STATUSES)
    by_id = {s["id"]: s for s in known}
    by_name = {s["name"].lower(): s for s in known}
    out: list[Status] = []
    for n, item in enumerate(raw):
        path = f"statuses[{n}]"
        category = None
        if isinstance(item, Mapping):
            if set(item) - {"id", "name", "category"}:
                errors[path] = 'must be an id, a name or {"name", "category"}'
                continue
            category = item.get("category")
            item = item.get("id", item.get("name"))
        row = None
        if isinstance(item, int) and not isinstance(item, bool):
            row = by_id.get(item)
            if row is None:
                errors[path] = f"status {item} does not exist"
                continue
        elif isinstance(item, str) and item.strip() and len(item) <= 255:
            row = by_name.get(item.strip().lower())
            if row is None:
                if category not in CATEGORIES:
                    errors[path] = (
                        f"status '{item}' does not exist: give a category ({', '.join(CATEGORIES)}) to create it"
                    )
                    continue
                row = await fetch_one(conn, sql.INSERT_STATUS, {"name": item.strip(), "category": category})
                assert row is not None
                by_id[row["id"]] = row
                by_name[row["name"].lower()] = row
        else:
            errors[path] = 'must be an id, a name or {"name", "category"}'
            continue
        if category is not None and category != row["category"]:
            errors[path] = f"status '{row['name']}' has the category {row['category']}, not {category}"
            continue
        if any(s.id == row["id"] for s in out):
            errors[path] = f"status '{row['name']}' appears twice"
            continue
        out.append(Status(row["id"], row["name"], row["category"]))
    return out


def _status_ref(ref: Any, statuses: list[Status], path: str, errors: dict[str, str]) -> int | None:
    if isinstance(ref, Mapping):
        ref = ref.get("id", ref.get("name"))
    for s in statuses:
        if (isinstance(ref, int) and not isinstance(ref, bool) and ref == s.id) or (
            isinstance(ref, str) and ref.strip().lower() == s.name.lower()
        ):
            return s.id
    errors[path] = f"'{ref}' is not a status of this workflow"
    return None


def _screen(raw: Any, path: str, errors: dict[str, str]) -> list[ScreenField]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 100:
        errors[path] = "must be a list of at most 100 fields"
        return []
    out: list[ScreenField] = []
    for n, item in enumerate(raw):
        if isinstance(item, str):
            item = {"field": item}
        if not isinstance(item, Mapping) or not isinstance(item.get("field"), str) or set(item) - {"field", "required"}:
            errors[f"{path}[{n}]"] = 'must be {"field": name, "required": bool}'
            continue
        if not isinstance(item.get("required", False), bool):
            errors[f"{path}[{n}].required"] = "must be true or false"
            continue
        if any(s.field == item["field"] for s in out):
            errors[f"{path}[{n}]"] = f"'{item['field']}' appears twice"
            continue
        out.append(ScreenField(item["field"], item.get("required", False)))
    return out


async def parse_definition(conn: Conn, data: Any, *, existing: Workflow | None = None) -> Workflow:
    """A workflow from an administrator's definition; every problem is reported at once, by path."""
    if not isinstance(data, Mapping):
        raise ValidationError("A workflow definition is an object", errors={"body": "must be an object"})
    errors: dict[str, str] = {}
    unknown = set(data) - {"name", "description", "statuses", "initial_status", "transitions", "status_mapping"}
    for key in sorted(unknown):
        errors[key] = "unknown property"
    name = data.get("name", existing.name if existing else None)
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 255:
        errors["name"] = "1-255 characters"
        name = ""
    description = data.get("description", existing.description if existing else "") or ""
    if not isinstance(description, str) or len(description) > 32767:
        errors["description"] = "text of at most 32767 characters"
        description = ""
    statuses = await _status_refs(conn, data.get("statuses"), errors)
    initial: int | None = None
    if data.get("initial_status") is None:
        errors["initial_status"] = "a workflow needs an initial status"
    elif statuses:
        initial = _status_ref(data["initial_status"], statuses, "initial_status", errors)
    raw_transitions = data.get("transitions") or []
    if not isinstance(raw_transitions, list) or len(raw_transitions) > MAX_TRANSITIONS:
        errors["transitions"] = f"must be a list of at most {MAX_TRANSITIONS}"
        raw_transitions = []
    known_ids = {t.id for t in existing.transitions} if existing else set()
    transitions: list[Transition] = []
    field_names: list[tuple[str, str]] = []
    set_names: list[tuple[str, str]] = []
    screen_names: list[tuple[str, str]] = []
    for n, t in enumerate(raw_transitions):
        path = f"transitions[{n}]"
        if not isinstance(t, Mapping):
            errors[path] = "must be an object"
            continue
        extra = set(t) - {
            "id", "name", "description", "from", "global", "to", "conditions", "validators", "post_functions",
            "screen", "auto_resolution",
        }  # fmt: skip
        for key in sorted(extra):
            errors[f"{path}.{key}"] = "unknown property"
        tid = t.get("id")
        if tid is not None and (not isinstance(tid, int) or isinstance(tid, bool) or tid not in known_ids):
            errors[f"{path}.id"] = f"{tid} is not a transition of this workflow (leave the id out for a new one)"
            tid = None
        if tid is not None and any(x.id == tid for x in transitions):
            errors[f"{path}.id"] = f"transition {tid} appears twice"
        tname = t.get("name")
        if not isinstance(tname, str) or not tname.strip() or len(tname.strip()) > 255:
            errors[f"{path}.name"] = "1-255 characters"
            tname = f"#{n}"
        is_global = t.get("global", False)
        if not isinstance(is_global, bool):
            errors[f"{path}.global"] = "must be true or false"
            is_global = False
        raw_from = t.get("from") or []
        if not isinstance(raw_from, list):
            errors[f"{path}.from"] = "must be a list of statuses"
            raw_from = []
        if not raw_from and not is_global:
            errors[f"{path}.from"] = "a transition starts from at least one status, or is global"
        from_ids = [
            sid
            for k, ref in enumerate(raw_from)
            if (sid := _status_ref(ref, statuses, f"{path}.from[{k}]", errors)) is not None
        ]
        to = _status_ref(t.get("to"), statuses, f"{path}.to", errors) if t.get("to") is not None else None
        if t.get("to") is None:
            errors[f"{path}.to"] = "a transition needs a target status"
        auto = t.get("auto_resolution", True)
        if not isinstance(auto, bool):
            errors[f"{path}.auto_resolution"] = "must be true or false"
            auto = True
        conditions = _rules("condition", t.get("conditions"), f"{path}.conditions", errors)
        validators = _rules("validator", t.get("validators"), f"{path}.validators", errors)
        post = _rules("post_function", t.get("post_functions"), f"{path}.post_functions", errors)
        screen = _screen(t.get("screen"), f"{path}.screen", errors)
        for family, rules in (("conditions", conditions), ("validators", validators)):
            for k, rule in enumerate(rules):
                field_names += [(f"{path}.{family}[{k}].field", f) for f in rule.referenced_fields()]
        for k, rule in enumerate(post):
            set_names += [(f"{path}.post_functions[{k}].field", f) for f in rule.referenced_fields()]
        screen_names += [(f"{path}.screen[{k}].field", s.field) for k, s in enumerate(screen)]
        if to is None:
            continue
        transitions.append(
            Transition(
                id=tid,
                name=tname.strip(),
                description=t.get("description") or "",
                to_status_id=to,
                from_status_ids=tuple(dict.fromkeys(from_ids)),
                is_global=is_global,
                conditions=tuple(c for c in conditions if isinstance(c, Condition)),
                validators=tuple(v for v in validators if isinstance(v, Validator)),
                post_functions=tuple(p for p in post if isinstance(p, PostFunction)),
                screen=tuple(screen),
                auto_resolution=auto,
                position=n + 1,
            )
        )
    errors.update(await fieldref.check_field_names(conn, field_names))
    errors.update(await fieldref.check_field_names(conn, set_names, settable=True))
    errors.update(await fieldref.check_field_names(conn, screen_names, screen=True))
    if errors:
        raise ValidationError(_title(errors), errors=errors)
    assert initial is not None
    workflow = Workflow(
        id=existing.id if existing else None,
        name=str(name).strip(),
        description=description,
        initial_status_id=initial,
        statuses=tuple(statuses),
        transitions=tuple(transitions),
        version=existing.version if existing else 1,
    )
    problems = check_graph(workflow)
    if problems:
        raise ValidationError(_title(problems), errors=problems)
    return workflow


def _title(errors: dict[str, str]) -> str:
    return f"Invalid workflow: {next(iter(errors.values()))}" if len(errors) == 1 else "Invalid workflow"


def check_graph(workflow: Workflow) -> dict[str, str]:
    """Structural problems: dangling transitions, names clashing in one status, unreachable statuses."""
    errors: dict[str, str] = {}
    ids = {s.id for s in workflow.statuses}
    if workflow.initial_status_id not in ids:
        errors["initial_status"] = "the initial status must be one of the workflow's statuses"
    for n, t in enumerate(workflow.transitions):
        dangling = [s for s in (t.to_status_id, *t.from_status_ids) if s not in ids]
        if dangling:
            errors[f"transitions[{n}]"] = f"transition '{t.name}' refers to statuses outside the workflow: {dangling}"
        if t.from_status_ids == (t.to_status_id,) and not t.is_global:
            errors[f"transitions[{n}].from"] = f"transition '{t.name}' only leads back to its own status"
    for status in workflow.statuses:
        seen: dict[str, str] = {}
        for t in workflow.transitions_from(status.id):
            key = t.name.lower()
            if key in seen:
                errors[f"transitions.{t.name}"] = (
                    f"two transitions called '{t.name}' start from '{status.name}': names must differ per status"
                )
            seen[key] = t.name
    reached = {workflow.initial_status_id}
    queue = deque([workflow.initial_status_id])
    while queue:
        current = queue.popleft()
        for t in workflow.transitions_from(current):
            if t.to_status_id not in reached:
                reached.add(t.to_status_id)
                queue.append(t.to_status_id)
    for status in workflow.statuses:
        if status.id not in reached:
            errors[f"statuses.{status.name}"] = (
                f"status '{status.name}' cannot be reached from '{workflow.status_name(workflow.initial_status_id)}'"
            )
    return errors


def _transition_params(workflow_id: int, t: Transition) -> dict[str, Any]:
    return {
        "id": workflow_id,
        "tid": t.id,
        "name": t.name,
        "description": t.description,
        "is_global": t.is_global,
        "from_ids": list(t.from_status_ids),
        "to": t.to_status_id,
        "position": t.position,
        "conditions": Jsonb([c.config() for c in t.conditions]),
        "validators": Jsonb([v.config() for v in t.validators]),
        "post_functions": Jsonb([p.config() for p in t.post_functions]),
        "screen": Jsonb([s.config() for s in t.screen]),
        "auto_resolution": t.auto_resolution,
    }


async def store_published(conn: Conn, workflow_id: int, workflow: Workflow, version: int) -> None:
    """Make `workflow` the published version `version` (transition ids are kept; new ones get ids)."""
    await conn.execute(
        sql.UPDATE_WORKFLOW,
        {
            "id": workflow_id,
            "name": workflow.name,
            "description": workflow.description,
            "initial": workflow.initial_status_id,
            "version": version,
        },
    )
    await conn.execute(sql.DELETE_WORKFLOW_STATUSES, {"id": workflow_id})
    await conn.execute(
        sql.INSERT_WORKFLOW_STATUSES, {"id": workflow_id, "status_ids": [s.id for s in workflow.statuses]}
    )
    await conn.execute(
        sql.DELETE_OTHER_TRANSITIONS, {"id": workflow_id, "keep": [t.id for t in workflow.transitions if t.id]}
    )
    for t in workflow.transitions:
        await conn.execute(sql.UPDATE_TRANSITION if t.id else sql.INSERT_TRANSITION, _transition_params(workflow_id, t))


async def insert_workflow(conn: Conn, workflow: Workflow) -> int:
    """Store a new workflow as version 1."""
    workflow_id = await fetch_val(
        conn,
        sql.INSERT_WORKFLOW,
        {"name": workflow.name, "description": workflow.description, "initial": workflow.initial_status_id},
    )
    await store_published(conn, workflow_id, workflow, 1)
    return int(workflow_id)
