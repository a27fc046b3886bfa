"""Sprint lifecycle: future -> active -> closed, membership history as Jira writes it, carry-over at completion."""

from __future__ import annotations

from datetime import datetime

from tests.agile.conftest import DONE, IN_PROGRESS, events, history, restrict_project, rows, set_status, sprint_ids
from tests.conftest import counts


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_sprint_lifecycle_with_carry_over_to_the_next_sprint(
    admin, make_board, make_issue, make_sprint, project, db
):
    board = await make_board()
    s1 = await make_sprint(board["id"], goal="Ship login")
    s2 = await make_sprint(board["id"], name="Second")
    assert (s1["name"], s1["state"], s2["state"]) == (f"{board['name']} Sprint 1", "future", "future")
    done, open_, started = [await make_issue(summary=n, story_points=3) for n in ("done", "open", "started")]
    r = await admin.post(
        f"/api/v1/sprints/{s1['id']}/issues", json={"issues": [done["key"], open_["key"], started["key"]]}
    )
    assert r.status_code == 200, r.text
    assert [i["version"] for i in r.json()["issues"]] == [2, 2, 2]
    (added,) = await history(db, open_["key"], "Sprint")
    assert (added["from_value"], added["to_value"], added["to_string"]) == (None, str(s1["id"]), s1["name"])
    assert added["field_type"] == "custom"

    r = await admin.post(
        f"/api/v1/sprints/{s1['id']}/start",
        json={"start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-16T17:00:00Z"},
    )
    assert r.status_code == 200, r.text
    active = r.json()
    assert active["state"] == "active" and active["start_date"] == "2026-03-02T09:00:00+00:00"
    assert active["activated_date"] is not None
    (start_event,) = await events(db, project=project["key"], type="sprint.started")
    assert sorted(start_event["payload"]["data"]["issue_ids"]) == sorted(i["id"] for i in (done, open_, started))

    await set_status(db, done["key"], DONE)
    await set_status(db, started["key"], IN_PROGRESS)
    r = await admin.post(f"/api/v1/sprints/{s1['id']}/complete", json={"move_to": "next"})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["sprint"]["state"] == "closed" and result["moved_to"]["id"] == s2["id"]
    assert result["completed_issue_ids"] == [done["id"]]
    assert sorted(result["incomplete_issue_ids"]) == sorted([open_["id"], started["id"]])
    closed_at = ts(result["sprint"]["complete_date"])

    # The closed sprint stays in everyone's Sprint field; unfinished issues gain the next one.
    assert await sprint_ids(db, done["key"]) == [s1["id"]]
    assert await sprint_ids(db, open_["key"]) == [s1["id"], s2["id"]]
    moved = (await history(db, open_["key"], "Sprint"))[-1]
    assert (moved["from_value"], moved["to_value"]) == (str(s1["id"]), f"{s1['id']}, {s2['id']}")
    assert moved["to_string"] == f"{s1['name']}, Second" and moved["occurred_at"] == closed_at
    assert len(await history(db, done["key"], "Sprint")) == 1  # completion is not a removal
    (closed_event,) = await events(db, project=project["key"], type="sprint.closed")
    assert closed_event["occurred_at"] == closed_at
    assert closed_event["payload"]["data"]["completed_issue_ids"] == [done["id"]]
    assert closed_event["payload"]["data"]["moved_to"] == s2["id"]
    sprint_in_db = (await rows(db, "SELECT state, complete_date FROM sprints WHERE id = %s", s1["id"]))[0]
    assert sprint_in_db == {"state": "closed", "complete_date": closed_at}

    r = await admin.post(f"/api/v1/sprints/{s1['id']}/issues", json={"issues": [done["key"]]})
    assert r.status_code == 422 and "closed" in r.json()["title"]
    assert (await admin.post(f"/api/v1/sprints/{s1['id']}/complete", json={})).status_code == 409
    assert (await admin.post(f"/api/v1/sprints/{s1['id']}/start", json={})).status_code == 409
    listed = (await admin.get(f"/api/v1/boards/{board['id']}/sprints", params={"state": "closed"})).json()
    assert [s["id"] for s in listed["sprints"]] == [s1["id"]]


