"""Every agile change of an issue is a history row and an outbox event at the same instant; replaying the
history gives back the issue's current agile fields, which is what the warehouse and reports rely on."""

from __future__ import annotations

from tests.agile.conftest import DONE, events, history, rows, set_status, sprint_ids

AGILE_FIELDS = {"Rank", "Sprint", "Fix Version", "Version", "Component", "Link", "Story Points"}


def replay_multi(items, field):
    """Values of a multi-valued field (one history item per added/removed value) after all its items."""
    values: set[str] = set()
    for h in items:
        if h["field"] != field:
            continue
        if h["from_value"] is not None:
            values.discard(h["from_value"])
        if h["to_value"] is not None:
            values.add(h["to_value"])
    return values


async def test_every_agile_change_is_history_and_an_event_with_its_time(
    admin, make_board, make_issue, make_sprint, project, db
):
    board = await make_board()
    s1, s2 = await make_sprint(board["id"]), await make_sprint(board["id"])
    issue, other, anchor = await make_issue(), await make_issue(), await make_issue()
    key = issue["key"]
    version = (await admin.post(f"/api/v1/projects/{project['key']}/versions", json={"name": "1.0"})).json()
    await admin.post(f"/api/v1/projects/{project['key']}/versions", json={"name": "1.1"})
    await admin.post(f"/api/v1/projects/{project['key']}/components", json={"name": "Core"})
    calls = [
        ("put", "/api/v1/rank", {"issues": [key], "rank_after_issue": anchor["key"]}),
        ("post", f"/api/v1/sprints/{s1['id']}/issues", {"issues": [key, other["key"]]}),
        ("put", f"/api/v1/issues/{key}/estimation", {"value": 5}),
        ("post", f"/api/v1/sprints/{s1['id']}/start", {}),
        ("put", f"/api/v1/issues/{key}/estimation", {"value": 8}),
        ("put", f"/api/v1/issues/{key}/versions", {"fix_versions": ["1.0", "1.1"], "affects_versions": ["1.0"]}),
        ("put", f"/api/v1/issues/{key}/versions", {"fix_versions": ["1.1"]}),
        ("put", f"/api/v1/issues/{key}/components", {"components": ["Core"]}),
        ("post", "/api/v1/issuelinks", {"type": "Blocks", "source": key, "target": other["key"]}),
        ("post", f"/api/v1/sprints/{s1['id']}/complete", {"move_to": s2["id"]}),
    ]
    for method, url, body in calls:
        if url.endswith("/complete"):
            await set_status(db, other["key"], DONE)
        r = await getattr(admin, method)(url, json=body)
        assert r.status_code in (200, 201), (url, r.text)

    items = [h for h in await history(db, key) if not h["is_create"]]
    assert {h["field"] for h in items} == AGILE_FIELDS
    by_change = {e["event_id"]: e for e in await events(db, key=key)}
    for h in items:
        event = by_change[h["change_id"]]  # one event per change, carrying its id
        assert event["event_type"] == "issue.updated" and event["occurred_at"] == h["occurred_at"]
        item = (h["field"], h["from_value"], h["to_value"], h["from_string"], h["to_string"])
        assert item in [
            (c["field"], c["from"], c["to"], c["from_string"], c["to_string"]) for c in event["payload"]["changes"]
        ]
    versions = [e["payload"]["version"] for e in by_change.values()]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)

    # Replaying the history gives back the current state.
    sprint_rows = [h for h in items if h["field"] == "Sprint"]
    assert sprint_rows[-1]["to_value"] == ", ".join(str(s) for s in await sprint_ids(db, key))
    assert sprint_rows[-1]["to_value"] == f"{s1['id']}, {s2['id']}"
    assert (
        sprint_rows[-1]["occurred_at"]
        == (await rows(db, "SELECT complete_date FROM sprints WHERE id = %s", s1["id"]))[0]["complete_date"]
    )
    fix = {
        str(r["version_id"])
        for r in await rows(
            db, "SELECT version_id FROM issue_fix_versions x JOIN issues i ON i.id = x.issue_id WHERE i.key = %s", key
        )
    }
    assert replay_multi(items, "Fix Version") == fix and str(version["id"]) not in fix
    assert replay_multi(items, "Version") == {str(version["id"])}
    assert len(replay_multi(items, "Component")) == 1
    points = [h for h in items if h["field"] == "Story Points"]
    assert [(p["from_value"], p["to_value"]) for p in points] == [(None, "5"), ("5", "8")]
    # The estimate change after the start is after the start: reports see it as scope change.
    started = (await rows(db, "SELECT start_date, activated_date FROM sprints WHERE id = %s", s1["id"]))[0]
    assert points[0]["occurred_at"] <= started["activated_date"] <= points[1]["occurred_at"]
    rank_after = (await rows(db, "SELECT rank FROM issues WHERE key = %s", key))[0]["rank"]
    assert [h for h in items if h["field"] == "Rank"][-1]["to_value"] == rank_after
    # The other issue was done at completion: it keeps the closed sprint only, with no extra history row.
    assert await sprint_ids(db, other["key"]) == [s1["id"]]
    assert len(await history(db, other["key"], "Sprint")) == 1
