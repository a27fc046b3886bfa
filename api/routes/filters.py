"""Saved filters under /api/v1/filters: named JQL, owned by a user, optionally shared."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.schemas.agile import FilterCreate, FilterUpdate
from tracker.agile import filters
from tracker.db import Conn

router = APIRouter(prefix="/api/v1/filters", tags=["filters"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("", summary="The caller's filters and the shared ones")
async def list_filters(conn: DB, actor: CurrentActor, mine: Annotated[bool, Query()] = False) -> Response:
    return Json({"filters": [filters.filter_view(r) for r in await filters.list_filters(conn, actor, mine=mine)]})


@router.post("", status_code=201, summary="Save a filter")
async def create_filter(body: FilterCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await filters.do_create_filter(conn, write.actor, **body.model_dump())
        return Json(filters.filter_view(row), status_code=201, headers={"Location": f"/api/v1/filters/{row['id']}"})

    return await write(work)


@router.get("/{filter_id}", summary="One filter")
async def get_filter(filter_id: Id, conn: DB, actor: CurrentActor) -> Response:
    return Json(filters.filter_view(await filters.get_filter(conn, actor, filter_id)))


@router.patch("/{filter_id}", summary="Change a filter (its owner)")
async def update_filter(filter_id: Id, body: FilterUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await filters.do_update_filter(conn, write.actor, filter_id, body.model_dump(exclude_unset=True))
        return Json(filters.filter_view(row))

    return await write(work)


@router.delete("/{filter_id}", status_code=204, summary="Delete a filter no board uses")
async def delete_filter(filter_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await filters.do_delete_filter(conn, write.actor, filter_id)
        return Response(status_code=204)

    return await write(work)