async def test_completing_to_the_backlog_changes_no_issue_and_new_creates_a_sprint(
    admin, make_board, make_issue, make_sprint, project, db
):
    board = await make_board()
    s1 = await make_sprint(board["id"])
    a = await make_issue()
    await admin.post(f"/api/v1/sprints/{s1['id']}/issues", json={"issues": [a["key"]]})
    await admin.post(f"/api/v1/sprints/{s1['id']}/start", json={})
    before = await counts(db, project["key"])
    r = await admin.post(f"/api/v1/sprints/{s1['id']}/complete", json={"move_to": "backlog"})
    assert r.status_code == 200 and r.json()["incomplete_issue_ids"] == [a["id"]] and r.json()["moved_to"] is None
    after = await counts(db, project["key"])
    assert after["history"] == before["history"] and after["outbox"] == before["outbox"] + 1  # only sprint.closed
    assert await sprint_ids(db, a["key"]) == [s1["id"]]

    s2 = await make_sprint(board["id"])
    await admin.post(f"/api/v1/sprints/{s2['id']}/issues", json={"issues": [a["key"]]})
    assert (await history(db, a["key"], "Sprint"))[-1]["to_value"] == f"{s1['id']}, {s2['id']}"
    await admin.post(f"/api/v1/sprints/{s2['id']}/start", json={})
    r = await admin.post(f"/api/v1/sprints/{s2['id']}/complete", json={"move_to": "new"})
    assert r.status_code == 200, r.text
    s3 = r.json()["moved_to"]
    assert s3["state"] == "future" and s3["name"] == f"{board['name']} Sprint 3"
    assert await sprint_ids(db, a["key"]) == [s1["id"], s2["id"], s3["id"]]


async def test_moving_between_sprints_and_to_the_backlog(admin, make_board, make_issue, make_sprint, db):
    board = await make_board()
    s1, s2 = await make_sprint(board["id"], name="One"), await make_sprint(board["id"], name="Two")
    a = await make_issue()
    await admin.post(f"/api/v1/sprints/{s1['id']}/issues", json={"issues": [a["key"]]})
    await admin.post(f"/api/v1/sprints/{s2['id']}/issues", json={"issues": [a["key"]]})
    assert await sprint_ids(db, a["key"]) == [s2["id"]]  # one open sprint at a time
    r = await admin.post(f"/api/v1/sprints/{s2['id']}/issues", json={"issues": [a["key"]]})
    assert r.status_code == 200 and r.json()["issues"][0]["version"] == 3  # already there: nothing written
    r = await admin.post("/api/v1/backlog/issues", json={"issues": [a["key"]]})
    assert r.status_code == 200
    assert await sprint_ids(db, a["key"]) == []
    assert [
        (h["from_value"], h["to_value"], h["from_string"], h["to_string"])
        for h in await history(db, a["key"], "Sprint")
    ] == [
        (None, str(s1["id"]), None, "One"),
        (str(s1["id"]), str(s2["id"]), "One", "Two"),
        (str(s2["id"]), None, "Two", None),
    ]
    (sprint,) = [(await admin.get(f"/api/v1/sprints/{s1['id']}/issues")).json()]
    assert sprint["issues"] == []


async def test_sub_tasks_follow_their_parent(admin, make_board, make_issue, make_sprint, db):
    board = await make_board()
    s1 = await make_sprint(board["id"])
    story = await make_issue(type="Story")
    sub = await make_issue(type="Sub-task", parent=story["key"])
    r = await admin.post(f"/api/v1/sprints/{s1['id']}/issues", json={"issues": [sub["key"]]})
    assert r.status_code == 422 and story["key"] in r.json()["errors"]["issues"]
    assert await sprint_ids(db, sub["key"]) == []
    await admin.post(f"/api/v1/sprints/{s1['id']}/issues", json={"issues": [story["key"]]})
    assert await sprint_ids(db, sub["key"]) == [s1["id"]]
    assert len(await history(db, sub["key"], "Sprint")) == 1
    await admin.post(f"/api/v1/sprints/{s1['id']}/start", json={})
    await set_status(db, sub["key"], DONE)  # done, but its parent is not: it moves with its parent
    s2 = await make_sprint(board["id"])
    r = await admin.post(f"/api/v1/sprints/{s1['id']}/complete", json={"move_to": s2["id"]})
    assert sorted(r.json()["incomplete_issue_ids"]) == sorted([story["id"], sub["id"]])
    assert await sprint_ids(db, sub["key"]) == [s1["id"], s2["id"]]
    await admin.post("/api/v1/backlog/issues", json={"issues": [story["key"]]})
    assert await sprint_ids(db, sub["key"]) == [s1["id"]]


