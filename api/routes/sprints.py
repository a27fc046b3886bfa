"""Sprints under /api/v1/sprints (lifecycle and membership) and the backlog under /api/v1/backlog."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.schemas.agile import IssuesBody, SprintComplete, SprintCreate, SprintStart, SprintUpdate
from tracker.agile import sprints
from tracker.db import Conn

router = APIRouter(prefix="/api/v1", tags=["sprints"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _moved(rows: list[Any]) -> dict[str, Any]:
    return {"issues": [{"key": r["key"], "version": r["version"]} for r in rows]}


@router.post("/sprints", status_code=201, summary="Create a future sprint on a Scrum board")
async def create_sprint(body: SprintCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await sprints.do_create_sprint(
            conn,
            write.actor,
            body.board_id,
            name=body.name,
            goal=body.goal,
            start_date=body.start_date,
            end_date=body.end_date,
        )
        return Json(sprints.sprint_view(row), status_code=201, headers={"Location": f"/api/v1/sprints/{row['id']}"})

    return await write(work)


@router.get("/sprints/{sprint_id}", summary="One sprint")
async def get_sprint(sprint_id: Id, conn: DB, actor: CurrentActor) -> Response:
    return Json(sprints.sprint_view(await sprints.get_sprint(conn, actor, sprint_id)))


@router.patch("/sprints/{sprint_id}", summary="Rename a sprint or change its goal or dates")
async def update_sprint(sprint_id: Id, body: SprintUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await sprints.do_update_sprint(conn, write.actor, sprint_id, body.model_dump(exclude_unset=True))
        return Json(sprints.sprint_view(row))

    return await write(work)


@router.delete("/sprints/{sprint_id}", status_code=204, summary="Delete a future sprint (issues go to the backlog)")
async def delete_sprint(sprint_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await sprints.do_delete_sprint(conn, write.actor, sprint_id)
        return Response(status_code=204)

    return await write(work)


@router.post("/sprints/{sprint_id}/start", summary="Start a future sprint")
async def start_sprint(sprint_id: Id, body: SprintStart, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await sprints.do_start_sprint(
            conn, write.actor, sprint_id, start_date=body.start_date, end_date=body.end_date
        )
        return Json(sprints.sprint_view(row))

    return await write(work)


@router.post("/sprints/{sprint_id}/complete", summary="Complete the active sprint; unfinished issues move on")
async def complete_sprint(sprint_id: Id, body: SprintComplete, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await sprints.do_complete_sprint(conn, write.actor, sprint_id, move_to=body.move_to))

    return await write(work)


@router.get("/sprints/{sprint_id}/issues", summary="The issues of a sprint, ranked")
async def sprint_issues(sprint_id: Id, conn: DB, actor: CurrentActor) -> Response:
    sprint, cards = await sprints.sprint_issues(conn, actor, sprint_id)
    return Json({"sprint": sprints.sprint_view(sprint), "issues": cards})


@router.post("/sprints/{sprint_id}/issues", summary="Move issues (with their sub-tasks) into a sprint")
async def move_to_sprint(sprint_id: Id, body: IssuesBody, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(_moved(await sprints.do_move_to_sprint(conn, write.actor, sprint_id, body.issues)))

    return await write(work)


@router.post("/backlog/issues", summary="Move issues (with their sub-tasks) out of their open sprint")
async def move_to_backlog(body: IssuesBody, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(_moved(await sprints.do_move_to_backlog(conn, write.actor, body.issues)))

    return await write(work)
