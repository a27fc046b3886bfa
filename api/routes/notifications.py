"""Notifications of the caller under /api/v1/notifications, and watchers under /api/v1/issues/{key}/watchers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write
from api.responses import Json
from api.schemas.pipeline import MarkRead, WatcherBody
from tracker import watchers
from tracker.db import Conn
from tracker.notifications import actions
from tracker.notifications.actions import notification_view

router = APIRouter(prefix="/api/v1", tags=["notifications"])
NotificationId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/notifications", summary="The caller's notifications, latest first")
async def list_notifications(
    conn: DB,
    actor: CurrentActor,
    unread: bool = False,
    start_at: Annotated[int, Query(alias="startAt", ge=0, le=1_000_000)] = 0,
    max_results: Annotated[int, Query(alias="maxResults", ge=1, le=1000)] = 50,
) -> Response:
    counts, rows = await actions.list_notifications(
        conn, actor, unread_only=unread, start_at=start_at, max_results=max_results
    )
    return Json(
        {
            "startAt": start_at,
            "maxResults": max_results,
            **counts,
            "notifications": [notification_view(r) for r in rows],
        }
    )


@router.post("/notifications/read", summary="Mark notifications read: {'ids': [...]} or {'all': true}")
async def mark_read(body: MarkRead, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json({"marked": await actions.do_mark_read(conn, write.actor, None if body.all else body.ids)})

    return await write(work)


@router.post("/notifications/{notification_id}/read", summary="Mark one notification read")
async def mark_one_read(notification_id: NotificationId, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        return Json({"marked": await actions.do_mark_read(conn, write.actor, [notification_id])})

    return await write(work)


@router.get("/issues/{ref}/watchers", summary="Who watches an issue")
async def list_watchers(ref: str, conn: DB, actor: CurrentActor) -> Response:
    issue, rows = await watchers.list_watchers(conn, actor, ref)
    return Json(
        {
            "issue": issue["key"],
            "watchCount": len(rows),
            "isWatching": any(r["id"] == actor.id for r in rows),
            "watchers": [
                {"username": r["username"], "display_name": r["display_name"], "active": r["active"]} for r in rows
            ],
        }
    )


@router.post("/issues/{ref}/watchers", status_code=204, summary="Watch an issue (or add a watcher)")
async def watch(ref: str, write: Write, body: WatcherBody | None = None) -> Response:
    async def work(conn: Conn) -> Response:
        await watchers.do_watch(conn, write.actor, ref, body.username if body else None)
        return Response(status_code=204)

    return await write(work)


@router.delete("/issues/{ref}/watchers", status_code=204, summary="Stop watching an issue (or remove a watcher)")
async def unwatch(ref: str, write: Write, username: Annotated[str | None, Query(max_length=60)] = None) -> Response:
    async def work(conn: Conn) -> Response:
        await watchers.do_unwatch(conn, write.actor, ref, username)
        return Response(status_code=204)

    return await write(work)
