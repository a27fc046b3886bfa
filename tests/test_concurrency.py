"""Concurrent writers: key allocation, optimistic concurrency and idempotency."""

from __future__ import annotations

import asyncio

import psycopg

from api.deps import _lock_id
from tests.conftest import counts


async def test_fifty_concurrent_creates_get_keys_one_to_fifty(admin, project, db):
    async def create(n: int):
        return await admin.post(
            "/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": f"concurrent {n}"}
        )

    responses = await asyncio.gather(*(create(n) for n in range(50)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    keys = sorted(int(r.json()["key"].split("-")[1]) for r in responses)
    assert keys == list(range(1, 51))
    c = await counts(db, project["key"])
    assert c["issues"] == 50 and c["seq"] == 50 and c["outbox"] == 50


async def test_failed_create_gives_its_number_back(admin, project):
    ok = await admin.post("/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "one"})
    bad = await admin.post(
        "/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "two", "assignee": "no-such-user"}
    )
    again = await admin.post("/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "three"})
    assert bad.status_code == 422
    assert [ok.json()["key"], again.json()["key"]] == [f"{project['key']}-1", f"{project['key']}-2"]


async def test_two_writers_with_the_same_if_match_exactly_one_wins(admin, make_issue, db):
    issue = await make_issue(summary="start")

    async def edit(text: str):
        return await admin.patch(f"/api/v1/issues/{issue['key']}", json={"summary": text}, headers={"If-Match": '"1"'})

    a, b = await asyncio.gather(edit("writer A"), edit("writer B"))
    assert sorted([a.status_code, b.status_code]) == [200, 409]
    loser = a if a.status_code == 409 else b
    winner = b if loser is a else a
    assert loser.json()["code"] == "version_conflict" and loser.json()["current_version"] == 2
    assert loser.headers["etag"] == '"2"'
    cur = await db.execute(
        "SELECT to_string FROM issue_history WHERE issue_key = %s AND field = 'summary' AND NOT is_create",
        (issue["key"],),
    )
    assert [r["to_string"] for r in await cur.fetchall()] == [winner.json()["summary"]]
    current = (await admin.get(f"/api/v1/issues/{issue['key']}")).json()
    assert current["summary"] == winner.json()["summary"] and current["version"] == 2


async def test_stale_if_match_is_409_for_every_write(admin, make_issue):
    issue = await make_issue()
    await admin.patch(f"/api/v1/issues/{issue['key']}", json={"summary": "bump"})
    stale = {"If-Match": '"1"'}
    key = issue["key"]
    for r in [
        await admin.patch(f"/api/v1/issues/{key}", json={"summary": "x"}, headers=stale),
        await admin.put(f"/api/v1/issues/{key}/assignee", json={"assignee": "admin"}, headers=stale),
        await admin.post(f"/api/v1/issues/{key}/transitions", json={"transition": "Start Progress"}, headers=stale),
        await admin.post(f"/api/v1/issues/{key}/comments", json={"body": "x"}, headers=stale),
        await admin.delete(f"/api/v1/issues/{key}", headers=stale),
    ]:
        assert r.status_code == 409 and r.json()["current_version"] == 2
    final = (await admin.get(f"/api/v1/issues/{key}")).json()
    assert final["version"] == 2 and final["assignee"] is None and final["status"]["name"] == "To Do"


async def test_idempotent_retry_creates_exactly_one_issue(admin, project, db):
    body = {"project": project["key"], "type": "Task", "summary": "only once"}
    headers = {"Idempotency-Key": "create-1"}
    first = await admin.post("/api/v1/issues", json=body, headers=headers)
    second = await admin.post("/api/v1/issues", json=body, headers=headers)
    third = await admin.post("/api/v1/issues", json=body, headers={"X-Idempotency-Key": "create-1"})
    assert first.status_code == second.status_code == third.status_code == 201
    assert first.json() == second.json() == third.json()
    assert second.headers["idempotent-replayed"] == "true" and second.headers["etag"] == first.headers["etag"]
    assert (await counts(db, project["key"]))["issues"] == 1


async def test_concurrent_retries_with_one_key_create_one_issue(admin, project, db):
    body = {"project": project["key"], "type": "Task", "summary": "racing retries"}
    responses = await asyncio.gather(
        *(admin.post("/api/v1/issues", json=body, headers={"Idempotency-Key": "race"}) for _ in range(10))
    )
    statuses = {r.status_code for r in responses}
    assert statuses <= {201, 409}
    created = {r.json()["key"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert all(r.json()["code"] == "idempotency_in_flight" for r in responses if r.status_code == 409)
    assert (await counts(db, project["key"]))["issues"] == 1


async def test_same_key_different_body_is_422(admin, project, db):
    headers = {"Idempotency-Key": "k-diff"}
    ok = await admin.post(
        "/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "a"}, headers=headers
    )
    assert ok.status_code == 201
    r = await admin.post(
        "/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "b"}, headers=headers
    )
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
    r = await admin.patch(f"/api/v1/issues/{ok.json()['key']}", json={"summary": "a"}, headers=headers)
    assert r.status_code == 422
    assert (await counts(db, project["key"]))["issues"] == 1


async def test_request_in_flight_with_same_key_is_409(admin, project, database_url, db):
    admin_id = (await (await db.execute("SELECT id FROM users WHERE username = 'admin'")).fetchone())["id"]
    async with await psycopg.AsyncConnection.connect(database_url) as holder:
        async with holder.transaction():
            # what an in-flight request with this key holds for the time of its transaction
            await holder.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_id(admin_id, "in-flight"),))
            r = await admin.post(
                "/api/v1/issues",
                json={"project": project["key"], "type": "Task", "summary": "x"},
                headers={"Idempotency-Key": "in-flight"},
            )
            assert r.status_code == 409 and r.json()["code"] == "idempotency_in_flight"
            assert r.headers["retry-after"] == "1"
    assert (await counts(db, project["key"]))["issues"] == 0


async def test_failed_request_is_not_stored_under_its_key(admin, project, db):
    headers = {"Idempotency-Key": "fails-first"}
    body = {"project": project["key"], "type": "Task", "summary": "s", "assignee": "later-user"}
    assert (await admin.post("/api/v1/issues", json=body, headers=headers)).status_code == 422
    assert (await admin.post("/api/v1/users", json={"username": "later-user", "display_name": "L"})).status_code in (
        201,
        409,
    )
    assert (await admin.post("/api/v1/issues", json=body, headers=headers)).status_code == 201
    assert (await counts(db, project["key"]))["issues"] == 1
