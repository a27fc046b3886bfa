"""Workflow administration (system administrators): workflows with drafts and publishing, and workflow
schemes mapping (project, issue type) to a workflow.

Editing a workflow no issue follows changes it at once (a new version). Editing one that issues follow saves a
draft (the next version); publishing it, with a status mapping for statuses that disappear, makes it the
published version and moves the affected issues, each move recorded like any other change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg.types.json import Jsonb

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import AlreadyExists, Conflict, NotFound, ValidationError
from tracker.permissions import require_global_permission
from tracker.workflows import repository as sql
from tracker.workflows.definitions import insert_workflow, load_workflow, parse_definition, store_published
from tracker.workflows.migration import move_stranded_issues, parse_status_mapping
from tracker.workflows.models import Workflow


async def _lock(conn: Conn, workflow_id: int) -> Workflow:
    if await fetch_one(conn, sql.LOCK_WORKFLOW, {"id": workflow_id}) is None:
        raise NotFound(f"Workflow {workflow_id} does not exist")
    return await load_workflow(conn, workflow_id)


async def _check_name(conn: Conn, name: str, workflow_id: int = 0) -> None:
    if await fetch_one(conn, sql.WORKFLOW_NAME_TAKEN, {"name": name, "id": workflow_id}) is not None:
        raise AlreadyExists(f"A workflow called '{name}' exists", errors={"name": "already taken"})


async def workflow_view(conn: Conn, workflow_id: int) -> dict[str, Any]:
    """The published definition, the draft (if any), whether issues follow it, and the schemes using it."""
    workflow = await load_workflow(conn, workflow_id)
    draft_row = await fetch_one(conn, sql.SELECT_DRAFT, {"id": workflow_id})
    draft = None
    if draft_row is not None:
        try:
            parsed = await parse_definition(conn, draft_row["definition"], existing=workflow)
            draft = parsed.view() | {"id": workflow_id, "version": draft_row["version"]}
        except ValidationError as exc:
            # e.g. a field its rules name was deleted since: show it as stored, with what publishing would refuse
            draft = {"version": draft_row["version"], "definition": draft_row["definition"], "problems": exc.errors}
    return workflow.view() | {
        "draft": draft,
        "in_use": bool(await fetch_val(conn, sql.WORKFLOW_IN_USE, {"id": workflow_id})),
        "schemes": [dict(r) for r in await fetch_all(conn, sql.WORKFLOW_SCHEMES_USING, {"id": workflow_id})],
        "versions": [
            {
                "version": r["version"],
                "state": r["state"],
                "created": r["created_at"].isoformat(),
                "published": r["published_at"].isoformat() if r["published_at"] else None,
            }
            for r in await fetch_all(conn, sql.SELECT_VERSIONS, {"id": workflow_id})
        ],
    }


async def list_workflows(conn: Conn, actor: Actor) -> list[dict[str, Any]]:
    """Every workflow, briefly."""
    require_global_permission(actor)
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "description": r["description"],
            "version": r["version"],
            "has_draft": r["has_draft"],
        }
        for r in await fetch_all(conn, sql.SELECT_WORKFLOWS)
    ]


async def get_workflow(conn: Conn, actor: Actor, workflow_id: int) -> dict[str, Any]:
    """One workflow in full."""
    require_global_permission(actor)
    if await fetch_one(conn, sql.SELECT_WORKFLOW, {"id": workflow_id}) is None:
        raise NotFound(f"Workflow {workflow_id} does not exist")
    return await workflow_view(conn, workflow_id)


async def do_create_workflow(conn: Conn, actor: Actor, data: Any) -> dict[str, Any]:
    """Create a workflow (validated: an initial status, no dangling transitions, every status reachable)."""
    require_global_permission(actor)
    workflow = await parse_definition(conn, data)
    await _check_name(conn, workflow.name)
    return await workflow_view(conn, await insert_workflow(conn, workflow))


async def do_update_workflow(conn: Conn, actor: Actor, workflow_id: int, data: Any) -> dict[str, Any]:
    """Replace a workflow's definition: at once when no issue follows it, else as a draft to publish."""
    require_global_permission(actor)
    current = await _lock(conn, workflow_id)
    workflow = await parse_definition(conn, data, existing=current)
    await _check_name(conn, workflow.name, workflow_id)
    if await fetch_val(conn, sql.WORKFLOW_IN_USE, {"id": workflow_id}):
        await conn.execute(
            sql.UPSERT_DRAFT,
            {
                "id": workflow_id,
                "version": current.version + 1,
                "definition": Jsonb(workflow.definition()),
                "actor_id": actor.id,
            },
        )
        return await workflow_view(conn, workflow_id)
    await _publish(conn, actor, workflow_id, current, workflow, {})
    return await workflow_view(conn, workflow_id)


