"""Running transitions: the list endpoint, choosing by id or name, screens, permissions, one write per run,
and concurrent transitions on one issue."""

from __future__ import annotations

import asyncio

from tests.conftest import unique
from tests.workflows.conftest import new_issue, run, transition_names, written


async def test_transition_list_shows_screen_fields(admin, workflow_project):
    field = (await admin.post("/api/v1/fields", json={"name": unique("Cause "), "type": "text"})).json()
    setup = await workflow_project(
        [
            {
                "name": "Start",
                "from": ["To Do"],
                "to": "In Progress",
                "screen": [{"field": "assignee", "required": True}, {"field": field["id"]}],
            },
            {"name": "Finish", "from": ["In Progress"], "to": "Done"},
            {"name": "Reopen", "from": ["Done"], "to": "To Do"},
        ]
    )
    issue = await new_issue(admin, setup["key"])
    listed = (await admin.get(f"/api/v1/issues/{issue['key']}/transitions")).json()["transitions"]
    assert listed == [
        {
            "id": str(setup["workflow"]["transitions"][0]["id"]),
            "name": "Start",
            "to": {"id": listed[0]["to"]["id"], "name": "In Progress", "category": "in_progress"},
            "hasScreen": True,
            "fields": [
                {
                    "field": "assignee",
                    "name": "Assignee",
                    "required": True,
                    "schema": {"type": "assignee", "custom": False},
                },
                {
                    "field": field["id"],
                    "name": field["name"],
                    "required": False,
                    "schema": {"type": "text", "custom": True},
                },
            ],
        }
    ]
    await run(admin, issue["key"], "Start", fields={"assignee": "admin"})
    finish = (await admin.get(f"/api/v1/issues/{issue['key']}/transitions")).json()["transitions"][0]
    # entering a done status offers the resolution, optional
    assert finish["fields"] == [
        {
            "field": "resolution",
            "name": "Resolution",
            "required": False,
            "schema": {"type": "resolution", "custom": False},
        }
    ]


async def test_transition_by_id_by_name_and_jira_style_object(admin, make_issue):
    issue = await make_issue()
    transitions = (await admin.get(f"/api/v1/issues/{issue['key']}/transitions")).json()["transitions"]
    start = next(t for t in transitions if t["name"] == "Start Progress")
    r = await admin.post(f"/api/v1/issues/{issue['key']}/transitions", json={"transition": start["id"]})
    assert r.status_code == 200 and r.json()["status"]["name"] == "In Progress"
    r = await admin.post(f"/api/v1/issues/{issue['key']}/transitions", json={"transition": {"name": "request review"}})
    assert r.status_code == 200 and r.json()["status"]["name"] == "In Review"
    r = await admin.post(
        f"/api/v1/issues/{issue['key']}/transitions",
        json={"transition": {"name": "Done"}, "fields": {"resolution": "Duplicate"}, "comment": "dup of X"},
    )
    assert r.status_code == 200 and r.json()["resolution"]["name"] == "Duplicate"
    r = await admin.post(f"/api/v1/issues/{issue['key']}/transitions", json={"transition": 999999})
    assert r.status_code == 409 and "'Reopen'" in r.json()["title"]


async def test_close_and_resolve_permissions_filter_transitions(admin, make_user):
    _, client = await make_user()
    r = await admin.post("/api/v1/permissionschemes", json={"name": unique("no-close "), "copy_from": 1})
    scheme = r.json()
    for grant in scheme["grants"]:
        if grant["permission"] == "CLOSE_ISSUES":
            await admin.delete(f"/api/v1/permissionschemes/{scheme['id']}/grants/{grant['id']}")
    key = "NC" + unique().upper()[:6].replace("0", "Q")
    r = await admin.post("/api/v1/projects", json={"key": key, "name": "No closing", "permission_scheme": scheme["id"]})
    assert r.status_code == 201, r.text
    issue = await new_issue(client, key)
    assert await transition_names(client, issue["key"]) == ["Start Progress"]
    r = await run(client, issue["key"], "Done")
    assert r.status_code == 403 and r.json()["permission"] == "CLOSE_ISSUES"
    assert await transition_names(admin, issue["key"]) == ["Start Progress", "Done"]


async def test_a_transition_writes_one_change_and_one_event(admin, make_issue, db):
    issue = await make_issue()
    history_before, outbox_before, _ = await written(db, issue["key"])
    r = await run(admin, issue["key"], "Done", fields={"resolution": "Won't Do"})
    assert r.status_code == 200 and r.json()["version"] == 2
    cur = await db.execute(
        "SELECT DISTINCT change_id FROM issue_history WHERE issue_key = %s AND NOT is_create", (issue["key"],)
    )
    changes = await cur.fetchall()
    assert len(changes) == 1
    cur = await db.execute("SELECT payload FROM outbox WHERE issue_key = %s ORDER BY id DESC LIMIT 1", (issue["key"],))
    payload = (await cur.fetchone())["payload"]
    assert payload["type"] == "issue.transitioned" and payload["event_id"] == str(changes[0]["change_id"])
    assert payload["data"]["transition"]["name"] == "Done"
    assert payload["data"]["from_status"]["name"] == "To Do" and payload["data"]["to_status"]["name"] == "Done"
    assert {c["field"] for c in payload["changes"]} == {"status", "resolution"}
    history_after, outbox_after, _ = await written(db, issue["key"])
    assert (history_after - history_before, outbox_after - outbox_before) == (2, 1)


async def test_two_concurrent_transitions_exactly_one_wins(admin, make_issue, db):
    issue = await make_issue()
    responses = await asyncio.gather(*(run(admin, issue["key"], "Start Progress") for _ in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409, 409, 409, 409], [r.text for r in responses]
    assert all(r.json()["code"] == "transition_not_allowed" for r in responses if r.status_code == 409)
    cur = await db.execute(
        "SELECT count(*) AS n FROM issue_history WHERE issue_key = %s AND field = 'status' AND NOT is_create",
        (issue["key"],),
    )
    assert (await cur.fetchone())["n"] == 1
    final = (await admin.get(f"/api/v1/issues/{issue['key']}")).json()
    assert final["status"]["name"] == "In Progress" and final["version"] == 2


async def test_concurrent_different_transitions_with_if_match_exactly_one_wins(admin, make_issue, db):
    issue = await make_issue()

    async def attempt(name: str):
        return await admin.post(
            f"/api/v1/issues/{issue['key']}/transitions", json={"transition": name}, headers={"If-Match": '"1"'}
        )

    responses = await asyncio.gather(*(attempt(n) for n in ["Start Progress", "Done"] * 4))
    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, [r.text for r in responses]
    assert all(r.status_code == 409 for r in responses if r.status_code != 200)
    final = (await admin.get(f"/api/v1/issues/{issue['key']}")).json()
    assert final["version"] == 2 and final["status"] == winners[0].json()["status"]
    cur = await db.execute("SELECT count(*) AS n FROM outbox WHERE issue_key = %s", (issue["key"],))
    assert (await cur.fetchone())["n"] == 2
