"""Projects and global issue metadata under /api/v1."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.schemas.projects import ProjectCreate, ProjectUpdate
from tracker.db import Conn
from tracker.projects import actions

router = APIRouter(prefix="/api/v1", tags=["projects"])


async def project_view(conn: Conn, row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "key": row["key"],
        "name": row["name"],
        "description": row["description"],
        "lead": {"username": row["lead_username"], "display_name": row["lead_display_name"]},
        "issue_types": [
            {"id": t["id"], "name": t["name"], "subtask": t["subtask"]}
            for t in await actions.project_issue_types(conn, row["id"])
        ],
        "statuses": [dict(s) for s in await actions.project_statuses(conn, row["id"])],
        "workflow_scheme": row["workflow_scheme_id"],
        "permission_scheme": row["permission_scheme_id"],
        "created": row["created_at"].isoformat(),
    }


@router.get("/projects", summary="Projects the caller may browse")
async def list_projects(conn: DB, actor: CurrentActor) -> Response:
    return Json(
        [
            {
                "id": p["id"],
                "key": p["key"],
                "name": p["name"],
                "lead": {"username": p["lead_username"], "display_name": p["lead_display_name"]},
            }
            for p in await actions.list_projects(conn, actor)
        ]
    )


@router.post("/projects", status_code=201, summary="Create a project (admins)")
async def create_project(body: ProjectCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await actions.do_create_project(conn, write.actor, **body.model_dump())
        return Json(
            await project_view(conn, row), status_code=201, headers={"Location": f"/api/v1/projects/{row['key']}"}
        )

    return await write(work)


@router.get("/projects/{key}", summary="One project with its issue types and statuses")
async def get_project(key: str, conn: DB, actor: CurrentActor) -> Response:
    return Json(await project_view(conn, await actions.get_project(conn, actor, key)))


@router.patch("/projects/{key}", summary="Change a project's name, description or lead")
async def update_project(key: str, body: ProjectUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await actions.do_update_project(conn, write.actor, key, body.model_dump(exclude_unset=True))
        return Json(await project_view(conn, row))

    return await write(work)


@router.get("/issuetypes", summary="All issue types")
async def issue_types(conn: DB, actor: CurrentActor) -> Response:
    return Json((await actions.metadata(conn))["issue_types"])


@router.get("/priorities", summary="All priorities")
async def priorities(conn: DB, actor: CurrentActor) -> Response:
    return Json((await actions.metadata(conn))["priorities"])


@router.get("/statuses", summary="All statuses")
async def statuses(conn: DB, actor: CurrentActor) -> Response:
    return Json((await actions.metadata(conn))["statuses"])


@router.get("/resolutions", summary="All resolutions")
async def resolutions(conn: DB, actor: CurrentActor) -> Response:
    return Json((await actions.metadata(conn))["resolutions"])
