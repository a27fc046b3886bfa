"""Changes that reach search documents without a new issue version: renamed sprints and components (the indexer
re-indexes the issues holding the name)."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from pipelines.consumers.search import load_documents, renamed_issue_ids
from tests.pipeline.search_data import ok
from tracker.events import Event


async def _events(db: psycopg.AsyncConnection[Any], project_key: str) -> list[Event]:
    cur = await db.execute("SELECT payload FROM outbox WHERE project_key = %s ORDER BY id", (project_key,))
    return [Event.model_validate(r["payload"]) for r in await cur.fetchall()]


async def test_renaming_a_sprint_or_component_re_indexes_the_issues_holding_its_name(
    padmin: httpx.AsyncClient, pproject: dict[str, Any], pdb: psycopg.AsyncConnection[Any]
) -> None:
    key = pproject["key"]
    board = await ok(await padmin.post("/api/v1/boards", json={"name": "b", "type": "scrum", "project": key}))
    sprint = await ok(await padmin.post("/api/v1/sprints", json={"board_id": board["id"], "name": "Zulu"}))
    component = await ok(await padmin.post(f"/api/v1/projects/{key}/components", json={"name": "zeta"}))
    body = {"project": key, "type": "Task", "summary": "s"}
    in_sprint = await ok(await padmin.post("/api/v1/issues", json={**body, "sprint": sprint["id"]}))
    in_component = await ok(await padmin.post("/api/v1/issues", json={**body, "components": ["zeta"]}))
    await ok(await padmin.post("/api/v1/issues", json=body))  # in neither: never re-indexed

    seen = len(await _events(pdb, key))
    await ok(await padmin.patch(f"/api/v1/sprints/{sprint['id']}", json={"goal": "ship"}))
    await ok(await padmin.patch(f"/api/v1/sprints/{sprint['id']}", json={"name": "Alpha"}))
    await ok(await padmin.patch(f"/api/v1/components/{component['id']}", json={"name": "alpha"}))
    goal, renamed, component_renamed = (await _events(pdb, key))[seen:]
    assert [e.type for e in (goal, renamed, component_renamed)] == ["sprint.updated"] * 2 + ["component.updated"]

    assert await renamed_issue_ids(pdb, [goal]) == set()  # the name is what documents hold
    assert await renamed_issue_ids(pdb, [renamed]) == {in_sprint["id"]}
    assert await renamed_issue_ids(pdb, [component_renamed]) == {in_component["id"]}
    assert await renamed_issue_ids(pdb, [goal, renamed, component_renamed]) == {in_sprint["id"], in_component["id"]}
    _, docs = await load_documents(pdb, [in_sprint["id"], in_component["id"]])
    assert docs[in_sprint["id"]]["sprint_names"] == ["Alpha"]
    assert docs[in_component["id"]]["component_names"] == ["alpha"]
