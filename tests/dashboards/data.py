"""A small agile dataset made through the REST API (as a user would), for the dashboard, export and notebook tests.

One project with a Scrum board (a closed sprint with every kind of sprint event, and an active sprint) and a Kanban
board on the same project, so every report in the registry has something to show.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 204), f"{response.request.method} {response.request.url}: {response.text}"
    data: dict[str, Any] = response.json() if response.content else {}
    return data


async def _move(client: httpx.AsyncClient, key: str, *transitions: str) -> None:
    for name in transitions:
        await _ok(await client.post(f"/api/v1/issues/{key}/transitions", json={"transition": name}))


async def build_dataset(client: httpx.AsyncClient) -> dict[str, Any]:
    """Create the dataset as the client's user (an administrator); returns its project, boards, sprints, issues."""
    key = "D" + secrets.token_hex(3).upper().replace("0", "Q")
    project = await _ok(await client.post("/api/v1/projects", json={"key": key, "name": f"Dashboards {key}"}))
    scrum = await _ok(
        await client.post("/api/v1/boards", json={"name": f"{key} scrum", "type": "scrum", "project": key})
    )
    kanban = await _ok(
        await client.post("/api/v1/boards", json={"name": f"{key} kanban", "type": "kanban", "project": key})
    )
    sprint1 = await _ok(await client.post("/api/v1/sprints", json={"board_id": scrum["id"], "name": "Sprint one"}))
    sprint2 = await _ok(await client.post("/api/v1/sprints", json={"board_id": scrum["id"], "name": "Sprint two"}))
    issues = []
    for n, (kind, points) in enumerate(
        [("Story", 3), ("Story", 5), ("Story", 2), ("Story", 8), ("Bug", 1), ("Story", None), ("Bug", None)]
    ):
        body: dict[str, Any] = {"project": key, "type": kind, "summary": f"{kind} {n} <b>&amp;</b>"}
        if points is not None:
            body["story_points"] = points
        issues.append(await _ok(await client.post("/api/v1/issues", json=body)))
    keys = [i["key"] for i in issues]
    await _ok(await client.post(f"/api/v1/sprints/{sprint1['id']}/issues", json={"issues": keys[:4]}))
    await _ok(await client.post(f"/api/v1/sprints/{sprint1['id']}/start", json={}))
    await _move(client, keys[0], "Start Progress", "Done")  # completed
    await _move(client, keys[2], "Start Progress", "Done", "Reopen", "Start Progress", "Done")  # reopened, completed
    await _move(client, keys[1], "Start Progress")
    await _ok(await client.put(f"/api/v1/issues/{keys[1]}/estimation", json={"value": 8}))  # re-estimated
    await _ok(await client.post(f"/api/v1/sprints/{sprint1['id']}/issues", json={"issues": [keys[4]]}))  # added
    await _ok(await client.post("/api/v1/backlog/issues", json={"issues": [keys[3]]}))  # removed
    await _ok(await client.post(f"/api/v1/sprints/{sprint1['id']}/complete", json={"move_to": "next"}))
    await _ok(await client.post(f"/api/v1/sprints/{sprint2['id']}/start", json={}))
    await _move(client, keys[1], "Done")
    await _move(client, keys[5], "Start Progress")
    await _move(client, keys[6], "Start Progress", "Request Review")
    return {
        "project": project,
        "scrum": scrum,
        "kanban": kanban,
        "sprints": [sprint1, sprint2],
        "issues": issues,
    }
