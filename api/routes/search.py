"""JQL search (`/api/v1/search`) and parsing (`/api/v1/jql/parse`)."""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field, StrictBool, StrictInt, StrictStr
from starlette.responses import Response

import jql
from api.deps import DB, CurrentActor, app_state
from api.responses import Json
from api.schemas.common import Strict
from tracker.issues.models import issue_view
from tracker.search.execute import MAX_RESULTS_CAP, TOTAL_COUNT_LIMIT, search_issues

router = APIRouter(prefix="/api/v1", tags=["search"])
DEFAULT_MAX_RESULTS = 50
ALWAYS = ("id", "key")


class SearchRequest(Strict):
    jql: StrictStr = Field(default="", max_length=100_000, description="JQL; empty matches every issue")
    startAt: StrictInt = Field(default=0, ge=0, le=10_000_000)
    maxResults: StrictInt = Field(default=DEFAULT_MAX_RESULTS, ge=0, le=10_000_000)
    fields: list[StrictStr] | None = Field(default=None, description="fields to return; default all")
    exactTotal: StrictBool = Field(
        default=False,
        description=f"count every match for `total`; by default counting stops at {TOTAL_COUNT_LIMIT} matches "
        "(or the end of the page) and `totalIsExact` says whether it got to the end",
    )


class ParseRequest(Strict):
    queries: list[StrictStr] = Field(min_length=1, max_length=100)


def _project(view: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    if not fields or "*all" in fields or "*navigable" in fields:
        return view
    wanted = {f.strip() for f in fields} | set(ALWAYS)
    return {k: v for k, v in view.items() if k in wanted}


async def _run(request: Request, conn: Any, actor: Any, body: SearchRequest) -> Response:
    state = app_state(request)
    effective = min(body.maxResults, MAX_RESULTS_CAP)
    page, rows = await search_issues(
        conn,
        actor,
        body.jql,
        start_at=body.startAt,
        max_results=effective,
        es=state.elasticsearch,
        exact_total=body.exactTotal,
    )
    return Json(
        {
            "startAt": body.startAt,
            "maxResults": effective,
            "total": page.total,
            "totalIsExact": page.total_is_exact,
            "isLast": page.is_last,
            "issues": [_project(issue_view(r), body.fields) for r in rows],
        }
    )


@router.get("/search", summary="Search issues with JQL")
async def search_get(
    request: Request,
    conn: DB,
    actor: CurrentActor,
    jql_text: Annotated[str, Query(alias="jql", max_length=100_000)] = "",
    start_at: Annotated[int, Query(alias="startAt", ge=0, le=10_000_000)] = 0,
    max_results: Annotated[int, Query(alias="maxResults", ge=0, le=10_000_000)] = DEFAULT_MAX_RESULTS,
    fields: Annotated[list[str] | None, Query()] = None,
    exact_total: Annotated[bool, Query(alias="exactTotal")] = False,
) -> Response:
    split = [f for value in fields or [] for f in value.split(",") if f]
    body = SearchRequest(
        jql=jql_text, startAt=start_at, maxResults=max_results, fields=split or None, exactTotal=exact_total
    )
    return await _run(request, conn, actor, body)


@router.post("/search", summary="Search issues with JQL (query in the body)")
async def search_post(request: Request, body: SearchRequest, conn: DB, actor: CurrentActor) -> Response:
    return await _run(request, conn, actor, body)


def ast_to_dict(node: Any) -> Any:
    """A JSON view of a JQL syntax tree: each node's type and its named children."""
    if isinstance(node, jql.Query) or dataclasses.is_dataclass(node):
        out: dict[str, Any] = {"node": type(node).__name__}
        for f in dataclasses.fields(node):
            if f.name in ("span", "source"):
                continue
            out[f.name] = ast_to_dict(getattr(node, f.name))
        return out
    if isinstance(node, tuple | list):
        return [ast_to_dict(v) for v in node]
    if isinstance(node, enum.Enum):
        return node.name
    return node


@router.post("/jql/parse", summary="Parse JQL queries and return their syntax trees or errors")
async def parse_queries(body: ParseRequest, actor: CurrentActor) -> Response:
    results = []
    for text in body.queries:
        try:
            query = jql.parse(text)
        except jql.JqlError as exc:
            results.append({"query": text, "errors": [exc.to_dict()]})
        else:
            results.append({"query": text, "structure": ast_to_dict(query), "canonical": jql.to_jql(query)})
    return Json({"queries": results})
