"""Versions and components of a project, and of issues (one history item per added or removed value)."""

from __future__ import annotations

from tests.agile.conftest import events, history
from tests.conftest import counts


async def test_versions_lifecycle_and_issue_versions(admin, make_issue, project, db):
    base = f"/api/v1/projects/{project['key']}/versions"
    r = await admin.post(base, json={"name": "1.0", "start_date": "2026-01-01", "release_date": "2026-02-01"})
    assert r.status_code == 201, r.text
    v1 = r.json()
    v2 = (await admin.post(base, json={"name": "2.0"})).json()
    assert (v1["sequence"], v2["sequence"]) == (1, 2) and v1["released"] is False
    assert (await admin.post(base, json={"name": "1.0"})).status_code == 409
    assert (
        await admin.post(base, json={"name": "3", "start_date": "2026-03-01", "release_date": "2026-02-01"})
    ).status_code == 422

    issue = await make_issue()
    r = await admin.put(
        f"/api/v1/issues/{issue['key']}/versions", json={"fix_versions": ["1.0", v2["id"]], "affects_versions": ["1.0"]}
    )
    assert r.status_code == 200, r.text
    assert [v["name"] for v in r.json()["fix_versions"]] == ["1.0", "2.0"]
    assert [v["name"] for v in r.json()["affects_versions"]] == ["1.0"]
    fix = await history(db, issue["key"], "Fix Version")
    assert [(h["from_value"], h["to_value"], h["to_string"]) for h in fix] == [
        (None, str(v1["id"]), "1.0"),
        (None, str(v2["id"]), "2.0"),
    ]
    (affects,) = await history(db, issue["key"], "Version")
    assert affects["to_value"] == str(v1["id"]) and affects["change_id"] == fix[0]["change_id"]
    r = await admin.put(f"/api/v1/issues/{issue['key']}/versions", json={"fix_versions": ["2.0"]})
    assert [v["name"] for v in r.json()["affects_versions"]] == ["1.0"]  # not given: unchanged
    assert (await history(db, issue["key"], "Fix Version"))[-1]["from_string"] == "1.0"

    r = await admin.patch(f"/api/v1/versions/{v2['id']}", json={"released": True})
    assert r.status_code == 200 and r.json()["released"] is True and r.json()["release_date"] is not None
    assert [
        e["event_type"] for e in await events(db, project=project["key"]) if e["event_type"].startswith("version.")
    ] == [
        "version.created",
        "version.created",
        "version.released",
    ]
    assert (await admin.patch(f"/api/v1/versions/{v1['id']}", json={"archived": True})).status_code == 200
    other = await make_issue()
    r = await admin.put(f"/api/v1/issues/{other['key']}/versions", json={"fix_versions": ["1.0"]})
    assert r.status_code == 422 and "archived" in r.json()["errors"]["fix_versions"]
    active = (await admin.get(f"{base}?archived=false")).json()["versions"]
    assert [v["name"] for v in active] == ["2.0"]

    assert (await admin.delete(f"/api/v1/versions/{v2['id']}")).status_code == 204
    assert (await history(db, issue["key"], "Fix Version"))[-1]["from_value"] == str(v2["id"])
    agile = (await admin.get(f"/api/v1/issues/{issue['key']}/agile")).json()
    assert agile["fix_versions"] == [] and [v["name"] for v in agile["affects_versions"]] == ["1.0"]


async def test_components_lifecycle_and_issue_components(admin, make_issue, make_user, project, db):
    lead, _ = await make_user()
    base = f"/api/v1/projects/{project['key']}/components"
    r = await admin.post(base, json={"name": "Backend", "lead": lead, "default_assignee": lead})
    assert r.status_code == 201, r.text
    backend = r.json()
    assert backend["lead"]["username"] == lead and backend["default_assignee"]["username"] == lead
    ui = (await admin.post(base, json={"name": "UI"})).json()
    assert (await admin.post(base, json={"name": "ui"})).status_code == 409
    assert (await admin.post(base, json={"name": "X", "lead": "nobody-here"})).status_code == 422

    issue = await make_issue()
    r = await admin.put(f"/api/v1/issues/{issue['key']}/components", json={"components": ["backend", ui["id"]]})
    assert r.status_code == 200, r.text
    assert [c["name"] for c in r.json()["components"]] == ["Backend", "UI"]
    assert [(h["to_value"], h["to_string"]) for h in await history(db, issue["key"], "Component")] == [
        (str(backend["id"]), "Backend"),
        (str(ui["id"]), "UI"),
    ]
    r = await admin.patch(f"/api/v1/components/{backend['id']}", json={"default_assignee": None, "name": "Server"})
    assert r.status_code == 200 and r.json()["default_assignee"] is None and r.json()["name"] == "Server"
    assert (await admin.delete(f"/api/v1/components/{ui['id']}")).status_code == 204
    assert (await history(db, issue["key"], "Component"))[-1]["from_string"] == "UI"
    listed = (await admin.get(base)).json()["components"]
    assert [c["name"] for c in listed] == ["Server"]


async def test_version_and_component_writes_need_project_admin(admin, make_user, make_issue, project, db):
    _, user = await make_user()
    issue = await make_issue()
    v = (await admin.post(f"/api/v1/projects/{project['key']}/versions", json={"name": "1"})).json()
    before = await counts(db, project["key"])
    assert (await user.post(f"/api/v1/projects/{project['key']}/versions", json={"name": "2"})).status_code == 403
    assert (await user.patch(f"/api/v1/versions/{v['id']}", json={"released": True})).status_code == 403
    assert (await user.delete(f"/api/v1/versions/{v['id']}")).status_code == 403
    assert (await user.post(f"/api/v1/projects/{project['key']}/components", json={"name": "C"})).status_code == 403
    assert (await user.get(f"/api/v1/versions/{v['id']}")).status_code == 200
    r = await user.put(f"/api/v1/issues/{issue['key']}/versions", json={"fix_versions": ["nope"]})
    assert r.status_code == 422 and "fix_versions" in r.json()["errors"]
    assert await counts(db, project["key"]) == before
    # Setting versions on an issue needs only EDIT_ISSUES.
    assert (await user.put(f"/api/v1/issues/{issue['key']}/versions", json={"fix_versions": ["1"]})).status_code == 200


async def test_issue_field_writes_honour_if_match(admin, make_issue, project, db):
    await admin.post(f"/api/v1/projects/{project['key']}/versions", json={"name": "1.0"})
    await admin.post(f"/api/v1/projects/{project['key']}/components", json={"name": "Core"})
    issue = await make_issue()
    before = await counts(db, project["key"])
    for url, body in (
        (f"/api/v1/issues/{issue['key']}/versions", {"fix_versions": ["1.0"]}),
        (f"/api/v1/issues/{issue['key']}/components", {"components": ["Core"]}),
        (f"/api/v1/issues/{issue['key']}/estimation", {"value": 3}),
    ):
        r = await admin.put(url, json=body, headers={"If-Match": '"7"'})
        assert r.status_code == 409 and r.json()["code"] == "version_conflict", (url, r.text)
    assert await counts(db, project["key"]) == before
    r = await admin.put(
        f"/api/v1/issues/{issue['key']}/versions", json={"fix_versions": ["1.0"]}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.headers["etag"] == '"2"'
