"""Changes that reach search documents without a new issue version: watchers (an event of their own, which no
consumer mistakes for a change of the issue) and renamed sprints, components, projects and users (the indexer
re-indexes the issues holding the name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import psycopg

from pipelines.consumers.notifications import Notifier
from pipelines.consumers.search import load_documents, renamed_issue_ids
from tests.pipeline.search_data import ok
from tracker.events import Event
from tracker.webhooks.actions import EVENT_TYPES
from warehouse.landing import LandingZone


async def _events(db: psycopg.AsyncConnection[Any], project_key: str) -> list[Event]:
    cur = await db.execute("SELECT payload FROM outbox WHERE project_key = %s ORDER BY id", (project_key,))
    return [Event.model_validate(r["payload"]) for r in await cur.fetchall()]


async def _one(db: psycopg.AsyncConnection[Any], sql: str, *params: Any) -> Any:
    cur = await db.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return next(iter(row.values()))


async def test_watching_writes_an_event_in_its_transaction_and_no_consumer_takes_it_for_a_change(
    padmin: httpx.AsyncClient,
    pproject: dict[str, Any],
    pmake_user: Any,
    pdb: psycopg.AsyncConnection[Any],
    pipeline_db_url: str,
    tmp_path: Path,
) -> None:
    key = pproject["key"]
    alice, _ = await pmake_user()
    bob, bob_client = await pmake_user()
    issue = await ok(
        await padmin.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "w", "assignee": alice})
    )
    before = await _events(pdb, key)
    history = await _one(pdb, "SELECT count(*) FROM issue_history WHERE issue_id = %s", issue["id"])

    await ok(await bob_client.post(f"/api/v1/issues/{issue['key']}/watchers"))
    await ok(await bob_client.post(f"/api/v1/issues/{issue['key']}/watchers"))  # already watching: nothing new
    await ok(await padmin.delete(f"/api/v1/issues/{issue['key']}/watchers", params={"username": bob}))
    await ok(await padmin.delete(f"/api/v1/issues/{issue['key']}/watchers", params={"username": bob}))  # no-op

    added, removed = (await _events(pdb, key))[len(before) :]
    bob_id = await _one(pdb, "SELECT id FROM users WHERE username = %s", bob)
    assert (added.type, added.actor, removed.type, removed.actor) == ("watcher.added", bob, "watcher.removed", "admin")
    for event in (added, removed):
        assert (event.issue_id, event.issue_key, event.project_key) == (issue["id"], issue["key"], key)
        assert event.version == issue["version"] and event.changes == []
        assert event.data == {"watcher": {"id": bob_id, "username": bob}}
    # Not a change of the issue: same version, no history row.
    assert await _one(pdb, "SELECT version FROM issues WHERE id = %s", issue["id"]) == issue["version"]
    assert await _one(pdb, "SELECT count(*) FROM issue_history WHERE issue_id = %s", issue["id"]) == history
    # Webhooks may ask for the type by name.
    assert {"watcher.added", "watcher.removed"} <= EVENT_TYPES

    # Notifications: nobody hears of it (alice, the assignee, would hear of any change of the issue).
    await Notifier(pipeline_db_url, 5.0).apply([added, removed], "t")
    notes = "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.issue_id = %s"
    assert await _one(pdb, notes + " AND u.username = %s", issue["id"], alice) == 0
    # The warehouse lands it (one row, no change), and its change log has nothing from it.
    zone = LandingZone(tmp_path / "landing")
    zone.write_batch([added, removed], "b1")
    landed = zone.read()
    assert landed.height == 2 and landed["field"].null_count() == 2

    # The search document follows the watchers.
    await ok(await bob_client.post(f"/api/v1/issues/{issue['key']}/watchers"))
    _, docs = await load_documents(pdb, [issue["id"]])
    assert docs[issue["id"]]["watcher_ids"] == [bob_id]


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


async def test_renaming_a_project_or_a_user_writes_an_event_and_re_indexes_the_issues_showing_the_name(
    padmin: httpx.AsyncClient, pproject: dict[str, Any], pmake_user: Any, pdb: psycopg.AsyncConnection[Any]
) -> None:
    key = pproject["key"]
    alice, _ = await pmake_user()
    bob, _ = await pmake_user()
    body = {"project": key, "type": "Task", "summary": "s"}
    assigned = await ok(await padmin.post("/api/v1/issues", json={**body, "assignee": alice}))
    reported = await ok(await padmin.post("/api/v1/issues", json={**body, "reporter": alice}))
    other = await ok(await padmin.post("/api/v1/issues", json={**body, "assignee": bob}))
    alice_id = await _one(pdb, "SELECT id FROM users WHERE username = %s", alice)

    def last(event_type: str) -> Any:
        return _one(pdb, "SELECT payload FROM outbox WHERE event_type = %s ORDER BY id DESC LIMIT 1", event_type)

    # A project: only a change of its name re-indexes its issues (documents hold the name, for ORDER BY project).
    await ok(await padmin.patch(f"/api/v1/projects/{key}", json={"description": "about"}))
    described = Event.model_validate(await last("project.updated"))
    assert described.project_key == key and described.data["changes"] == ["description"]
    assert await renamed_issue_ids(pdb, [described]) == set()
    await ok(await padmin.patch(f"/api/v1/projects/{key}", json={"name": "Renamed project"}))
    renamed = Event.model_validate(await last("project.updated"))
    assert renamed.data["project"]["name"] == "Renamed project" and renamed.data["changes"] == ["name"]
    assert await renamed_issue_ids(pdb, [renamed]) == {assigned["id"], reported["id"], other["id"]}
    count = "SELECT count(*) FROM outbox WHERE event_type = 'project.updated' AND project_key = %s"
    await ok(await padmin.patch(f"/api/v1/projects/{key}", json={"name": "Renamed project"}))
    assert await _one(pdb, count, key) == 2  # nothing changed: no event

    # A user: a new display name re-indexes the issues they are assignee or reporter of; an e-mail change does not
    # (and the address is not in the event).
    await ok(await padmin.patch(f"/api/v1/users/{alice}", json={"email": "alice@example.invalid"}))
    mailed = Event.model_validate(await last("user.updated"))
    assert mailed.data["user"]["id"] == alice_id and mailed.data["changes"] == ["email"]
    assert "example.invalid" not in mailed.model_dump_json()
    assert await renamed_issue_ids(pdb, [mailed]) == set()
    await ok(await padmin.patch(f"/api/v1/users/{alice}", json={"display_name": "Alice Renamed"}))
    shown = Event.model_validate(await last("user.updated"))
    assert shown.data["user"]["display_name"] == "Alice Renamed"
    assert await renamed_issue_ids(pdb, [shown]) == {assigned["id"], reported["id"]}
    _, docs = await load_documents(pdb, [assigned["id"], reported["id"]])
    assert docs[assigned["id"]]["assignee_name"] == "Alice Renamed"
    assert docs[reported["id"]]["reporter_name"] == "Alice Renamed" and docs[assigned["id"]]["project_name"] == (
        "Renamed project"
    )
    assert {"project.updated", "user.updated"} <= EVENT_TYPES
