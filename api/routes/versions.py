"""Versions (releases) under /api/v1/projects/{key}/versions and /api/v1/versions/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.routes.agile import agile_cache, cached_json
from api.schemas.agile import VersionCreate, VersionUpdate
from tracker.agile import versions
from tracker.agile.metadata import project_metadata_json
from tracker.db import Conn

router = APIRouter(prefix="/api/v1", tags=["versions"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/projects/{key}/agile", summary="Versions, components, boards and link types (cached with Redis)")
async def project_agile_metadata(key: str, conn: DB, actor: CurrentActor, request: Request) -> Response:
    body, state = await project_metadata_json(conn, actor, key, agile_cache(request))
    return cached_json(body, state)


@router.get("/projects/{key}/versions", summary="A project's versions in order")
async def list_versions(key: str, conn: DB, actor: CurrentActor, archived: Annotated[bool, Query()] = True) -> Response:
    rows = await versions.list_versions(conn, actor, key, archived=archived)
    return Json({"versions": [versions.version_view(r) for r in rows]})


@router.post("/projects/{key}/versions", status_code=201, summary="Add a version (ADMINISTER_PROJECTS)")
async def create_version(key: str, body: VersionCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await versions.do_create_version(conn, write.actor, key, **body.model_dump())
        return Json(versions.version_view(row), status_code=201, headers={"Location": f"/api/v1/versions/{row['id']}"})

    return await write(work)


@router.get("/versions/{version_id}", summary="One version")
async def get_version(version_id: Id, conn: DB, actor: CurrentActor) -> Response:
    return Json(versions.version_view(await versions.get_version(conn, actor, version_id)))


@router.patch("/versions/{version_id}", summary="Rename, re-date, release or archive a version")
async def update_version(version_id: Id, body: VersionUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await versions.do_update_version(conn, write.actor, version_id, body.model_dump(exclude_unset=True))
        return Json(versions.version_view(row))

    return await write(work)


@router.delete("/versions/{version_id}", status_code=204, summary="Delete a version (issues record the removal)")
async def delete_version(version_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await versions.do_delete_version(conn, write.actor, version_id)
        return Response(status_code=204)

    return await write(work)
