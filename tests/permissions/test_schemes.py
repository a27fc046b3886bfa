"""Permission schemes: each grantee type, hidden issues being 404 everywhere, the browse scope search uses,
and one query for the grants however many there are."""

from __future__ import annotations

import secrets
from typing import Any

import psycopg
import pytest

from tests.conftest import unique
from tracker.accounts.models import Actor
from tracker.permissions import Permission, browsable_project_ids, browse_scope, project_grants

WORK = ["CREATE_ISSUES", "EDIT_ISSUES", "TRANSITION_ISSUES", "ADD_COMMENTS", "ASSIGNABLE_USER", "ASSIGN_ISSUES"]


async def scheme_with(admin, grants: list[dict[str, Any]]) -> int:
    r = await admin.post("/api/v1/permissionschemes", json={"name": unique("scheme "), "grants": grants})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def project_with(admin, scheme_id: int, lead: str | None = None) -> str:
    key = "S" + secrets.token_hex(3).upper().replace("0", "Q")
    body: dict[str, Any] = {"key": key, "name": f"Scheme test {key}", "permission_scheme": scheme_id}
    if lead:
        body["lead"] = lead
    r = await admin.post("/api/v1/projects", json=body)
    assert r.status_code == 201, r.text
    return key


async def actor(db, username: str) -> Actor:
    cur = await db.execute("SELECT id, username, display_name, is_admin FROM users WHERE username = %s", (username,))
    row = await cur.fetchone()
    return Actor(row["id"], row["username"], row["display_name"], row["is_admin"])


def grants(grantee: Any, permissions: list[str]) -> list[dict[str, Any]]:
    return [{"permission": p, "grantee": grantee} for p in permissions]


async def sees(client, key: str) -> bool:
    r = await client.get(f"/api/v1/issues/{key}")
    assert r.status_code in (200, 404), r.text
    return r.status_code == 200


async def test_default_scheme_keeps_the_foundation_behaviour(admin, make_user, project, make_issue):
    lead, lead_client = await make_user()
    _, client = await make_user()
    await admin.patch(f"/api/v1/projects/{project['key']}", json={"lead": lead})
    issue = await make_issue()
    r = await client.get("/api/v1/mypermissions", params={"project": project["key"]})
    held = set(r.json()["permissions"])
    assert held == {p.value for p in Permission} - {"ADMINISTER_PROJECTS", "EDIT_ALL_COMMENTS", "DELETE_ALL_COMMENTS"}
    lead_held = set(
        (await lead_client.get("/api/v1/mypermissions", params={"project": project["key"]})).json()["permissions"]
    )
    assert lead_held == {p.value for p in Permission}
    assert (await client.patch(f"/api/v1/projects/{project['key']}", json={"name": "x"})).status_code == 403
    assert (await lead_client.patch(f"/api/v1/projects/{project['key']}", json={"name": "x"})).status_code == 200
    assert (await client.post(f"/api/v1/issues/{issue['key']}/comments", json={"body": "hi"})).status_code == 201


@pytest.mark.parametrize("grantee", ["user", "group", "role_user", "role_group", "project_lead", "anyone"])
async def test_each_grantee_type_grants_browse(admin, make_user, db, grantee):
    name, client = await make_user()
    _, outsider = await make_user()
    group = unique("grp-")
    await admin.post("/api/v1/groups", json={"name": group})
    await admin.post(f"/api/v1/groups/{group}/members", json={"username": name})
    spec: Any = {
        "user": {"type": "user", "user": name},
        "group": {"type": "group", "group": group},
        "role_user": {"type": "project_role", "role": "Developers"},
        "role_group": {"type": "project_role", "role": "Developers"},
        "project_lead": "project_lead",
        "anyone": "anyone",
    }[grantee]
    scheme = await scheme_with(admin, grants(spec, ["BROWSE_PROJECTS"]))
    key = await project_with(admin, scheme, lead=name if grantee == "project_lead" else None)
    if grantee == "role_user":
        await admin.post(f"/api/v1/projects/{key}/roles/Developers/members", json={"users": [name]})
    if grantee == "role_group":
        await admin.post(f"/api/v1/projects/{key}/roles/Developers/members", json={"groups": [group]})
    issue = (await admin.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "s"})).json()
    assert await sees(client, issue["key"])
    assert await sees(outsider, issue["key"]) == (grantee == "anyone")
    ids = await browsable_project_ids(db, await actor(db, name))
    assert ids is not None and issue["project"]["id"] in ids
    # browsing is all this scheme grants
    r = await client.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "s"})
    assert r.status_code == 403 and r.json()["permission"] == "CREATE_ISSUES"


