"""Components under /api/v1/projects/{key}/components and /api/v1/components/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.schemas.agile import ComponentCreate, ComponentUpdate
from tracker.agile import components
from tracker.db import Conn

router = APIRouter(prefix="/api/v1", tags=["components"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/projects/{key}/components", summary="A project's components")
async def list_components(key: str, conn: DB, actor: CurrentActor) -> Response:
    rows = await components.list_components(conn, actor, key)
    return Json({"components": [components.component_view(r) for r in rows]})


@router.post("/projects/{key}/components", status_code=201, summary="Add a component (ADMINISTER_PROJECTS)")
async def create_component(key: str, body: ComponentCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await components.do_create_component(conn, write.actor, key, **body.model_dump())
        return Json(
            components.component_view(row), status_code=201, headers={"Location": f"/api/v1/components/{row['id']}"}
        )

    return await write(work)


@router.get("/components/{component_id}", summary="One component")
async def get_component(component_id: Id, conn: DB, actor: CurrentActor) -> Response:
    return Json(components.component_view(await components.get_component(conn, actor, component_id)))


@router.patch("/components/{component_id}", summary="Change a component's name, lead or default assignee")
async def update_component(component_id: Id, body: ComponentUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await components.do_update_component(conn, write.actor, component_id, body.model_dump(exclude_unset=True))
        return Json(components.component_view(row))

    return await write(work)


@router.delete("/components/{component_id}", status_code=204, summary="Delete a component")
async def delete_component(component_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await components.do_delete_component(conn, write.actor, component_id)
        return Response(status_code=204)

    return await write(work)