async def _publish(
    conn: Conn, actor: Actor, workflow_id: int, current: Workflow, workflow: Workflow, mapping: Mapping[int, int]
) -> int:
    await conn.execute(
        sql.ARCHIVE_VERSION,
        {
            "id": workflow_id,
            "version": current.version,
            "definition": Jsonb(current.definition()),
            "actor_id": actor.id,
        },
    )
    await conn.execute(sql.DELETE_DRAFT, {"id": workflow_id})
    await store_published(conn, workflow_id, workflow, current.version + 1)
    projects = [r["id"] for r in await fetch_all(conn, sql.PROJECTS_USING_WORKFLOW, {"id": workflow_id})]
    return await move_stranded_issues(conn, actor, mapping, project_ids=projects) if projects else 0


async def do_publish_workflow(conn: Conn, actor: Actor, workflow_id: int, status_mapping: Any) -> dict[str, Any]:
    """Publish the draft; issues in statuses it drops move as `status_mapping` says (all or nothing)."""
    require_global_permission(actor)
    current = await _lock(conn, workflow_id)
    draft = await fetch_one(conn, sql.SELECT_DRAFT, {"id": workflow_id})
    if draft is None:
        raise Conflict(f"Workflow {workflow_id} has no draft to publish", errors={"draft": "edit the workflow first"})
    workflow = await parse_definition(conn, draft["definition"], existing=current)
    await _check_name(conn, workflow.name, workflow_id)
    mapping = await parse_status_mapping(conn, status_mapping)
    moved = await _publish(conn, actor, workflow_id, current, workflow, mapping)
    return await workflow_view(conn, workflow_id) | {"moved_issues": moved}


async def do_discard_draft(conn: Conn, actor: Actor, workflow_id: int) -> None:
    """Throw the draft away."""
    require_global_permission(actor)
    await _lock(conn, workflow_id)
    if await fetch_one(conn, sql.DELETE_DRAFT, {"id": workflow_id}) is None:
        raise NotFound(f"Workflow {workflow_id} has no draft")


async def do_delete_workflow(conn: Conn, actor: Actor, workflow_id: int) -> None:
    """Delete a workflow no scheme uses."""
    require_global_permission(actor)
    await _lock(conn, workflow_id)
    schemes = await fetch_all(conn, sql.WORKFLOW_SCHEMES_USING, {"id": workflow_id})
    if schemes:
        names = ", ".join(f"'{s['name']}'" for s in schemes)
        raise Conflict(f"Workflow {workflow_id} is used by the workflow schemes {names}")
    await conn.execute(sql.DELETE_WORKFLOW, {"id": workflow_id})


# --- workflow schemes ----------------------------------------------------------------------------


async def scheme_view(conn: Conn, scheme_id: int) -> dict[str, Any]:
    row = await fetch_one(conn, sql.SELECT_SCHEME, {"id": scheme_id})
    if row is None:
        raise NotFound(f"Workflow scheme {scheme_id} does not exist")
    names = {r["id"]: r["name"] for r in await fetch_all(conn, sql.SELECT_WORKFLOWS)}
    types = {r["id"]: r["name"] for r in await fetch_all(conn, "SELECT id, name FROM issue_types")}
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "default_workflow": {"id": row["default_workflow_id"], "name": names.get(row["default_workflow_id"])},
        "mappings": [
            {"issue_type": types.get(int(t), t), "workflow": {"id": w, "name": names.get(w)}}
            for t, w in sorted(row["mappings"].items())
        ],
        "projects": list(row["projects"]),
    }


async def list_schemes(conn: Conn, actor: Actor) -> list[dict[str, Any]]:
    require_global_permission(actor)
    return [
        await scheme_view(conn, r["id"]) for r in await fetch_all(conn, "SELECT id FROM workflow_schemes ORDER BY id")
    ]


async def get_scheme(conn: Conn, actor: Actor, scheme_id: int) -> dict[str, Any]:
    require_global_permission(actor)
    return await scheme_view(conn, scheme_id)


