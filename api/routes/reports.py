"""Agile and flow reports as JSON: `GET /api/v1/reports` lists them, `GET /api/v1/reports/<name>?…` runs one.

Results come from the warehouse (DuckDB over Parquet; see docs/warehouse.md) and cover only issues of projects
the caller may browse. Bad parameters and invalid JQL are problem+json responses (422 / 400); an unknown or
hidden board or sprint is 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

import reports
from api.deps import DB, CurrentActor, app_state
from api.responses import Json, problem
from api.schemas.reports import ReportList
from tracker.permissions import browsable_project_ids

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


def _params(request: Request) -> dict[str, Any]:
    """Query parameters; a repeated parameter becomes a list (e.g. columns=A&columns=B)."""
    out: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def _error(exc: reports.ReportError) -> Response:
    extra: dict[str, Any] = {}
    if isinstance(exc, reports.JqlReportError):
        extra = {"start": exc.start, "end": exc.end}
    return problem(exc.status, exc.code, exc.message, errors=exc.errors or None, **extra)


@router.get("", summary="The available reports and their parameters", response_model=ReportList)
async def list_reports(request: Request, actor: CurrentActor) -> Response:
    root = app_state(request).settings.warehouse_dir
    manifest = reports.warehouse_status(root)
    return Json({"reports": reports.describe(), "warehouse": manifest})


@router.get("/{name}", summary="Run a report (JSON with the numbers its chart shows)")
async def run(name: str, request: Request, conn: DB, actor: CurrentActor) -> Response:
    scope = await browsable_project_ids(conn, actor)
    root = app_state(request).settings.warehouse_dir
    params = _params(request)

    def compute() -> dict[str, Any]:
        ctx = reports.open_context(root, scope=scope, user_id=actor.id)
        try:
            return reports.run_report(name, ctx, params)
        finally:
            ctx.cursor.close()

    try:
        result = await run_in_threadpool(compute)
    except reports.ReportError as exc:
        return _error(exc)
    return Json(result)
