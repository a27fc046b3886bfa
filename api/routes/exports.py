"""Report exports: `GET /api/v1/reports/<name>/export?format=csv|parquet|json|html[&table=…]&<report parameters>`.

The export is made from the very dict `GET /api/v1/reports/<name>` returns for the same parameters
(reports/exports.py); authentication and browse scope as for every report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

import reports
from api.deps import DB, CurrentActor, app_state
from api.responses import problem
from reports import exports
from tracker.accounts.models import Actor
from tracker.db import Conn
from tracker.permissions import browsable_project_ids

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


def query_params(request: Request) -> dict[str, Any]:
    """Query parameters; a repeated parameter becomes a list (e.g. columns=A&columns=B)."""
    out: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def report_problem(exc: reports.ReportError) -> Response:
    """A report error as problem+json (422 bad parameter, 400 JQL error with its position, 404 not found)."""
    extra: dict[str, Any] = {}
    if isinstance(exc, reports.JqlReportError):
        extra = {"start": exc.start, "end": exc.end, "jql": exc.jql.to_dict()}  # as search's JQL errors
    return problem(exc.status, exc.code, exc.message, errors=exc.errors or None, **extra)


async def run_reports(
    request: Request, conn: Conn, actor: Actor, jobs: Sequence[tuple[str, Mapping[str, Any]]]
) -> list[dict[str, Any] | reports.ReportError]:
    """Run reports as `actor` on one warehouse generation and one clock; a failing report gives its error."""
    scope = await browsable_project_ids(conn, actor)
    root = app_state(request).settings.warehouse_dir

    def compute() -> list[dict[str, Any] | reports.ReportError]:
        ctx = reports.open_context(root, scope=scope, user_id=actor.id)
        try:
            out: list[dict[str, Any] | reports.ReportError] = []
            for name, params in jobs:
                try:
                    out.append(reports.run_report(name, ctx, params))
                except reports.ReportError as exc:
                    out.append(exc)
            return out
        finally:
            ctx.cursor.close()

    return await run_in_threadpool(compute)


async def export_response(
    request: Request, conn: Conn, actor: Actor, name: str, raw: Mapping[str, Any]
) -> Response | reports.ReportError:
    """The export file as a download, or the report error to show."""
    try:
        reports.get_spec(name)
        fmt, table, params = exports.split_options(raw)
    except reports.ReportError as exc:
        return exc
    [result] = await run_reports(request, conn, actor, [(name, params)])
    if isinstance(result, reports.ReportError):
        return result
    generation = reports.warehouse_status(app_state(request).settings.warehouse_dir)["generation"]

    def make() -> exports.Export:
        return exports.export_report(name, result, fmt, table=table, params=params, warehouse=generation)

    try:
        made = await run_in_threadpool(make)
    except reports.ReportError as exc:
        return exc
    return Response(
        made.content,
        media_type=made.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/{name}/export",
    summary="Export a report as CSV, Parquet, JSON or self-contained HTML",
    responses={200: {"content": {m: {} for m, _ in exports.FORMATS.values()}}},
)
async def export(name: str, request: Request, conn: DB, actor: CurrentActor) -> Response:
    """`format` (csv, parquet, json, html) and, for csv and parquet, `table` (default the report's main table);
    every other parameter is the report's, as for `GET /api/v1/reports/<name>`."""
    made = await export_response(request, conn, actor, name, query_params(request))
    return report_problem(made) if isinstance(made, reports.ReportError) else made
