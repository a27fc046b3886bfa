"""Authentication and account administration."""

from __future__ import annotations

import base64

from tests.conftest import ADMIN_TOKEN, unique


def basic(user: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


async def test_bearer_and_basic_work_and_everything_else_is_401(anonymous):
    assert (await anonymous.get("/api/v1/myself", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})).json()[
        "username"
    ] == "admin"
    r = await anonymous.get("/api/v1/myself", headers={"Authorization": basic("admin", ADMIN_TOKEN)})
    assert r.status_code == 200 and r.json()["username"] == "admin"
    for header in [
        None,
        "Bearer ",
        "Bearer wrong",
        basic("someoneelse", ADMIN_TOKEN),
        basic("admin", "wrong"),
        "Basic !!!notbase64",
        f"Token {ADMIN_TOKEN}",
        ADMIN_TOKEN,
    ]:
        headers = {"Authorization": header} if header is not None else {}
        r = await anonymous.get("/api/v1/myself", headers=headers)
        assert r.status_code == 401, header
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "unauthorized"
        assert "www-authenticate" in r.headers


async def test_tokens_are_stored_hashed_and_can_be_revoked(admin, anonymous, make_user, db):
    name, client = await make_user()
    r = await admin.post(f"/api/v1/users/{name}/tokens", json={"name": "ci"})
    token = r.json()["token"]
    rows = await (await db.execute("SELECT token_hash FROM api_tokens WHERE token_hash = %s", (token,))).fetchall()
    assert rows == []  # the secret itself is never stored
    assert (await anonymous.get("/api/v1/myself", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    tokens = (await admin.get(f"/api/v1/users/{name}/tokens")).json()
    assert all("token" not in t for t in tokens)
    assert next(t for t in tokens if t["name"] == "ci")["last_used"] is not None
    token_id = next(t["id"] for t in tokens if t["name"] == "ci")
    assert (await client.delete(f"/api/v1/users/{name}/tokens/{token_id}")).status_code == 204
    assert (await anonymous.get("/api/v1/myself", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_only_admins_create_users_groups_and_other_peoples_tokens(admin, make_user):
    name, client = await make_user()
    other, _ = await make_user()
    assert (await client.post("/api/v1/users", json={"username": unique("x"), "display_name": "X"})).status_code == 403
    assert (await client.post("/api/v1/groups", json={"name": unique("g")})).status_code == 403
    assert (await client.post(f"/api/v1/users/{other}/tokens", json={"name": "steal"})).status_code == 403
    assert (await client.post(f"/api/v1/users/{name}/tokens", json={"name": "mine"})).status_code == 201


async def test_groups_and_members(admin, make_user):
    name, _ = await make_user()
    group = unique("team-")
    assert (await admin.post("/api/v1/groups", json={"name": group})).status_code == 201
    assert (await admin.post("/api/v1/groups", json={"name": group})).status_code == 409
    assert (await admin.post(f"/api/v1/groups/{group}/members", json={"username": name})).status_code == 204
    members = (await admin.get(f"/api/v1/groups/{group}")).json()["members"]
    assert [m["username"] for m in members] == [name]
    assert (await admin.post(f"/api/v1/groups/{group}/members", json={"username": "nobody-here"})).status_code == 404
    assert (await admin.delete(f"/api/v1/groups/{group}/members/{name}")).status_code == 204
    assert (await admin.get(f"/api/v1/groups/{group}")).json()["members"] == []


async def test_inactive_user_cannot_authenticate(admin, make_user):
    name, client = await make_user()
    assert (await client.get("/api/v1/myself")).status_code == 200
    assert (await admin.patch(f"/api/v1/users/{name}", json={"active": False})).status_code == 200
    assert (await client.get("/api/v1/myself")).status_code == 401


async def test_duplicate_and_invalid_usernames(admin):
    name = unique("dup")
    assert (await admin.post("/api/v1/users", json={"username": name, "display_name": "D"})).status_code == 201
    r = await admin.post("/api/v1/users", json={"username": name, "display_name": "D"})
    assert r.status_code == 409 and r.json()["code"] == "already_exists"
    r = await admin.post("/api/v1/users", json={"username": "Has Spaces", "display_name": "D"})
    assert r.status_code == 422 and "username" in r.json()["errors"]
