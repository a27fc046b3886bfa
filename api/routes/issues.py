"""Issues, comments, history and transitions under /api/v1/issues."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from starlette.responses import Response

from api.deps import DB, CurrentActor, Write, parse_if_match
from api.observability import ISSUES_CREATED
from api.responses import Json
from api.schemas.issues import Assign, CommentBody, IssueCreate, IssueUpdate, TransitionRequest
from tracker.db import Conn
from tracker.issues import actions, comments
from tracker.workflows import actions as workflows

router = APIRouter(prefix="/api/v1/issues", tags=["issues"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]
StartAt = Annotated[int, Query(alias="startAt", ge=0, le=1_000_000)]
MaxResults = Annotated[int, Query(alias="maxResults", ge=1, le=1000)]
CommentId = Annotated[int, Path(ge=1, le=2**63 - 1)]


async def _issue_response(conn: Conn, row: Any, status: int = 200) -> Json:
    return Json(
        await actions.present_issue(conn, row),
        status_code=status,
        headers={"ETag": f'"{row["version"]}"', "Location": f"/api/v1/issues/{row['key']}"},
    )


@router.post("", status_code=201, summary="Create an issue")
async def create_issue(body: IssueCreate, write: Write) -> Response:
    fields = body.model_dump(exclude_unset=True, exclude={"project"})

    async def work(conn: Conn) -> Response:
        row = await actions.do_create_issue(conn, write.actor, body.project, fields)
        return await _issue_response(conn, row, 201)

    response = await write(work, pipeline=True)
    if response.status_code == 201 and "idempotent-replayed" not in response.headers:
        ISSUES_CREATED.inc()
    return response


@router.get("/{ref}", summary="Get an issue by key or id")
async def get_issue(ref: str, conn: DB, actor: CurrentActor, request: Request) -> Response:
    row = await actions.access_issue(conn, actor, ref)
    etag = f'"{row["version"]}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return await _issue_response(conn, row)


@router.patch("/{ref}", summary="Change fields of an issue")
async def update_issue(ref: str, body: IssueUpdate, write: Write, if_match: IfMatch = None) -> Response:
    expected = parse_if_match(if_match)
    fields = body.model_dump(exclude_unset=True)

    async def work(conn: Conn) -> Response:
        row = await actions.do_update_issue(conn, write.actor, ref, fields, expected_version=expected)
        return await _issue_response(conn, row)

    return await write(work)


@router.delete("/{ref}", status_code=204, summary="Delete an issue")
async def delete_issue(
    ref: str,
    write: Write,
    if_match: IfMatch = None,
    delete_subtasks: Annotated[bool, Query(alias="deleteSubtasks")] = False,
) -> Response:
    expected = parse_if_match(if_match)

    async def work(conn: Conn) -> Response:
        await actions.do_delete_issue(
            conn, write.actor, ref, delete_subtasks=delete_subtasks, expected_version=expected
        )
        return Response(status_code=204)

    return await write(work)


@router.put("/{ref}/assignee", summary="Assign or unassign an issue")
async def assign_issue(ref: str, body: Assign, write: Write, if_match: IfMatch = None) -> Response:
    expected = parse_if_match(if_match)

    async def work(conn: Conn) -> Response:
        row = await actions.do_assign_issue(conn, write.actor, ref, body.assignee, expected_version=expected)
        return await _issue_response(conn, row)

    return await write(work)


@router.get("/{ref}/history", summary="The change history of an issue, oldest first")
async def get_history(
    ref: str, conn: DB, actor: CurrentActor, start_at: StartAt = 0, max_results: MaxResults = 100
) -> Response:
    total, groups = await actions.issue_history(conn, actor, ref, start_at=start_at, max_results=max_results)
    return Json({"startAt": start_at, "maxResults": max_results, "total": total, "histories": groups})


@router.get("/{ref}/comments", summary="A page of an issue's comments")
async def list_comments(
    ref: str, conn: DB, actor: CurrentActor, start_at: StartAt = 0, max_results: MaxResults = 50
) -> Response:
    total, rows = await comments.list_comments(conn, actor, ref, start_at=start_at, max_results=max_results)
    return Json(
        {
            "startAt": start_at,
            "maxResults": max_results,
            "total": total,
            "comments": [comments.comment_view(r) for r in rows],
        }
    )


@router.post("/{ref}/comments", status_code=201, summary="Add a comment")
async def add_comment(ref: str, body: CommentBody, write: Write, if_match: IfMatch = None) -> Response:
    expected = parse_if_match(if_match)

    async def work(conn: Conn) -> Response:
        row = await comments.do_add_comment(conn, write.actor, ref, body.body, expected_version=expected)
        return Json(
            comments.comment_view(row),
            status_code=201,
            headers={"Location": f"/api/v1/issues/{ref}/comments/{row['id']}"},
        )

    return await write(work)


@router.get("/{ref}/comments/{comment_id}", summary="One comment")
async def get_comment(ref: str, comment_id: CommentId, conn: DB, actor: CurrentActor) -> Response:
    return Json(comments.comment_view(await comments.get_comment(conn, actor, ref, comment_id)))


@router.patch("/{ref}/comments/{comment_id}", summary="Edit a comment")
async def edit_comment(ref: str, comment_id: CommentId, body: CommentBody, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        row = await comments.do_edit_comment(conn, write.actor, ref, comment_id, body.body)
        return Json(comments.comment_view(row))

    return await write(work)


@router.delete("/{ref}/comments/{comment_id}", status_code=204, summary="Delete a comment")
async def delete_comment(ref: str, comment_id: CommentId, write: Write) -> Response:
    async def work(conn: Conn) -> Response:
        await comments.do_delete_comment(conn, write.actor, ref, comment_id)
        return Response(status_code=204)

    return await write(work)


@router.get("/{ref}/transitions", summary="Transitions the caller may run now, with their screen fields")
async def list_transitions(ref: str, conn: DB, actor: CurrentActor) -> Response:
    return Json({"transitions": await workflows.available_transitions(conn, actor, ref)})


@router.post("/{ref}/transitions", summary="Run a transition by id or name, with screen fields and a comment")
async def transition(ref: str, body: TransitionRequest, write: Write, if_match: IfMatch = None) -> Response:
    expected = parse_if_match(if_match)

    async def work(conn: Conn) -> Response:
        row = await workflows.do_transition(
            conn,
            write.actor,
            ref,
            body.transition_ref(),
            fields=body.fields,
            resolution=body.resolution,
            comment=body.comment,
            expected_version=expected,
        )
        return await _issue_response(conn, row)

    return await write(work)