async def test_reporter_and_assignee_grants_cover_only_their_issues(admin, make_user, db):
    reporter, reporter_client = await make_user()
    assignee, assignee_client = await make_user()
    scheme = await scheme_with(
        admin,
        grants("anyone", ["CREATE_ISSUES", "ASSIGNABLE_USER"])
        + grants("reporter", ["BROWSE_PROJECTS", "EDIT_ISSUES"])
        + grants("assignee", ["BROWSE_PROJECTS", "TRANSITION_ISSUES"]),
    )
    key = await project_with(admin, scheme)
    own = (
        await reporter_client.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "mine"})
    ).json()
    other = (await admin.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "not mine"})).json()
    assigned = (
        await admin.post(
            "/api/v1/issues", json={"project": key, "type": "Task", "summary": "yours", "assignee": assignee}
        )
    ).json()
    assert await sees(reporter_client, own["key"]) and not await sees(reporter_client, other["key"])
    assert await sees(assignee_client, assigned["key"]) and not await sees(assignee_client, own["key"])
    assert (await reporter_client.patch(f"/api/v1/issues/{own['key']}", json={"summary": "edited"})).status_code == 200
    r = await reporter_client.post(f"/api/v1/issues/{own['key']}/transitions", json={"transition": "Start Progress"})
    assert r.status_code == 403
    r = await assignee_client.post(
        f"/api/v1/issues/{assigned['key']}/transitions", json={"transition": "Start Progress"}
    )
    assert r.status_code == 200
    # the project is listed (some issues are visible) but is not a whole-project search scope
    assert key in [p["key"] for p in (await reporter_client.get("/api/v1/projects")).json()]
    me = await actor(db, reporter)
    assert own["project"]["id"] not in (await browsable_project_ids(db, me) or set())
    scope = await browse_scope(db, me)
    assert own["project"]["id"] in scope.reporter_project_ids and not scope.all_projects


async def test_a_hidden_issue_is_404_everywhere(admin, make_user, db, project):
    _, outsider = await make_user()
    key = await project_with(
        admin, await scheme_with(admin, grants({"type": "user", "user": "admin"}, ["BROWSE_PROJECTS"]))
    )
    issue = (await admin.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "hidden"})).json()
    comment = (await admin.post(f"/api/v1/issues/{issue['key']}/comments", json={"body": "c"})).json()
    for ref in (issue["key"], str(issue["id"]), issue["key"].lower()):
        for method, path, body in [
            ("GET", "", None),
            ("GET", "/history", None),
            ("GET", "/comments", None),
            ("GET", f"/comments/{comment['id']}", None),
            ("GET", "/transitions", None),
            ("GET", "/watchers", None),
            ("PATCH", "", {"summary": "x"}),
            ("DELETE", "", None),
            ("PUT", "/assignee", {"assignee": None}),
            ("POST", "/comments", {"body": "x"}),
            ("POST", "/transitions", {"transition": "Done"}),
        ]:
            r = await outsider.request(method, f"/api/v1/issues/{ref}{path}", json=body)
            assert r.status_code == 404 and r.json()["title"] == "Issue Does Not Exist", (method, path, r.text)
            assert "hidden" not in r.text
    for path in ("", "/fields", "/roles"):
        assert (await outsider.get(f"/api/v1/projects/{key}{path}")).status_code == 404
    assert key not in [p["key"] for p in (await outsider.get("/api/v1/projects")).json()]
    r = await outsider.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "s"})
    assert r.status_code == 404 and r.json()["title"] == f"No project could be found with key '{key}'."
    # naming a hidden issue as a parent reads as "does not exist" too
    r = await outsider.post(
        "/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "s", "parent": issue["key"]}
    )
    assert r.status_code == 422 and r.json()["errors"]["parent"] == f"Issue '{issue['key']}' does not exist"


async def test_browsable_project_ids_is_the_real_set(admin, make_user, db):
    name, _ = await make_user()
    visible = await project_with(
        admin, await scheme_with(admin, grants({"type": "user", "user": name}, ["BROWSE_PROJECTS"]))
    )
    hidden = await project_with(
        admin, await scheme_with(admin, grants({"type": "user", "user": "admin"}, ["BROWSE_PROJECTS"]))
    )
    cur = await db.execute("SELECT id, key FROM projects WHERE key IN (%s, %s)", (visible, hidden))
    ids = {r["key"]: r["id"] for r in await cur.fetchall()}
    me = await actor(db, name)
    found = await browsable_project_ids(db, me)
    assert found is not None and ids[visible] in found and ids[hidden] not in found
    cur = await db.execute("SELECT count(*) AS n FROM projects WHERE permission_scheme_id = 1")
    assert len(found) >= (await cur.fetchone())["n"]  # every default-scheme project too
    assert await browsable_project_ids(db, await actor(db, "admin")) is None  # system administrators: all


