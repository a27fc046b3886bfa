"""Scheduled report exports under /api/v1/schedules (docs/dashboards.md): create, list, delete, run now, and the
run history with failures and the files written. `make_scheduler` wires `reports.schedules.Scheduler` to tracker
permissions and the webhook allow-list for `serve` and `tracklake scheduler`.

Any user may schedule exports; a schedule runs as its owner (the owner's browse scope at run time). Users see their
own schedules, administrators every schedule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from pathlib import Path as FilePath
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request
from pydantic import Field, StrictBool, StrictStr
from starlette.responses import FileResponse, Response

from api.deps import DB, CurrentActor, Write, app_state
from api.responses import Json
from api.schemas.common import Strict
from reports import ReportError, exports
from reports import schedules as sched
from tracker.accounts import repository as accounts_sql
from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_one
from tracker.errors import NotFound, TrackerError, ValidationError
from tracker.permissions import browsable_project_ids
from tracker.webhooks.actions import check_url, host_allowed, parse_allowed_hosts
from tracker.webhooks.signing import SIGNATURE_HEADER, sign
from tracklake.settings import Settings

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])
ScheduleId = Annotated[int, Path(ge=1, le=2**63 - 1)]
RunId = Annotated[int, Path(ge=1, le=2**63 - 1)]
T = TypeVar("T")


class ScheduleCreate(Strict):
    name: StrictStr = Field(description="1-255 characters")
    report: StrictStr = Field(description="a report name, as in GET /api/v1/reports")
    params: dict[str, Any] = Field(default_factory=dict, description="the report's parameters, as in its query string")
    format: StrictStr = Field(default="csv", description="csv, parquet, json or html")
    table: StrictStr | None = Field(default=None, description="csv/parquet: the table to write (default the main one)")
    cron: StrictStr = Field(description="five-field cron expression ('0 6 * * 1-5') or @hourly, @daily, @weekly…")
    timezone: StrictStr = Field(default="UTC", description="IANA time zone the cron expression is read in")
    webhook_url: StrictStr | None = Field(
        default=None, description="POSTed after each run; its host must be in TRACKLAKE_WEBHOOK_ALLOWED_HOSTS"
    )
    enabled: StrictBool = True


async def _mapped(call: Awaitable[T]) -> T:
    """Schedule errors as TrackerErrors: inside a write they roll the transaction back; all map to problem+json."""
    try:
        return await call
    except ReportError as exc:
        if exc.status == 404:
            raise NotFound(exc.message) from None
        raise ValidationError(exc.message, errors=exc.errors or None) from None


def _url_check(request: Request) -> Callable[[str], str]:
    allowed = parse_allowed_hosts(app_state(request).settings.webhook_allowed_hosts)

    def check(url: str) -> str:
        try:
            return check_url(url, allowed)
        except TrackerError as exc:
            message = next(iter(exc.errors.values()), exc.message)
            raise exports.invalid("webhook_url", message) from None

    return check


@router.post("", status_code=201, summary="Schedule a report export (a webhook's signing secret is shown only here)")
async def create_schedule(body: ScheduleCreate, write: Write, request: Request) -> Response:
    check = _url_check(request)

    async def work(conn: Conn) -> Response:
        row, secret = await _mapped(sched.create_schedule(conn, write.actor.id, body.model_dump(), check))
        view = sched.schedule_view(row) | ({"webhook_secret": secret} if secret else {})
        return Json(view, status_code=201, headers={"Location": f"{router.prefix}/{row['id']}"})

    return await write(work)


@router.get("", summary="Scheduled exports (your own; administrators see all)")
async def list_schedules(conn: DB, actor: CurrentActor) -> Response:
    rows = await sched.list_schedules(conn, actor.id, actor.is_admin)
    return Json({"schedules": [sched.schedule_view(r) for r in rows]})


@router.get("/{schedule_id}", summary="One scheduled export with its last run")
async def get_schedule(schedule_id: ScheduleId, conn: DB, actor: CurrentActor) -> Response:
    row = await _mapped(sched.get_schedule(conn, schedule_id, actor.id, actor.is_admin))
    return Json(sched.schedule_view(row))


@router.delete("/{schedule_id}", status_code=204, summary="Delete a scheduled export and its run history")
async def delete_schedule(schedule_id: ScheduleId, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await _mapped(sched.delete_schedule(conn, schedule_id, write.actor.id, write.actor.is_admin))
        return Response(status_code=204)

    return await write(work)


@router.post("/{schedule_id}/run", status_code=202, summary="Run a scheduled export at the next scheduler tick")
async def run_now(schedule_id: ScheduleId, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await _mapped(sched.request_run(conn, schedule_id, write.actor.id, write.actor.is_admin))
        return Json(sched.schedule_view(row), status_code=202)

    return await write(work)


@router.get("/{schedule_id}/runs", summary="Runs of a scheduled export, latest first (failures with their error)")
async def list_runs(
    schedule_id: ScheduleId,
    conn: DB,
    actor: CurrentActor,
    start_at: Annotated[int, Query(alias="startAt", ge=0, le=1_000_000)] = 0,
    max_results: Annotated[int, Query(alias="maxResults", ge=1, le=1000)] = 50,
) -> Response:
    rows = await _mapped(
        sched.list_runs(conn, schedule_id, actor.id, actor.is_admin, limit=max_results, offset=start_at)
    )
    return Json({"startAt": start_at, "maxResults": max_results, "runs": [sched.run_view(r) for r in rows]})


@router.get("/{schedule_id}/runs/{run_id}", summary="One run of a scheduled export")
async def get_run(schedule_id: ScheduleId, run_id: RunId, conn: DB, actor: CurrentActor) -> Response:
    return Json(sched.run_view(await _mapped(sched.get_run(conn, schedule_id, run_id, actor.id, actor.is_admin))))


@router.get("/{schedule_id}/runs/{run_id}/file", summary="The file a run wrote")
async def run_file(schedule_id: ScheduleId, run_id: RunId, request: Request, conn: DB, actor: CurrentActor) -> Response:
    row = await _mapped(sched.get_run(conn, schedule_id, run_id, actor.id, actor.is_admin))
    root = app_state(request).settings.exports_dir.resolve()
    path = (root / row["file"]).resolve() if row["file"] else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise NotFound(f"Run {run_id} has no file (it failed, or the file was removed)")
    media_type = next((m for m, ext in exports.FORMATS.values() if path.name.endswith(f".{ext}")), None)
    return FileResponse(path, media_type=media_type, filename=path.name)


# --- the scheduler's wiring -----------------------------------------------------------------------------------------


async def owner_scope(conn: Conn, user_id: int) -> Collection[int] | None:
    """The projects a schedule's owner may browse now; a deactivated owner's schedules fail."""
    row = await fetch_one(conn, accounts_sql.SELECT_USERS_BY_IDS, {"ids": [user_id]})
    if row is None or not row["active"]:
        raise ReportError("The schedule's owner is deactivated", field="owner")
    actor = Actor.from_row(row)
    return await browsable_project_ids(conn, actor)


def make_scheduler(settings: Settings, database_url: str) -> sched.Scheduler:
    """The scheduler of `serve` (in-process) and `tracklake scheduler`."""
    allowed = parse_allowed_hosts(settings.webhook_allowed_hosts)

    def url_allowed(url: str) -> bool:
        return host_allowed(urlsplit(url).hostname or "", allowed)

    deps = sched.SchedulerDeps(
        scope_of=owner_scope, url_allowed=url_allowed, sign=sign, signature_header=SIGNATURE_HEADER
    )
    return sched.Scheduler(
        database_url,
        warehouse_root=FilePath(settings.warehouse_dir),
        exports_dir=FilePath(settings.exports_dir),
        deps=deps,
        poll_seconds=settings.scheduler_poll_seconds,
        refresh_warehouse=settings.scheduler_refresh_warehouse,
        webhook_timeout=settings.webhook_timeout_seconds,
    )