async def _scheme_data(conn: Conn, data: Any, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError("A workflow scheme is an object", errors={"body": "must be an object"})
    unknown = set(data) - {"name", "description", "default_workflow", "mappings", "status_mapping"}
    if unknown:
        raise ValidationError("Unknown property", errors={k: "unknown property" for k in sorted(unknown)})
    name = data.get("name", current["name"] if current else None)
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise ValidationError("Invalid name", errors={"name": "1-255 characters"})
    default = data.get("default_workflow", current["default_workflow_id"] if current else None)
    workflows = {r["id"] for r in await fetch_all(conn, "SELECT id FROM workflows")}
    if default not in workflows:
        raise ValidationError("Unknown workflow", errors={"default_workflow": f"workflow {default} does not exist"})
    raw_mappings = data.get("mappings", current["mappings"] if current else {}) or {}
    if not isinstance(raw_mappings, Mapping):
        raise ValidationError("Invalid mappings", errors={"mappings": '{"issue type": workflow id}'})
    types = {r["name"].lower(): r["id"] for r in await fetch_all(conn, "SELECT id, name FROM issue_types")}
    type_ids = set(types.values())
    mappings: dict[int, int] = {}
    for type_ref, workflow_id in raw_mappings.items():
        type_id = types.get(str(type_ref).lower()) or (int(type_ref) if str(type_ref).isdigit() else None)
        if type_id not in type_ids:
            raise ValidationError("Unknown issue type", errors={f"mappings.{type_ref}": "no such issue type"})
        if workflow_id not in workflows:
            raise ValidationError(
                "Unknown workflow", errors={f"mappings.{type_ref}": f"workflow {workflow_id} does not exist"}
            )
        assert type_id is not None
        mappings[type_id] = workflow_id
    return {
        "name": name.strip(),
        "description": data.get("description", current["description"] if current else "") or "",
        "default": default,
        "mappings": mappings,
    }


async def _write_mappings(conn: Conn, scheme_id: int, mappings: Mapping[int, int]) -> None:
    await conn.execute(sql.DELETE_SCHEME_MAPPINGS, {"id": scheme_id})
    for type_id, workflow_id in mappings.items():
        await conn.execute(sql.INSERT_SCHEME_MAPPING, {"id": scheme_id, "type_id": type_id, "wf": workflow_id})


async def do_create_scheme(conn: Conn, actor: Actor, data: Any) -> dict[str, Any]:
    """Create a workflow scheme: a default workflow and per-issue-type exceptions."""
    require_global_permission(actor)
    values = await _scheme_data(conn, data)
    if await fetch_one(conn, sql.SCHEME_NAME_TAKEN, {"name": values["name"], "id": 0}):
        raise AlreadyExists(f"A workflow scheme called '{values['name']}' exists", errors={"name": "already taken"})
    scheme_id = await fetch_val(conn, sql.INSERT_SCHEME, values)
    await _write_mappings(conn, scheme_id, values["mappings"])
    return await scheme_view(conn, scheme_id)


async def do_update_scheme(conn: Conn, actor: Actor, scheme_id: int, data: Any) -> dict[str, Any]:
    """Change a scheme; issues of its projects left in statuses their new workflow lacks move per `status_mapping`."""
    require_global_permission(actor)
    if await fetch_one(conn, sql.LOCK_SCHEME, {"id": scheme_id}) is None:
        raise NotFound(f"Workflow scheme {scheme_id} does not exist")
    current = await fetch_one(conn, sql.SELECT_SCHEME, {"id": scheme_id})
    assert current is not None
    current = dict(current) | {"mappings": {int(k): v for k, v in current["mappings"].items()}}
    values = await _scheme_data(conn, data, current)
    if await fetch_one(conn, sql.SCHEME_NAME_TAKEN, {"name": values["name"], "id": scheme_id}):
        raise AlreadyExists(f"A workflow scheme called '{values['name']}' exists", errors={"name": "already taken"})
    mapping = await parse_status_mapping(conn, data.get("status_mapping"))
    await conn.execute(sql.UPDATE_SCHEME, values | {"id": scheme_id})
    await _write_mappings(conn, scheme_id, values["mappings"])
    await conn.execute(sql.SYNC_PROJECT_WORKFLOW, {"scheme_id": scheme_id, "project_id": None})
    projects = [r["id"] for r in await fetch_all(conn, sql.SCHEME_PROJECT_IDS, {"id": scheme_id})]
    moved = await move_stranded_issues(conn, actor, mapping, project_ids=projects) if projects else 0
    return await scheme_view(conn, scheme_id) | {"moved_issues": moved}


async def do_delete_scheme(conn: Conn, actor: Actor, scheme_id: int) -> None:
    """Delete a scheme no project uses."""
    require_global_permission(actor)
    if await fetch_one(conn, sql.LOCK_SCHEME, {"id": scheme_id}) is None:
        raise NotFound(f"Workflow scheme {scheme_id} does not exist")
    if await fetch_all(conn, sql.SCHEME_PROJECT_IDS, {"id": scheme_id}):
        raise Conflict(f"Projects use workflow scheme {scheme_id}; give them another scheme first")
    await conn.execute(sql.DELETE_SCHEME, {"id": scheme_id})


async def do_set_project_scheme(
    conn: Conn, actor: Actor, project_key: str, scheme_id: Any, status_mapping: Any = None
) -> dict[str, Any]:
    """Make a project use a workflow scheme; its issues in statuses the new workflows lack move per the mapping."""
    require_global_permission(actor)
    project = await fetch_one(conn, "SELECT id FROM projects WHERE key = %(k)s FOR UPDATE", {"k": project_key})
    if project is None:
        raise NotFound(f"No project could be found with key '{project_key}'.")
    if not isinstance(scheme_id, int) or await fetch_one(conn, sql.SELECT_SCHEME, {"id": scheme_id}) is None:
        raise ValidationError("Unknown workflow scheme", errors={"scheme": f"{scheme_id} does not exist"})
    mapping = await parse_status_mapping(conn, status_mapping)
    await conn.execute(sql.SET_PROJECT_SCHEME, {"scheme_id": scheme_id, "project_id": project["id"]})
    await conn.execute(sql.SYNC_PROJECT_WORKFLOW, {"scheme_id": None, "project_id": project["id"]})
    moved = await move_stranded_issues(conn, actor, mapping, project_ids=[project["id"]])
    return await scheme_view(conn, scheme_id) | {"moved_issues": moved}
