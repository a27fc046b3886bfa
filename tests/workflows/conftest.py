"""Helpers for workflow tests: a project whose issues follow a workflow built for the test."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.conftest import unique

BASE_STATUSES = ["To Do", "In Progress", "Done"]


def back_and_forth() -> list[dict[str, Any]]:
    """Plain transitions making every base status reachable."""
    return [
        {"name": "Start", "from": ["To Do"], "to": "In Progress"},
        {"name": "Finish", "from": ["In Progress"], "to": "Done"},
        {"name": "Reopen", "from": ["Done"], "to": "To Do"},
    ]


async def create_project_with_workflow(
    admin: httpx.AsyncClient,
    transitions: list[dict[str, Any]],
    *,
    statuses: list[Any] | None = None,
    initial: str = "To Do",
    permission_scheme: int | None = None,
) -> dict[str, Any]:
    """A workflow, a workflow scheme using it for every issue type, and a project using the scheme."""
    body = {
        "name": unique("wf-"),
        "statuses": statuses or BASE_STATUSES,
        "initial_status": initial,
        "transitions": transitions,
    }
    r = await admin.post("/api/v1/workflows", json=body)
    assert r.status_code == 201, r.text
    workflow = r.json()
    r = await admin.post("/api/v1/workflowschemes", json={"name": unique("ws-"), "default_workflow": workflow["id"]})
    assert r.status_code == 201, r.text
    scheme = r.json()
    key = "W" + secrets.token_hex(3).upper().replace("0", "Q")
    project_body: dict[str, Any] = {"key": key, "name": f"Project {key}", "workflow_scheme": scheme["id"]}
    if permission_scheme is not None:
        project_body["permission_scheme"] = permission_scheme
    r = await admin.post("/api/v1/projects", json=project_body)
    assert r.status_code == 201, r.text
    return {"project": r.json(), "workflow": workflow, "scheme": scheme, "key": key}


WorkflowProject = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def workflow_project(admin: httpx.AsyncClient) -> WorkflowProject:
    async def factory(transitions: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        return await create_project_with_workflow(admin, transitions, **kwargs)

    return factory


async def new_issue(client: httpx.AsyncClient, project_key: str, **fields: Any) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/issues", json={"project": project_key, "type": "Task", "summary": "An issue", **fields}
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def transition_names(client: httpx.AsyncClient, key: str) -> list[str]:
    r = await client.get(f"/api/v1/issues/{key}/transitions")
    assert r.status_code == 200, r.text
    return [t["name"] for t in r.json()["transitions"]]


async def run(client: httpx.AsyncClient, key: str, transition: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/issues/{key}/transitions", json={"transition": transition, **body})


async def written(db: Any, key: str) -> tuple[int, int, int]:
    """(history rows, outbox rows, comments) of one issue: what a refused transition must leave unchanged."""
    cur = await db.execute(
        """
        SELECT (SELECT count(*) FROM issue_history WHERE issue_key = %(k)s) AS history,
               (SELECT count(*) FROM outbox WHERE issue_key = %(k)s) AS outbox,
               (SELECT count(*) FROM comments c JOIN issues i ON i.id = c.issue_id WHERE i.key = %(k)s) AS comments
        """,
        {"k": key},
    )
    row = await cur.fetchone()
    return row["history"], row["outbox"], row["comments"]
