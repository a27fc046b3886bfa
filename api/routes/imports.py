"""Imports under /api/v1/import (system administrators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from starlette.responses import Response

from api.deps import Write
from api.responses import Json
from tracker.db import Conn
from tracker.importer import bundle_from_data, import_bundle
from tracker.permissions import require_global_permission

router = APIRouter(prefix="/api/v1/import", tags=["import"])

BUNDLE_EXAMPLE = {
    "users": [{"name": "alice", "displayName": "Alice", "emailAddress": "alice@example.com", "active": True}],
    "statuses": [{"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}}],
    "issues": [{"id": "10001", "key": "PROJ-1", "fields": {"summary": "...", "created": "..."}, "changelog": {}}],
}


@router.post(
    "/jira",
    summary="Import a Jira export with its history (admins); importing it again changes nothing",
    response_description="counts of what was created, updated, unchanged or rejected, and every problem by path",
)
async def import_jira(
    write: Write,
    bundle: Annotated[
        dict[str, Any],
        Body(
            description="One JSON object of sections in Jira's REST shapes: users, fields, statuses, projects, "
            "boards, sprints, issues (with changelog). Larger exports: `tracklake import jira PATH`.",
            examples=[BUNDLE_EXAMPLE],
        ),
    ],
    source: Annotated[str, Query(description="name remembered with the imported ids (one per Jira site)")] = "jira",
    dry_run: Annotated[bool, Query(description="check and report, write nothing")] = False,
) -> Response:
    require_global_permission(write.actor)
    parsed = bundle_from_data(bundle)

    async def work(conn: Conn) -> Response:
        async with conn.transaction(force_rollback=dry_run):
            summary = await import_bundle(conn, write.actor, parsed, source=source, record=not dry_run)
        summary.dry_run = dry_run
        return Json(summary.view())

    return await write(work)
