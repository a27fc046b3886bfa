"""Every class of bad input gets a clear 4xx problem and writes nothing."""

from __future__ import annotations

import pytest

from tests.conftest import counts

LONG = "x" * 256


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"type": "Task"}, 422, "summary"),
        ({"summary": "s"}, 422, "type"),
        ({"type": "Task", "summary": ""}, 422, "summary"),
        ({"type": "Task", "summary": "   "}, 422, "summary"),
        ({"type": "Task", "summary": LONG}, 422, "summary"),
        ({"type": "Task", "summary": 42}, 422, "summary"),
        ({"type": "Task", "summary": "s", "bogus": 1}, 422, "bogus"),
        ({"type": "Nonsense", "summary": "s"}, 422, "type"),
        ({"type": "Task", "summary": "s", "priority": "Urgentest"}, 422, "priority"),
        ({"type": "Task", "summary": "s", "assignee": "no-such-user"}, 422, "assignee"),
        ({"type": "Task", "summary": "s", "reporter": "no-such-user"}, 422, "reporter"),
        ({"type": "Task", "summary": "s", "labels": "notalist"}, 422, "labels"),
        ({"type": "Task", "summary": "s", "labels": ["has space"]}, 422, "labels"),
        ({"type": "Task", "summary": "s", "labels": [LONG]}, 422, "labels"),
        ({"type": "Task", "summary": "s", "labels": [f"l{n}" for n in range(101)]}, 422, "labels"),
        ({"type": "Task", "summary": "s", "due_date": "31/12/2026"}, 422, "due_date"),
        ({"type": "Task", "summary": "s", "story_points": "five"}, 422, "story_points"),
        ({"type": "Task", "summary": "s", "story_points": -1}, 422, "story_points"),
        ({"type": "Task", "summary": "s", "story_points": 1e12}, 422, "story_points"),
        ({"type": "Task", "summary": "s", "story_points": 99999999.995}, 422, "story_points"),  # rounds past the column
        ({"type": "Task", "summary": "s", "description": "d" * 40000}, 422, "description"),
        ({"type": "Task", "summary": "s", "parent": "NOPE-1"}, 422, "parent"),
    ],
)
async def test_bad_issue_create_writes_nothing(admin, project, db, body, status, field):
    before = await counts(db, project["key"])
    r = await admin.post("/api/v1/issues", json={"project": project["key"], **body})
    assert r.status_code == status, r.text
    problem = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "validation_error" and field in problem["errors"], problem
    assert await counts(db, project["key"]) == before


async def test_unknown_project_and_invalid_keys(admin, db):
    r = await admin.post("/api/v1/issues", json={"project": "ZZZNOPE", "type": "Task", "summary": "s"})
    assert r.status_code == 404 and "ZZZNOPE" in r.json()["title"]
    for key in ("lowercase", "A", "1ABC", "TOOLONGKEY12", "AB-C"):
        r = await admin.post("/api/v1/projects", json={"key": key, "name": "x"})
        assert r.status_code == 422 and "key" in r.json()["errors"], key
    cur = await db.execute("SELECT count(*) AS n FROM projects WHERE key IN ('lowercase', 'A', '1ABC')")
    assert (await cur.fetchone())["n"] == 0


async def test_malformed_json_and_wrong_content(admin, project, db):
    before = await counts(db, project["key"])
    r = await admin.post(
        "/api/v1/issues", content=b'{"project": "X", "summary": ', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    r = await admin.post("/api/v1/issues", content=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    # curl -d without a JSON content type sends a form: say what to send instead of "not a valid dictionary"
    form = f'{{"project": "{project["key"]}", "type": "Task", "summary": "s"}}'.encode()
    r = await admin.post("/api/v1/issues", content=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type", r.text
    assert "Content-Type: application/json" in r.json()["title"]
    assert await counts(db, project["key"]) == before


async def test_oversize_body_is_413(admin, project, db):
    before = await counts(db, project["key"])
    r = await admin.post(
        "/api/v1/issues",
        json={"project": project["key"], "type": "Task", "summary": "s", "description": "x" * 2_000_000},
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    assert await counts(db, project["key"]) == before


async def test_bad_updates_write_nothing(admin, make_issue, project, db):
    issue = await make_issue()
    before = await counts(db, project["key"])
    for body in [
        {"summary": None},
        {"summary": LONG},
        {"status": "Done"},
        {"type": "Nope"},
        {"reporter": None},
        {"parent": issue["key"]},
        {"labels": [1, 2]},
        {"project": "OTHER"},
        {"story_points": True},
    ]:
        r = await admin.patch(f"/api/v1/issues/{issue['key']}", json=body)
        assert r.status_code == 422, (body, r.text)
        if "status" in body:
            assert "transitions" in r.json()["errors"]["status"]
    for header in ("abc", '"x"', 'W/"-1"'):
        r = await admin.patch(f"/api/v1/issues/{issue['key']}", json={"summary": "x"}, headers={"If-Match": header})
        assert r.status_code == 422 and "If-Match" in r.json()["errors"]
    r = await admin.post(f"/api/v1/issues/{issue['key']}/comments", json={"body": ""})
    assert r.status_code == 422
    r = await admin.post(f"/api/v1/issues/{issue['key']}/transitions", json={"transition": "Teleport"})
    assert r.status_code == 409
    r = await admin.get(f"/api/v1/issues/{issue['key']}/comments", params={"maxResults": 0})
    assert r.status_code == 422
    assert await counts(db, project["key"]) == before
    assert (await admin.get(f"/api/v1/issues/{issue['key']}")).json()["version"] == 1
