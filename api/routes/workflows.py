"""Workflows, workflow schemes and the scheme a project uses, under /api/v1 (system administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.schemas.workflows import ProjectWorkflowScheme, StatusMappingBody, WorkflowBody, WorkflowSchemeBody
from tracker.db import Conn
from tracker.workflows import admin
from tracker.workflows.rules.base import FAMILIES, kinds

router = APIRouter(prefix="/api/v1", tags=["workflows"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/workflows", summary="Every workflow")
async def list_workflows(conn: DB, actor: CurrentActor) -> Response:
    return Json(await admin.list_workflows(conn, actor))


@router.post("/workflows", status_code=201, summary="Create a workflow")
async def create_workflow(body: WorkflowBody, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        view = await admin.do_create_workflow(conn, write.actor, body.model_dump(exclude_unset=True))
        return Json(view, status_code=201, headers={"Location": f"/api/v1/workflows/{view['id']}"})

    return await write(work)


@router.get("/workflows/rules", summary="The condition, validator and post-function kinds workflows may use")
async def rule_kinds(actor: CurrentActor) -> Response:
    return Json(
        {
            family: [
                {"type": kind, "description": (cls.__doc__ or "").strip(), "settings": cls.model_json_schema()}
                for kind, cls in sorted(kinds(family).items())
            ]
            for family in FAMILIES
        }
    )


@router.get("/workflows/{workflow_id}", summary="A workflow with its draft, versions and schemes")
async def get_workflow(workflow_id: Id, conn: DB, actor: CurrentActor) -> Response:
    return Json(await admin.get_workflow(conn, actor, workflow_id))


@router.put("/workflows/{workflow_id}", summary="Replace a workflow (a draft when issues follow it)")
async def update_workflow(workflow_id: Id, body: WorkflowBody, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await admin.do_update_workflow(conn, write.actor, workflow_id, body.model_dump(exclude_unset=True)))

    return await write(work)


@router.delete("/workflows/{workflow_id}", status_code=204, summary="Delete a workflow no scheme uses")
async def delete_workflow(workflow_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await admin.do_delete_workflow(conn, write.actor, workflow_id)
        return Response(status_code=204)

    return await write(work)


@router.post("/workflows/{workflow_id}/publish", summary="Publish the draft, moving issues per the status mapping")
async def publish_workflow(workflow_id: Id, body: StatusMappingBody, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await admin.do_publish_workflow(conn, write.actor, workflow_id, body.status_mapping))

    return await write(work)


@router.delete("/workflows/{workflow_id}/draft", status_code=204, summary="Discard the draft")
async def discard_draft(workflow_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await admin.do_discard_draft(conn, write.actor, workflow_id)
        return Response(status_code=204)

    return await write(work)


@router.get("/workflowschemes", summary="Every workflow scheme")
async def list_schemes(conn: DB, actor: CurrentActor) -> Response:
    return Json(await admin.list_schemes(conn, actor))


@router.post("/workflowschemes", status_code=201, summary="Create a workflow scheme")
async def create_scheme(body: WorkflowSchemeBody, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        view = await admin.do_create_scheme(conn, write.actor, body.model_dump(exclude_unset=True))
        return Json(view, status_code=201, headers={"Location": f"/api/v1/workflowschemes/{view['id']}"})

    return await write(work)


@router.get("/workflowschemes/{scheme_id}", summary="A workflow scheme")
async def get_scheme(scheme_id: Id, conn: DB, actor: CurrentActor) -> Response:
    return Json(await admin.get_scheme(conn, actor, scheme_id))


@router.put("/workflowschemes/{scheme_id}", summary="Change a workflow scheme (with a status mapping if needed)")
async def update_scheme(scheme_id: Id, body: WorkflowSchemeBody, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await admin.do_update_scheme(conn, write.actor, scheme_id, body.model_dump(exclude_unset=True)))

    return await write(work)


@router.delete("/workflowschemes/{scheme_id}", status_code=204, summary="Delete a workflow scheme no project uses")
async def delete_scheme(scheme_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await admin.do_delete_scheme(conn, write.actor, scheme_id)
        return Response(status_code=204)

    return await write(work)


@router.put("/projects/{key}/workflowscheme", summary="Make a project use a workflow scheme")
async def set_project_scheme(key: str, body: ProjectWorkflowScheme, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await admin.do_set_project_scheme(conn, write.actor, key, body.scheme, body.status_mapping))

    return await write(work)