async def test_editing_and_deleting_sprints(admin, make_board, make_issue, make_sprint, project, db):
    board = await make_board()
    s1 = await make_sprint(board["id"])
    r = await admin.patch(
        f"/api/v1/sprints/{s1['id']}",
        json={"name": "Renamed", "goal": "G", "start_date": "2026-04-01", "end_date": "2026-04-15"},
    )
    assert r.status_code == 200 and r.json()["name"] == "Renamed" and r.json()["start_date"].startswith("2026-04-01")
    (updated,) = await events(db, project=project["key"], type="sprint.updated")
    assert updated["payload"]["data"]["changes"]["name"] == {"from": s1["name"], "to": "Renamed"}
    r = await admin.patch(f"/api/v1/sprints/{s1['id']}", json={"end_date": "2026-03-01"})
    assert r.status_code == 422 and "end_date" in r.json()["errors"]
    a = await make_issue()
    await admin.post(f"/api/v1/sprints/{s1['id']}/issues", json={"issues": [a["key"]]})
    assert (await admin.delete(f"/api/v1/sprints/{s1['id']}")).status_code == 204
    assert (await admin.get(f"/api/v1/sprints/{s1['id']}")).status_code == 404
    assert (await history(db, a["key"], "Sprint"))[-1]["to_value"] is None
    assert [
        e["event_type"] for e in await events(db, project=project["key"]) if e["event_type"].startswith("sprint.")
    ] == [
        "sprint.created",
        "sprint.updated",
        "sprint.deleted",
    ]


async def test_sprint_rules_and_permissions(admin, make_board, make_issue, make_sprint, make_user, project, db):
    kanban = await make_board(type="kanban")
    r = await admin.post("/api/v1/sprints", json={"board_id": kanban["id"]})
    assert r.status_code == 422 and "Scrum" in r.json()["title"]
    board = await make_board()
    s1, s2 = await make_sprint(board["id"]), await make_sprint(board["id"])
    assert (await admin.post(f"/api/v1/sprints/{s1['id']}/start", json={})).status_code == 200
    r = await admin.post(f"/api/v1/sprints/{s2['id']}/start", json={})
    assert r.status_code == 409 and "already has an active sprint" in r.json()["title"]
    r = await admin.post(f"/api/v1/sprints/{s1['id']}/complete", json={"move_to": 99999999})
    assert r.status_code == 422 and "move_to" in r.json()["errors"]
    r = await admin.post(f"/api/v1/sprints/{s1['id']}/complete", json={"move_to": "sideways"})
    assert r.status_code == 422
    assert (await rows(db, "SELECT state FROM sprints WHERE id = %s", s1["id"]))[0]["state"] == "active"
    r = await admin.post(
        "/api/v1/sprints", json={"board_id": board["id"], "start_date": "2026-05-02", "end_date": "2026-05-01"}
    )
    assert r.status_code == 422

    _, user = await make_user()
    a = await make_issue()
    await restrict_project(db, project["key"], ["BROWSE_PROJECTS", "EDIT_ISSUES"])
    before = await counts(db, project["key"])
    r = await user.post("/api/v1/sprints", json={"board_id": board["id"]})
    assert r.status_code == 403 and r.json()["permission"] == "MANAGE_SPRINTS"
    assert (await user.post(f"/api/v1/sprints/{s1['id']}/complete", json={})).status_code == 403
    assert (await user.patch(f"/api/v1/sprints/{s2['id']}", json={"name": "x"})).status_code == 403
    assert await counts(db, project["key"]) == before
    # Moving issues needs EDIT_ISSUES on them, not MANAGE_SPRINTS.
    assert (await user.post(f"/api/v1/sprints/{s2['id']}/issues", json={"issues": [a["key"]]})).status_code == 200
    await restrict_project(db, project["key"], ["BROWSE_PROJECTS"])
    before = await counts(db, project["key"])
    r = await user.post("/api/v1/backlog/issues", json={"issues": [a["key"]]})
    assert r.status_code == 403 and r.json()["permission"] == "EDIT_ISSUES"
    assert await counts(db, project["key"]) == before and await sprint_ids(db, a["key"]) == [s2["id"]]