async def test_grants_are_one_query_however_many_there_are(admin, make_user, db, monkeypatch):
    name, client = await make_user()
    groups = [unique("many-") for _ in range(8)]
    for g in groups:
        await admin.post("/api/v1/groups", json={"name": g})
        await admin.post(f"/api/v1/groups/{g}/members", json={"username": name})
    spec = [{"type": "group", "group": g} for g in groups] + [{"type": "project_role", "role": "Users"}, "anyone"]
    scheme = await scheme_with(admin, [{"permission": p.value, "grantee": s} for p in Permission for s in spec])
    key = await project_with(admin, scheme)
    await admin.post(f"/api/v1/projects/{key}/roles/Users/members", json={"users": [name], "groups": groups})
    issue = (await admin.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": "s"})).json()
    statements: list[str] = []
    original = psycopg.AsyncConnection.execute

    async def counting(self, query, params=None, **kwargs):
        statements.append(str(query))
        return await original(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "execute", counting)
    assert (await client.get(f"/api/v1/issues/{issue['key']}")).status_code == 200
    # authentication, then ONE query loading the issue together with the caller's grants
    app_queries = [q for q in statements if "api_tokens" not in q]
    assert len(app_queries) == 1 and "permission_grants" in app_queries[0], app_queries
    statements.clear()
    assert (await client.get("/api/v1/projects")).status_code == 200
    app_queries = [q for q in statements if "api_tokens" not in q]
    assert len(app_queries) == 1 and "permission_grants" in app_queries[0], app_queries
    grants_map = await project_grants(db, (await actor(db, name)).id)
    assert Permission.ADMINISTER_PROJECTS.value in grants_map[issue["project"]["id"]].always


async def test_scheme_and_role_administration(admin, make_user, db):
    name, client = await make_user()
    r = await admin.post(
        "/api/v1/permissionschemes",
        json={"name": unique("s "), "grants": [{"permission": "FLY", "grantee": "anyone"}]},
    )
    assert r.status_code == 422 and "grants[0].permission" in r.json()["errors"]
    for grantee, path in [
        ({"type": "user", "user": "ghost-user"}, "grant.grantee.user"),
        ({"type": "group"}, "grant.grantee.group"),
        ({"type": "wizard"}, "grant.grantee"),
        ({"type": "anyone", "user": name}, "grant.grantee"),
    ]:
        r = await admin.post(
            "/api/v1/permissionschemes/1/grants", json={"permission": "BROWSE_PROJECTS", "grantee": grantee}
        )
        assert r.status_code == 422 and path in r.json()["errors"], (grantee, r.text)
    assert (await admin.delete("/api/v1/permissionschemes/1")).status_code == 409
    role = (await admin.post("/api/v1/roles", json={"name": unique("Testers ")})).json()
    assert (await admin.post("/api/v1/roles", json={"name": role["name"].upper()})).status_code == 409
    scheme = await scheme_with(admin, grants({"type": "project_role", "role": role["name"]}, ["BROWSE_PROJECTS"]))
    assert (await admin.delete(f"/api/v1/roles/{role['id']}")).status_code == 409
    key = await project_with(admin, scheme)
    r = await admin.post(f"/api/v1/projects/{key}/roles/{role['id']}/members", json={"users": [name, "ghost-user"]})
    assert r.status_code == 422 and "ghost-user" in r.json()["errors"]["users"]
    r = await admin.post(f"/api/v1/projects/{key}/roles/{role['name']}/members", json={"users": [name]})
    assert r.status_code == 200 and r.json()["users"] == [{"username": name, "display_name": name.title()}]
    roles = (await client.get(f"/api/v1/projects/{key}/roles")).json()
    assert {r["name"] for r in roles} >= {"Administrators", "Developers", "Users", role["name"]}
    assert (
        await admin.delete(f"/api/v1/projects/{key}/roles/{role['id']}/members", params={"user": name})
    ).status_code == 204
    assert (await client.get(f"/api/v1/projects/{key}")).status_code == 404
    r = await admin.put(f"/api/v1/projects/{key}/permissionscheme", json={"scheme": 1})
    assert r.status_code == 200 and key in r.json()["projects"]
    assert (await client.get(f"/api/v1/projects/{key}")).status_code == 200
