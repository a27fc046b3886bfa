"""Custom fields, their options and contexts, and a project's fields, under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.schemas.fields import Contexts, FieldCreate, FieldUpdate, OptionCreate, OptionUpdate
from tracker.accounts.models import Actor
from tracker.db import Conn
from tracker.fields import actions
from tracker.fields.models import FieldDefinition
from tracker.permissions import is_system_admin

router = APIRouter(prefix="/api/v1", tags=["fields"])
OptionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


async def _view(conn: Conn, actor: Actor, definition: FieldDefinition) -> dict[str, object]:
    if not is_system_admin(actor):
        return actions.field_view(definition)
    projects, types = await actions.context_names(conn, [definition])
    return actions.field_view(definition, projects=projects, types=types)


@router.get("/fieldtypes", summary="Custom field types")
async def field_types(actor: CurrentActor) -> Response:
    return Json(actions.field_type_views())


@router.get("/fields", summary="Every custom field (contexts shown to administrators)")
async def list_fields(conn: DB, actor: CurrentActor) -> Response:
    fields = await actions.list_fields(conn)
    if not is_system_admin(actor):
        return Json([actions.field_view(f) for f in fields])
    projects, types = await actions.context_names(conn, fields)
    return Json([actions.field_view(f, projects=projects, types=types) for f in fields])


@router.post("/fields", status_code=201, summary="Create a custom field (administrators)")
async def create_field(body: FieldCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        definition = await actions.do_create_field(conn, write.actor, body.model_dump(exclude_unset=True))
        return Json(
            await _view(conn, write.actor, definition),
            status_code=201,
            headers={"Location": f"/api/v1/fields/{definition.key}"},
        )

    return await write(work)


@router.get("/fields/{field_id}", summary="One custom field, by customfield_N or N")
async def get_field(field_id: str, conn: DB, actor: CurrentActor) -> Response:
    return Json(await _view(conn, actor, await actions.get_field(conn, field_id)))


@router.patch("/fields/{field_id}", summary="Change a custom field (its type is fixed)")
async def update_field(field_id: str, body: FieldUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        definition = await actions.do_update_field(conn, write.actor, field_id, body.model_dump(exclude_unset=True))
        return Json(await _view(conn, write.actor, definition))

    return await write(work)


@router.delete("/fields/{field_id}", status_code=204, summary="Delete a custom field (its history stays)")
async def delete_field(field_id: str, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await actions.do_delete_field(conn, write.actor, field_id)
        return Response(status_code=204)

    return await write(work)


@router.put("/fields/{field_id}/contexts", summary="Replace where a custom field applies")
async def set_contexts(field_id: str, body: Contexts, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        definition = await actions.do_set_contexts(conn, write.actor, field_id, body.contexts)
        return Json(await _view(conn, write.actor, definition))

    return await write(work)


@router.post("/fields/{field_id}/options", status_code=201, summary="Add an option to a select field")
async def add_option(field_id: str, body: OptionCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        definition = await actions.do_add_option(conn, write.actor, field_id, body.model_dump())
        return Json(await _view(conn, write.actor, definition), status_code=201)

    return await write(work)


@router.patch("/fields/{field_id}/options/{option_id}", summary="Rename, move or disable an option")
async def update_option(field_id: str, option_id: OptionId, body: OptionUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        definition = await actions.do_update_option(
            conn, write.actor, field_id, option_id, body.model_dump(exclude_unset=True)
        )
        return Json(await _view(conn, write.actor, definition))

    return await write(work)


@router.delete("/fields/{field_id}/options/{option_id}", summary="Delete an option no issue uses")
async def delete_option(field_id: str, option_id: OptionId, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        definition = await actions.do_delete_option(conn, write.actor, field_id, option_id)
        return Json(await _view(conn, write.actor, definition))

    return await write(work)


@router.get("/projects/{key}/fields", summary="The fields of a project's issues, by issue type")
async def project_fields(key: str, conn: DB, actor: CurrentActor) -> Response:
    return Json(await actions.project_fields(conn, actor, key))
