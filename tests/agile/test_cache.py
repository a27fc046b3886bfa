"""Redis cache of board views and project metadata: a committed write is visible in the next read.

These tests use the real Redis on 127.0.0.1:6379 under a key prefix unique to the run, and the shared test app
with Redis switched on for the duration of each test.
"""

from __future__ import annotations

import os
import secrets

import psycopg
import pytest
import redis.asyncio as aioredis
from psycopg.rows import dict_row

from tests.agile.conftest import DONE, column_keys, set_status
from tracker.agile.cache import AgileCache

REDIS_URL = os.environ.get("TRACKLAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def cached_app(app):
    """The shared app with Redis on, under a fresh key prefix (removed afterwards)."""
    client = aioredis.from_url(REDIS_URL)
    await client.ping()
    state = app.state.tracklake
    prefix = f"tracklake-test:{os.getpid()}:{secrets.token_hex(4)}:"
    saved = state.redis, dict(state.extras)
    state.redis = client
    state.extras["agile_cache_prefix"] = prefix
    try:
        yield client, prefix
    finally:
        state.redis = saved[0]
        state.extras.clear()
        state.extras.update(saved[1])
        async for key in client.scan_iter(match=prefix + "*", count=10000):
            await client.delete(key)
        await client.aclose()


async def view(admin, board_id, **params):
    r = await admin.get(f"/api/v1/boards/{board_id}/view", params=params)
    assert r.status_code == 200, r.text
    return r.headers["x-cache"], r.json()


async def test_without_redis_views_are_computed_every_time(admin, make_board, make_issue):
    board = await make_board(type="kanban")
    await make_issue()
    assert (await view(admin, board["id"]))[0] == "off"


async def test_writes_invalidate_the_board_view_after_commit(cached_app, admin, make_board, make_issue, db):
    client, prefix = cached_app
    board = await make_board(type="kanban")
    a, b = await make_issue(summary="first"), await make_issue(summary="second")
    state, first = await view(admin, board["id"])
    assert state == "miss" and column_keys(first) == [[a["key"], b["key"]], [], []]
    assert (await view(admin, board["id"]))[0] == "hit"
    assert [k async for k in client.scan_iter(match=prefix + "board:*")]

    # An edit through the issues API (code that knows nothing about boards) is seen by the next read.
    r = await admin.patch(f"/api/v1/issues/{a['key']}", json={"summary": "renamed"})
    assert r.status_code == 200
    state, after = await view(admin, board["id"])
    assert state == "miss" and after["columns"][0]["issues"][0]["summary"] == "renamed"
    assert (await view(admin, board["id"]))[0] == "hit"

    # A rank move.
    await admin.put("/api/v1/rank", json={"issues": [b["key"]], "rank_before_issue": a["key"]})
    state, after = await view(admin, board["id"])
    assert state == "miss" and column_keys(after)[0] == [b["key"], a["key"]]

    # A new issue, and any other writer's change (here plain SQL, as an import would).
    c = await make_issue()
    await set_status(db, c["key"], DONE)
    state, after = await view(admin, board["id"])
    assert state == "miss" and column_keys(after) == [[b["key"], a["key"]], [], [c["key"]]]

    # A change to the board itself.
    cols = [{"name": "All", "statuses": ["To Do"]}, {"name": "Done", "statuses": ["Done"]}]
    assert (await admin.put(f"/api/v1/boards/{board['id']}/columns", json={"columns": cols})).status_code == 200
    state, after = await view(admin, board["id"])
    assert state == "miss" and [c["name"] for c in after["columns"]] == ["All", "Done"]
    assert (await view(admin, board["id"]))[0] == "hit"


async def test_an_uncommitted_write_does_not_invalidate_and_a_committed_one_does(
    cached_app, admin, make_board, make_issue, database_url
):
    board = await make_board(type="kanban")
    a = await make_issue(summary="before")
    await view(admin, board["id"])
    async with await psycopg.AsyncConnection.connect(database_url, row_factory=dict_row) as writer:
        await writer.execute("UPDATE issues SET summary = 'during', version = version + 1 WHERE key = %s", (a["key"],))
        state, during = await view(admin, board["id"])
        assert state == "hit" and during["columns"][0]["issues"][0]["summary"] == "before"
        await writer.commit()
    state, after = await view(admin, board["id"])
    assert state == "miss" and after["columns"][0]["issues"][0]["summary"] == "during"


async def test_sprint_changes_invalidate_the_scrum_view_and_backlog(
    cached_app, admin, make_board, make_issue, make_sprint
):
    board = await make_board()
    a = await make_issue()
    sprint = await make_sprint(board["id"])
    assert (await view(admin, board["id"]))[0] == "miss"
    r = await admin.get(f"/api/v1/boards/{board['id']}/backlog")
    assert r.headers["x-cache"] == "miss" and [i["key"] for i in r.json()["backlog"]["issues"]] == [a["key"]]
    await admin.post(f"/api/v1/sprints/{sprint['id']}/issues", json={"issues": [a["key"]]})
    r = await admin.get(f"/api/v1/boards/{board['id']}/backlog")
    assert r.headers["x-cache"] == "miss" and r.json()["backlog"]["issues"] == []
    assert (await admin.get(f"/api/v1/boards/{board['id']}/backlog")).headers["x-cache"] == "hit"
    await admin.post(f"/api/v1/sprints/{sprint['id']}/start", json={})
    state, after = await view(admin, board["id"])
    assert state == "miss" and after["sprints"][0]["state"] == "active" and column_keys(after)[0] == [a["key"]]
    await admin.patch(f"/api/v1/sprints/{sprint['id']}", json={"goal": "new goal"})
    state, after = await view(admin, board["id"])
    assert state == "miss" and after["sprints"][0]["goal"] == "new goal"


async def test_views_are_per_viewer_and_cross_project_boards_watch_every_project(
    cached_app, admin, make_user, make_issue, project
):
    other = await admin.post("/api/v1/projects", json={"key": "X" + project["key"][1:6], "name": "Other"})
    assert other.status_code == 201, other.text
    okey = other.json()["key"]
    mine = await make_issue()
    theirs = await admin.post("/api/v1/issues", json={"project": okey, "type": "Task", "summary": "there"})
    r = await admin.post(
        "/api/v1/boards",
        json={
            "name": "Both",
            "type": "kanban",
            "project": project["key"],
            "jql": f"project in ({project['key']}, {okey})",
        },
    )
    board = r.json()
    state, both = await view(admin, board["id"])
    assert state == "miss" and column_keys(both)[0] == [mine["key"], theirs.json()["key"]]
    _, user = await make_user()
    assert (await view(user, board["id"]))[0] == "miss"  # another viewer, another entry
    await admin.patch(f"/api/v1/issues/{theirs.json()['key']}", json={"summary": "changed there"})
    state, after = await view(admin, board["id"])
    assert state == "miss" and after["columns"][0]["issues"][1]["summary"] == "changed there"


async def test_project_metadata_is_cached_and_invalidated(cached_app, admin, project):
    url = f"/api/v1/projects/{project['key']}/agile"
    r = await admin.get(url)
    assert r.headers["x-cache"] == "miss" and r.json()["versions"] == []
    assert (await admin.get(url)).headers["x-cache"] == "hit"
    await admin.post(f"/api/v1/projects/{project['key']}/versions", json={"name": "1.0"})
    r = await admin.get(url)
    assert r.headers["x-cache"] == "miss" and [v["name"] for v in r.json()["versions"]] == ["1.0"]
    await admin.post(f"/api/v1/projects/{project['key']}/components", json={"name": "Core"})
    await admin.post("/api/v1/boards", json={"name": "B", "type": "kanban", "project": project["key"]})
    r = await admin.get(url)
    assert r.headers["x-cache"] == "miss" and [c["name"] for c in r.json()["components"]] == ["Core"]
    assert [b["name"] for b in r.json()["boards"]] == ["B"]


async def test_a_failing_redis_is_a_miss_not_an_error(app, admin, make_board, make_issue):
    board = await make_board(type="kanban")
    await make_issue()
    broken = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    state = app.state.tracklake
    saved = state.redis
    state.redis = broken
    try:
        s, body = await view(admin, board["id"])
        assert s == "miss" and body["total"] == 1
    finally:
        state.redis = saved
        await broken.aclose()


def test_cache_keys_depend_on_every_part():
    cache = AgileCache(None, prefix="p:")
    one = cache.key("board", {"board": 1, "stamps": [1, 2]})
    assert one.startswith("p:board:") and one == cache.key("board", {"stamps": [1, 2], "board": 1})
    assert one != cache.key("board", {"board": 1, "stamps": [1, 3]})
