"""Agile fields of issues (rank, sprint, versions, components, links, children, estimate) and issue links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write, app_state, parse_if_match
from api.responses import Json
from api.schemas.agile import Estimation, IssueComponents, IssueVersions, LinkCreate, RankBody
from tracker.agile import components, hierarchy, links, ranking, versions
from tracker.agile.cache import DEFAULT_PREFIX, DEFAULT_TTL_SECONDS, AgileCache
from tracker.agile.issue_agile import issue_agile
from tracker.db import Conn
from tracker.issues.actions import do_update_issue
from tracker.issues.models import issue_view

router = APIRouter(prefix="/api/v1", tags=["agile"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="the issue version the write is based on")]


def agile_cache(request: Request) -> AgileCache | None:
    """The board/metadata cache when Redis is configured (key prefix and TTL may be set in app state extras)."""
    state = app_state(request)
    if state.redis is None:
        return None
    return AgileCache(
        state.redis,
        prefix=state.extras.get("agile_cache_prefix", DEFAULT_PREFIX),
        ttl=state.extras.get("agile_cache_ttl", DEFAULT_TTL_SECONDS),
    )


def cached_json(body: bytes, cache_state: str) -> Response:
    """Pre-rendered JSON, with X-Cache saying whether it came from the cache (hit, miss or off)."""
    return Response(body, media_type="application/json", headers={"X-Cache": cache_state})


def issue_summaries(rows: list[Any]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "key": r["key"], "version": r["version"]} for r in rows]


@router.put("/rank", summary="Rank issues before or after another issue")
async def rank_issues(body: RankBody, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        rows = await ranking.do_rank_issues(
            conn, write.actor, body.issues, before=body.rank_before_issue, after=body.rank_after_issue
        )
        return Json({"issues": [{"key": r["key"], "rank": r["rank"], "version": r["version"]} for r in rows]})

    return await write(work)


@router.get("/issues/{ref}/agile", summary="Rank, sprints, versions, components, links, epic of an issue")
async def get_issue_agile(ref: str, conn: DB, actor: CurrentActor) -> Response:
    return Json(await issue_agile(conn, actor, ref))


@router.get("/issues/{ref}/children", summary="An epic's issues or an issue's sub-tasks, ranked")
async def get_children(ref: str, conn: DB, actor: CurrentActor) -> Response:
    issue, cards = await hierarchy.list_children(conn, actor, ref)
    return Json({"key": issue["key"], "issues": cards})


@router.put("/issues/{ref}/estimation", summary="Set an issue's story points")
async def set_estimation(ref: str, body: Estimation, write: Write, if_match: IfMatch = None) -> Response:
    expected = parse_if_match(if_match)

    async def work(conn: Conn) -> Response:
        row = await do_update_issue(conn, write.actor, ref, {"story_points": body.value}, expected_version=expected)
        return Json(issue_view(row), headers={"ETag": f'"{row["version"]}"'})

    return await write(work)


@router.put("/issues/{ref}/versions", summary="Set an issue's fix and/or affects versions")
async def set_issue_versions(ref: str, body: IssueVersions, write: Write, if_match: IfMatch = None) -> Response:
    expected = parse_if_match(if_match)

    async def work(conn: Conn) -> Response:
        row = await versions.do_set_issue_versions(
            conn,
            write.actor,
            ref,
            fix_versions=body.fix_versions,
            affects_versions=body.affects_versions,
            expected_version=expected,
        )
        return Json(await issue_agile(conn, write.actor, row["key"]), headers={"ETag": f'"{row["version"]}"'})

    return await write(work)


@router.put("/issues/{ref}/components", summary="Set an issue's components")
async def set_issue_components(ref: str, body: IssueComponents, write: Write, if_match: IfMatch = None) -> Response:
    expected = parse_if_match(if_match)

    async def work(conn: Conn) -> Response:
        row = await components.do_set_issue_components(
            conn, write.actor, ref, body.components, expected_version=expected
        )
        return Json(await issue_agile(conn, write.actor, row["key"]), headers={"ETag": f'"{row["version"]}"'})

    return await write(work)


@router.get("/issues/{ref}/links", summary="An issue's links, both directions")
async def get_issue_links(ref: str, conn: DB, actor: CurrentActor) -> Response:
    return Json({"links": await links.issue_links(conn, actor, ref)})


@router.get("/issuelinktypes", summary="Issue link types")
async def get_link_types(conn: DB, actor: CurrentActor) -> Response:
    return Json({"link_types": [links.link_type_view(r) for r in await links.link_types(conn)]})


@router.post("/issuelinks", status_code=201, summary="Link two issues: source <type> target")
async def create_link(body: LinkCreate, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await links.do_link_issues(conn, write.actor, link_type=body.type, source=body.source, target=body.target)
        return Json(links.link_view(row), status_code=201, headers={"Location": f"/api/v1/issuelinks/{row['id']}"})

    return await write(work)


@router.get("/issuelinks/{link_id}", summary="One issue link")
async def get_link(link_id: Id, conn: DB, actor: CurrentActor) -> Response:
    return Json(links.link_view(await links.get_link(conn, actor, link_id)))


@router.delete("/issuelinks/{link_id}", status_code=204, summary="Remove an issue link")
async def delete_link(link_id: Id, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await links.do_delete_link(conn, write.actor, link_id)
        return Response(status_code=204)

    return await write(work)
