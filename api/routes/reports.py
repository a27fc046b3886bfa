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
from api.responses import Json
from api.routes.exports import query_params, report_problem
from api.schemas.reports import ReportList
from tracker.permissions import browsable_project_ids

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("", summary="The available reports and their parameters", response_model=ReportList)
async def list_reports(request: Request, actor: CurrentActor) -> Response:
    root = app_state(request).settings.warehouse_dir
    manifest = reports.warehouse_status(root)
    return Json({"reports": reports.describe(), "warehouse": manifest})


@router.get("/{name}", summary="Run a report (JSON with the numbers its chart shows)")
async def run(name: str, request: Request, conn: DB, actor: CurrentActor) -> Response:
    scope = await browsable_project_ids(conn, actor)
    root = app_state(request).settings.warehouse_dir
    params = query_params(request)

    def compute() -> dict[str, Any]:
        ctx = reports.open_context(root, scope=scope, user_id=actor.id)
        try:
            return reports.run_report(name, ctx, params)
        finally:
            ctx.cursor.close()

    try:
        result = await run_in_threadpool(compute)
    except reports.ReportError as exc:
        return report_problem(exc)
    return Json(result)
