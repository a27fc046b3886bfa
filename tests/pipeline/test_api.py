"""Webhook, watcher and notification endpoints: bad input gets a problem+json error and writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import pytest

VALID = {"name": "hook", "url": "http://127.0.0.1:9/hook", "events": ["issue.created"]}


async def _count(db: psycopg.AsyncConnection[Any], table: str) -> int:
    cur = await db.execute(f"SELECT count(*) AS n FROM {table}")  # type: ignore[arg-type]  # fixed table names
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (VALID | {"url": "ftp://127.0.0.1/hook"}, "url"),
        (VALID | {"url": "http://evil.example.com/hook"}, "url"),
        (VALID | {"url": "http:///nohost"}, "url"),
        (VALID | {"url": "http://user:pw@127.0.0.1/x"}, "url"),
        (VALID | {"url": "http://127.0.0.1:99999/x"}, "url"),
        (VALID | {"events": []}, "events"),
        (VALID | {"events": ["issue.exploded"]}, "events"),
        (VALID | {"jql": 7}, "jql"),
        (VALID | {"secret": "short"}, "secret"),
        (VALID | {"name": " "}, "name"),
        (VALID | {"extra": 1}, "extra"),
        ({k: v for k, v in VALID.items() if k != "url"}, "url"),
    ],
)
async def test_bad_webhook_registrations_are_refused(
    padmin: httpx.AsyncClient, pdb: psycopg.AsyncConnection[Any], body: dict[str, Any], field: str
) -> None:
    before = await _count(pdb, "webhooks")
    r = await padmin.post("/api/v1/webhooks", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.json()["errors"], r.json()
    assert await _count(pdb, "webhooks") == before


@pytest.mark.parametrize(
    ("jql", "code"),
    [
        ("project = ", "jql_syntax_error"),
        ("nosuchfield = 1", "jql_semantic_error"),
        ("project = NOSUCHPROJECT", "jql_semantic_error"),
        ("assignee in membersOf(", "jql_syntax_error"),
    ],
)
async def test_an_invalid_jql_filter_is_refused_with_400(
    padmin: httpx.AsyncClient, pdb: psycopg.AsyncConnection[Any], jql: str, code: str | None
) -> None:
    before = await _count(pdb, "webhooks")
    r = await padmin.post("/api/v1/webhooks", json=VALID | {"jql": jql})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert "jql" in problem["errors"] and problem["code"].startswith("jql"), problem
    if code is not None:
        assert problem["code"] == code, problem
    assert await _count(pdb, "webhooks") == before
    created = await padmin.post("/api/v1/webhooks", json=VALID | {"jql": "type = Task"})
    assert created.status_code == 201, created.text
    patched = await padmin.patch(f"/api/v1/webhooks/{created.json()['id']}", json={"jql": jql})
    assert patched.status_code == 400 and "jql" in patched.json()["errors"], patched.text
    assert (await padmin.get(f"/api/v1/webhooks/{created.json()['id']}")).json()["jql"] == "type = Task"


async def test_webhooks_are_for_administrators_and_unknown_ones_are_404(
    padmin: httpx.AsyncClient, pmake_user: Any, pdb: psycopg.AsyncConnection[Any]
) -> None:
    _, user = await pmake_user()
    before = await _count(pdb, "webhooks")
    r = await user.post("/api/v1/webhooks", json=VALID)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert (await user.get("/api/v1/webhooks")).status_code == 403
    assert await _count(pdb, "webhooks") == before
    assert (await padmin.get("/api/v1/webhooks/999999999")).status_code == 404
    assert (await padmin.post("/api/v1/webhooks/999999999/deliveries/1/redeliver")).status_code == 404
    created = await padmin.post("/api/v1/webhooks", json=VALID | {"jql": "type = Bug ORDER BY key"})
    assert created.status_code == 201, created.text
    hook = created.json()
    assert len(hook["secret"]) >= 32 and hook["jql"] == "type = Bug ORDER BY key"
    patched = await padmin.patch(f"/api/v1/webhooks/{hook['id']}", json={"url": "https://evil.example.com/"})
    assert patched.status_code == 422
    assert (await padmin.get(f"/api/v1/webhooks/{hook['id']}")).json()["url"] == VALID["url"]
    patched = await padmin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False, "events": ["*"]})
    assert patched.status_code == 200 and patched.json()["events"] == ["*"] and not patched.json()["active"]
    assert (await padmin.delete(f"/api/v1/webhooks/{hook['id']}")).status_code == 204
    assert (await padmin.get(f"/api/v1/webhooks/{hook['id']}")).status_code == 404


async def test_watcher_errors(
    padmin: httpx.AsyncClient, pmake_user: Any, pproject: dict[str, Any], pdb: psycopg.AsyncConnection[Any]
) -> None:
    issue = (
        await padmin.post("/api/v1/issues", json={"project": pproject["key"], "type": "Task", "summary": "w"})
    ).json()
    key = issue["key"]
    other, other_client = await pmake_user()
    before = await _count(pdb, "issue_watchers")
    r = await padmin.post(f"/api/v1/issues/{key}/watchers", json={"username": "nobody-here"})
    assert r.status_code == 422 and "username" in r.json()["errors"]
    r = await other_client.post(f"/api/v1/issues/{key}/watchers", json={"username": "admin"})
    assert r.status_code == 403  # only yourself, unless you administer the project
    assert (await padmin.post("/api/v1/issues/NOPE-1/watchers")).status_code == 404
    assert (await padmin.post(f"/api/v1/issues/{key}/watchers", json={"username": 5})).status_code == 422
    assert await _count(pdb, "issue_watchers") == before
    assert (await padmin.post(f"/api/v1/issues/{key}/watchers", json={"username": other})).status_code == 204
    assert (await padmin.post(f"/api/v1/issues/{key}/watchers", json={"username": other})).status_code == 204
    listing = (await other_client.get(f"/api/v1/issues/{key}/watchers")).json()
    assert listing["watchCount"] == 1 and listing["isWatching"]
    assert (await other_client.delete(f"/api/v1/issues/{key}/watchers")).status_code == 204
    assert (await other_client.get(f"/api/v1/issues/{key}/watchers")).json()["watchCount"] == 0


async def test_mark_read_errors(padmin: httpx.AsyncClient, pmake_user: Any) -> None:
    _, user = await pmake_user()
    for body in ({}, {"ids": [], "all": False}, {"ids": [1], "all": True}, {"ids": ["x"]}):
        r = await user.post("/api/v1/notifications/read", json=body)
        assert r.status_code == 422, (body, r.text)
    r = await user.post("/api/v1/notifications/read", json={"ids": [2**62]})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert (await user.post("/api/v1/notifications/0/read")).status_code == 422
    assert (await user.get("/api/v1/notifications?maxResults=0")).status_code == 422
    assert (await user.get("/api/v1/notifications")).json()["total"] == 0
