"""Webhooks under /api/v1/webhooks (administrators): registrations, deliveries and redelivery."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write, app_state
from api.responses import Json
from api.schemas.pipeline import WebhookCreate, WebhookUpdate
from tracker.db import Conn
from tracker.webhooks import actions
from tracker.webhooks.actions import delivery_view, parse_allowed_hosts, webhook_view

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
WebhookId = Annotated[int, Path(ge=1, le=2**63 - 1)]
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Literal["pending", "sending", "delivered", "failed"]


def _allowed(request: Request) -> list[str]:
    return parse_allowed_hosts(app_state(request).settings.webhook_allowed_hosts)


@router.post("", status_code=201, summary="Register a webhook (its secret is shown only in this response)")
async def create_webhook(body: WebhookCreate, write: Write, request: Request) -> Response:
    async def work(conn: Conn) -> Response:
        row, secret = await actions.do_create_webhook(
            conn, write.actor, body.model_dump(exclude_unset=True), _allowed(request)
        )
        return Json(
            webhook_view(row) | {"secret": secret},
            status_code=201,
            headers={"Location": f"{router.prefix}/{row['id']}"},
        )

    return await write(work)


@router.get("", summary="List webhooks")
async def list_webhooks(conn: DB, actor: CurrentActor) -> Response:
    return Json([webhook_view(r) for r in await actions.list_webhooks(conn, actor)])


@router.get("/{webhook_id}", summary="One webhook")
async def get_webhook(webhook_id: WebhookId, conn: DB, actor: CurrentActor) -> Response:
    return Json(webhook_view(await actions.get_webhook(conn, actor, webhook_id)))


@router.patch("/{webhook_id}", summary="Change a webhook")
async def update_webhook(webhook_id: WebhookId, body: WebhookUpdate, write: Write, request: Request) -> Response:
    async def work(conn: Conn) -> Response:
        row = await actions.do_update_webhook(
            conn, write.actor, webhook_id, body.model_dump(exclude_unset=True), _allowed(request)
        )
        return Json(webhook_view(row))

    return await write(work)


@router.delete("/{webhook_id}", status_code=204, summary="Delete a webhook and its deliveries")
async def delete_webhook(webhook_id: WebhookId, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await actions.do_delete_webhook(conn, write.actor, webhook_id)
        return Response(status_code=204)

    return await write(work)


@router.get("/{webhook_id}/deliveries", summary="Deliveries of a webhook, latest first")
async def list_deliveries(
    webhook_id: WebhookId,
    conn: DB,
    actor: CurrentActor,
    status: Status | None = None,
    start_at: Annotated[int, Query(alias="startAt", ge=0, le=1_000_000)] = 0,
    max_results: Annotated[int, Query(alias="maxResults", ge=1, le=1000)] = 50,
) -> Response:
    total, rows = await actions.list_deliveries(
        conn, actor, webhook_id, status=status, start_at=start_at, max_results=max_results
    )
    return Json(
        {"startAt": start_at, "maxResults": max_results, "total": total, "deliveries": [delivery_view(r) for r in rows]}
    )


def _delivery_response(row: Mapping[str, Any], attempts: Sequence[Mapping[str, Any]], status_code: int = 200) -> Json:
    log = [
        {
            "at": a["attempted_at"].isoformat(),
            "status_code": a["status_code"],
            "error": a["error"],
            "duration_ms": round(a["duration_ms"], 2),
        }
        for a in attempts
    ]
    return Json(delivery_view(row) | {"payload": row["payload"], "attempt_log": log}, status_code=status_code)


@router.get("/{webhook_id}/deliveries/{delivery_id}", summary="A delivery with its attempts")
async def get_delivery(webhook_id: WebhookId, delivery_id: DeliveryId, conn: DB, actor: CurrentActor) -> Response:
    row, attempts = await actions.get_delivery(conn, actor, webhook_id, delivery_id)
    return _delivery_response(row, attempts)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    summary="Send a failed (or delivered) delivery again",
)
async def redeliver(webhook_id: WebhookId, delivery_id: DeliveryId, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await actions.do_redeliver(conn, write.actor, webhook_id, delivery_id)
        row, attempts = await actions.get_delivery(conn, write.actor, webhook_id, delivery_id)
        return _delivery_response(row, attempts, 202)

    return await write(work)
