"""Issue links: one row, shown on both issues with the matching wording, recorded on both."""

from __future__ import annotations

from tests.agile.conftest import events, history, restrict_project
from tests.conftest import counts


async def test_link_types_are_jiras(admin):
    types = (await admin.get("/api/v1/issuelinktypes")).json()["link_types"]
    assert {(t["name"], t["outward"], t["inward"]) for t in types} >= {
        ("Blocks", "blocks", "is blocked by"),
        ("Relates", "relates to", "relates to"),
        ("Duplicate", "duplicates", "is duplicated by"),
        ("Cloners", "clones", "is cloned by"),
    }


async def test_a_link_is_shown_on_both_issues(admin, make_issue, db):
    a, b = await make_issue(summary="API"), await make_issue(summary="UI")
    r = await admin.post("/api/v1/issuelinks", json={"type": "Blocks", "source": a["key"], "target": b["key"]})
    assert r.status_code == 201, r.text
    link = r.json()
    assert (link["source"], link["target"], link["type"]["name"]) == (a["key"], b["key"], "Blocks")
    on_a = (await admin.get(f"/api/v1/issues/{a['key']}/links")).json()["links"]
    on_b = (await admin.get(f"/api/v1/issues/{b['key']}/links")).json()["links"]
    assert [(x["id"], x["direction"], x["relation"], x["issue"]["key"]) for x in on_a] == [
        (link["id"], "outward", "blocks", b["key"])
    ]
    assert [(x["id"], x["direction"], x["relation"], x["issue"]["key"]) for x in on_b] == [
        (link["id"], "inward", "is blocked by", a["key"])
    ]
    assert on_b[0]["issue"]["summary"] == "API"

    (ha,) = await history(db, a["key"], "Link")
    (hb,) = await history(db, b["key"], "Link")
    assert (ha["to_value"], ha["to_string"]) == (b["key"], f"This issue blocks {b['key']}")
    assert (hb["to_value"], hb["to_string"]) == (a["key"], f"This issue is blocked by {a['key']}")
    assert ha["occurred_at"] == hb["occurred_at"]
    for key, row in ((a["key"], ha), (b["key"], hb)):
        (event,) = [e for e in await events(db, key=key) if e["event_type"] == "issue.updated"]
        assert event["event_id"] == row["change_id"] and event["payload"]["data"]["link"]["id"] == link["id"]

    assert (await admin.delete(f"/api/v1/issuelinks/{link['id']}")).status_code == 204
    assert (await admin.get(f"/api/v1/issues/{a['key']}/links")).json()["links"] == []
    assert (await admin.get(f"/api/v1/issues/{b['key']}/links")).json()["links"] == []
    assert [(h["from_value"], h["to_value"]) for h in await history(db, b["key"], "Link")] == [
        (None, a["key"]),
        (a["key"], None),
    ]
    assert (await history(db, b["key"], "Link"))[-1]["from_string"] == f"This issue is blocked by {a['key']}"


async def test_inward_wording_swaps_the_ends_and_duplicates_are_refused(admin, make_issue, project, db):
    a, b = await make_issue(), await make_issue()
    r = await admin.post("/api/v1/issuelinks", json={"type": "is blocked by", "source": a["key"], "target": b["key"]})
    assert r.status_code == 201 and (r.json()["source"], r.json()["target"]) == (b["key"], a["key"])
    before = await counts(db, project["key"])
    r = await admin.post("/api/v1/issuelinks", json={"type": "blocks", "source": b["key"], "target": a["key"]})
    assert r.status_code == 409
    assert (
        await admin.post("/api/v1/issuelinks", json={"type": "Relates", "source": a["key"], "target": b["key"]})
    ).status_code == 201
    r = await admin.post("/api/v1/issuelinks", json={"type": "relates to", "source": b["key"], "target": a["key"]})
    assert r.status_code == 409  # symmetric: b relates to a is the same link
    r = await admin.post("/api/v1/issuelinks", json={"type": "Duplicate", "source": a["key"], "target": a["key"]})
    assert r.status_code == 422
    r = await admin.post("/api/v1/issuelinks", json={"type": "Precedes", "source": a["key"], "target": b["key"]})
    assert r.status_code == 422 and "type" in r.json()["errors"]
    r = await admin.post("/api/v1/issuelinks", json={"type": "Blocks", "source": a["key"], "target": "NOPE-1"})
    assert r.status_code == 404 and "target" in r.json()["errors"]
    after = await counts(db, project["key"])
    assert after["history"] == before["history"] + 2  # only the Relates link, on both issues


async def test_linking_needs_link_issues_and_hidden_ends_stay_hidden(admin, make_issue, make_user, project, db):
    a, b = await make_issue(), await make_issue()
    _, user = await make_user()
    await restrict_project(db, project["key"], ["BROWSE_PROJECTS", "EDIT_ISSUES"])
    r = await user.post("/api/v1/issuelinks", json={"type": "Blocks", "source": a["key"], "target": b["key"]})
    assert r.status_code == 403 and r.json()["permission"] == "LINK_ISSUES"

    other = await admin.post("/api/v1/projects", json={"key": "L" + a["key"][1:5], "name": "Hidden"})
    assert other.status_code == 201, other.text
    hidden = await admin.post("/api/v1/issues", json={"project": other.json()["key"], "type": "Task", "summary": "h"})
    r = await admin.post(
        "/api/v1/issuelinks", json={"type": "Relates", "source": a["key"], "target": hidden.json()["key"]}
    )
    assert r.status_code == 201
    await restrict_project(db, other.json()["key"], [])
    assert (await user.get(f"/api/v1/issues/{a['key']}/links")).json()["links"] == []
    assert (await user.get(f"/api/v1/issuelinks/{r.json()['id']}")).status_code == 404
    assert len((await admin.get(f"/api/v1/issues/{a['key']}/links")).json()["links"]) == 1
