"""Boards under /api/v1/boards: configuration, quick filters, the board view and the backlog."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.routes.agile import agile_cache, cached_json
from api.schemas.agile import BoardCreate, BoardUpdate, ColumnsUpdate, QuickFilterCreate, QuickFilterUpdate
from tracker.agile import boards, sprints
from tracker.agile.board_view import backlog_json, board_view_json
from tracker.db import Conn

router = APIRouter(prefix="/api/v1/boards", tags=["boards"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
QuickFilterIds = Annotated[list[int], Query(alias="quickFilter", description="quick filter ids, ANDed")]


@router.get("", summary="Boards in projects the caller may see")
async def list_boards(
    conn: DB,
    actor: CurrentActor,
    project: Annotated[str | None, Query(description="project key")] = None,
    type: Annotated[str | None, Query(pattern="^(scrum|kanban)$")] = None,
) -> Response:
    rows = await boards.list_boards(conn, actor, project_key=project, board_type=type)
    return Json({"boards": [boards.board_view(r) for r in rows]})


@router.post("", status_code=201, summary="Create a board (ADMINISTER_PROJECTS in its project)")
async def create_board(body: BoardCreate, write: Write) -> Response:
    data = body.model_dump(exclude_unset=True)
    if body.columns is not None:
        data["columns"] = [c.model_dump() for c in body.columns]

    async def work(conn: Conn) -> Response:
        config = await boards.do_create_board(conn, write.actor, **data)
        return Json(config, status_code=201, headers={"Location": f"/api/v1/boards/{config['id']}"})

    return await write(work)


@router.get("/{board_id}", summary="A board with its columns and quick filters")
async def get_board(board_id: Id, conn: DB, actor: CurrentActor) -> Response:
    return Json(await boards.board_config(conn, await boards.get_board(conn, actor, board_id)))


@router.patch("/{board_id}", summary="Rename a board or change its filter, estimation, swimlanes, done age")
async def update_board(board_id: Id, body: BoardUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json(await boards.do_update_board(conn, write.actor, board_id, body.model_dump(exclude_unset=True)))

    return await write(work)


@router.delete("/{board_id}", status_code=204, summary="Delete a board (its sprints stay in issue history)")
async def delete_board(board_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await boards.do_delete_board(conn, write.actor, board_id)
        return Response(status_code=204)

    return await write(work)


@router.put("/{board_id}/columns", summary="Replace the columns: ordered, statuses, min/max WIP")
async def configure_columns(board_id: Id, body: ColumnsUpdate, write: Write) -> Response:
    columns = [c.model_dump() for c in body.columns]

    async def work(conn: Conn) -> Response:
        return Json(await boards.do_configure_columns(conn, write.actor, board_id, columns))

    return await write(work)


@router.get("/{board_id}/quickfilters", summary="The board's quick filters")
async def list_quick_filters(board_id: Id, conn: DB, actor: CurrentActor) -> Response:
    board = await boards.get_board(conn, actor, board_id)
    return Json({"quick_filters": [boards.quick_filter_view(q) for q in await boards.quick_filters(conn, board["id"])]})


@router.post("/{board_id}/quickfilters", status_code=201, summary="Add a quick filter")
async def add_quick_filter(board_id: Id, body: QuickFilterCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await boards.do_add_quick_filter(
            conn, write.actor, board_id, name=body.name, jql=body.jql, description=body.description or ""
        )
        return Json(boards.quick_filter_view(row), status_code=201)

    return await write(work)


@router.patch("/{board_id}/quickfilters/{quick_id}", summary="Change a quick filter")
async def update_quick_filter(board_id: Id, quick_id: Id, body: QuickFilterUpdate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await boards.do_update_quick_filter(
            conn, write.actor, board_id, quick_id, body.model_dump(exclude_unset=True)
        )
        return Json(boards.quick_filter_view(row))

    return await write(work)


@router.delete("/{board_id}/quickfilters/{quick_id}", status_code=204, summary="Remove a quick filter")
async def delete_quick_filter(board_id: Id, quick_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await boards.do_delete_quick_filter(conn, write.actor, board_id, quick_id)
        return Response(status_code=204)

    return await write(work)


@router.get("/{board_id}/view", summary="Columns with ranked cards, WIP, swimlanes (cached with Redis)")
async def view_board(
    board_id: Id,
    conn: DB,
    actor: CurrentActor,
    request: Request,
    quick_filter: QuickFilterIds = [],  # noqa: B006  (FastAPI copies defaults)
    sprint: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="a sprint of the board")] = None,
) -> Response:
    body, state = await board_view_json(
        conn, actor, board_id, quick_filter_ids=quick_filter, sprint_id=sprint, cache=agile_cache(request)
    )
    return cached_json(body, state)


@router.get("/{board_id}/backlog", summary="A Scrum board's open sprints and backlog (cached with Redis)")
async def view_backlog(
    board_id: Id,
    conn: DB,
    actor: CurrentActor,
    request: Request,
    quick_filter: QuickFilterIds = [],  # noqa: B006
) -> Response:
    body, state = await backlog_json(conn, actor, board_id, quick_filter_ids=quick_filter, cache=agile_cache(request))
    return cached_json(body, state)


@router.get("/{board_id}/sprints", summary="The board's sprints, oldest first")
async def list_sprints(
    board_id: Id,
    conn: DB,
    actor: CurrentActor,
    state: Annotated[list[str] | None, Query(description="future, active, closed")] = None,
) -> Response:
    rows = await sprints.list_sprints(conn, actor, board_id, state)
    return Json({"sprints": [sprints.sprint_view(r) for r in rows]})
