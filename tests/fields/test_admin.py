"""Custom field definitions: contexts, required and default values, options by id, history, deletion."""

from __future__ import annotations

import pytest

from tests.conftest import counts, unique
from tests.fields.conftest import create_field


async def custom_history(db, key: str) -> list[tuple]:
    cur = await db.execute(
        "SELECT field, field_type, from_value, from_string, to_value, to_string, is_create FROM issue_history"
        " WHERE issue_key = %s AND field_type = 'custom' AND field <> 'Story Points' ORDER BY id",
        (key,),
    )
    return [tuple(r.values()) for r in await cur.fetchall()]


async def test_field_definition_view(admin, project):
    field = await create_field(
        admin, project["key"], type="cascading_select", options=[{"value": "A", "children": ["A1"]}]
    )
    assert field["id"] == f"customfield_{field['custom_id']}" and field["custom_id"] >= 10001
    assert field["schema"] == {
        "type": "multi_select",
        "custom": "cascading_select",
        "customId": field["custom_id"],
        "multi": True,
    }
    assert field["clauseNames"] == [field["name"], f"cf[{field['custom_id']}]"]
    assert [o["value"] for o in field["options"]] == ["A"] and field["options"][0]["children"][0]["value"] == "A1"
    assert field["contexts"] == [{"id": field["contexts"][0]["id"], "projects": [project["key"]], "issue_types": []}]
    assert (await admin.get(f"/api/v1/fields/{field['custom_id']}")).json() == field
    assert any(t["type"] == "cascading_select" for t in (await admin.get("/api/v1/fieldtypes")).json())


async def test_contexts_limit_fields_to_projects_and_issue_types(admin, project, make_issue, db):
    field = await create_field(
        admin, None, type="text", contexts=[{"projects": [project["key"]], "issue_types": ["Bug"]}]
    )
    fid = field["id"]
    bug = await make_issue(type="Bug", custom_fields={fid: "crash log"})
    assert bug["custom_fields"] == {fid: "crash log"}
    before = await counts(db, project["key"])
    r = await admin.post(
        "/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "s", "custom_fields": {fid: "x"}}
    )
    assert r.status_code == 422
    assert r.json()["errors"][fid] == f"Field {fid} is not available for Task issues in project {project['key']}"
    r = await admin.post(
        "/api/v1/issues",
        json={"project": project["key"], "type": "Task", "summary": "s", "custom_fields": {"customfield_999999": 1}},
    )
    assert (
        r.status_code == 422 and r.json()["errors"]["customfield_999999"] == "Field customfield_999999 does not exist"
    )
    r = await admin.post(
        "/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "s", "custom_fields": ["x"]}
    )
    assert r.status_code == 422
    assert await counts(db, project["key"]) == before
    names = {f["name"]: f for f in (await admin.get(f"/api/v1/projects/{project['key']}/fields")).json()}
    assert names[field["name"]]["issue_types"] == ["Bug"] and "summary" in {f["id"] for f in names.values()}
    # widening the context makes it available to tasks
    r = await admin.put(f"/api/v1/fields/{fid}/contexts", json={"contexts": [{"projects": [project["key"]]}]})
    assert r.status_code == 200
    task = await make_issue(custom_fields={fid: "now allowed"})
    assert task["custom_fields"][fid] == "now allowed"


async def test_required_fields_and_defaults_on_create(admin, project, make_issue, db):
    severity = await create_field(
        admin, project["key"], type="select", options=["S1", "S2", "S3"], default="S3", required=True
    )
    team = await create_field(admin, project["key"], type="text", required=True)
    before = await counts(db, project["key"])
    r = await admin.post("/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "s"})
    assert r.status_code == 422
    assert r.json()["errors"] == {team["id"]: f"{team['name']} is required"}
    r = await admin.post(
        "/api/v1/issues",
        json={
            "project": project["key"],
            "type": "Task",
            "summary": "s",
            "custom_fields": {severity["id"]: None, team["id"]: "x"},
        },
    )
    assert r.status_code == 422 and r.json()["errors"] == {severity["id"]: f"{severity['name']} is required"}
    assert await counts(db, project["key"]) == before
    issue = await make_issue(custom_fields={team["id"]: "Platform"})
    assert issue["custom_fields"][severity["id"]]["value"] == "S3"  # the default
    r = await admin.patch(f"/api/v1/issues/{issue['key']}", json={"custom_fields": {team["id"]: ""}})
    assert r.status_code == 422 and r.json()["errors"][team["id"]] == f"{team['name']} is required"
    hist = await custom_history(db, issue["key"])
    assert (severity["name"], "custom", None, None, str(severity["options"][2]["id"]), "S3", True) in hist


async def test_history_keeps_ids_and_names_and_renaming_an_option_rewrites_nothing(admin, project, make_issue, db):
    field = await create_field(admin, project["key"], type="multi_select", options=["Red", "Green", "Blue"])
    fid = field["id"]
    red, green, blue = (o["id"] for o in field["options"])
    issue = await make_issue(custom_fields={fid: ["Red"]})
    r = await admin.patch(f"/api/v1/issues/{issue['key']}", json={"custom_fields": {fid: ["Green", "Blue"]}})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert await custom_history(db, issue["key"]) == [
        (field["name"], "custom", None, None, str(red), "Red", True),
        (field["name"], "custom", str(red), "Red", f"{green},{blue}", "Green, Blue", False),
    ]
    cur = await db.execute("SELECT custom_fields, version FROM issues WHERE key = %s", (issue["key"],))
    stored = await cur.fetchone()
    assert stored["custom_fields"] == {fid: [green, blue]}
    r = await admin.patch(f"/api/v1/fields/{fid}/options/{green}", json={"value": "Emerald"})
    assert r.status_code == 200
    cur = await db.execute("SELECT custom_fields, version FROM issues WHERE key = %s", (issue["key"],))
    assert await cur.fetchone() == stored
    shown = (await admin.get(f"/api/v1/issues/{issue['key']}")).json()["custom_fields"][fid]
    assert shown == [{"id": green, "value": "Emerald"}, {"id": blue, "value": "Blue"}]
    # events carry the stored ids, history the names at the time
    cur = await db.execute(
        "SELECT payload FROM outbox WHERE issue_key = %s AND event_type = 'issue.updated'", (issue["key"],)
    )
    payload = (await cur.fetchone())["payload"]
    assert payload["issue"]["custom_fields"] == {fid: [green, blue]}
    assert payload["changes"][0]["field_type"] == "custom" and payload["changes"][0]["to"] == f"{green},{blue}"


async def test_options_in_use_are_disabled_not_deleted(admin, project, make_issue):
    field = await create_field(admin, project["key"], type="select", options=["Keep", "Spare"])
    fid = field["id"]
    keep, spare = (o["id"] for o in field["options"])
    await make_issue(custom_fields={fid: "Keep"})
    r = await admin.delete(f"/api/v1/fields/{fid}/options/{keep}")
    assert r.status_code == 409 and "disable" in r.json()["title"]
    assert (await admin.delete(f"/api/v1/fields/{fid}/options/{spare}")).status_code == 200
    r = await admin.patch(f"/api/v1/fields/{fid}/options/{keep}", json={"disabled": True})
    assert r.json()["options"] == [{"id": keep, "value": "Keep", "disabled": True}]
    r = await admin.post(
        "/api/v1/issues",
        json={"project": project["key"], "type": "Task", "summary": "s", "custom_fields": {fid: "Keep"}},
    )
    assert r.status_code == 422 and "disabled" in r.json()["errors"][fid]
    r = await admin.post(f"/api/v1/fields/{fid}/options", json={"value": "Fresh"})
    assert r.status_code == 201 and [o["value"] for o in r.json()["options"]] == ["Keep", "Fresh"]
    r = await admin.post(f"/api/v1/fields/{fid}/options", json={"value": "fresh"})
    assert r.status_code == 409


async def test_deleting_a_field_leaves_contexts_and_issues_but_history_stays(admin, project, make_issue, db):
    field = await create_field(admin, project["key"], type="number")
    fid = field["id"]
    issue = await make_issue(custom_fields={fid: 5})
    await admin.patch(f"/api/v1/issues/{issue['key']}", json={"custom_fields": {fid: 8}})
    cur = await db.execute(
        "SELECT indexname FROM pg_indexes WHERE indexname = %s", (f"issues_cf_{field['custom_id']}_num",)
    )
    assert await cur.fetchone() is not None
    assert (await admin.delete(f"/api/v1/fields/{fid}")).status_code == 204
    assert (await admin.get(f"/api/v1/fields/{fid}")).status_code == 404
    assert fid not in {f["id"] for f in (await admin.get("/api/v1/fields")).json()}
    assert (await admin.get(f"/api/v1/issues/{issue['key']}")).json()["custom_fields"] == {}
    cur = await db.execute("SELECT count(*) AS n FROM custom_field_contexts WHERE field_id = %s", (field["custom_id"],))
    assert (await cur.fetchone())["n"] == 0
    hist = (await admin.get(f"/api/v1/issues/{issue['key']}/history")).json()["histories"]
    items = [i for h in hist for i in h["items"] if i["field"] == field["name"]]
    assert [(i["fromString"], i["toString"]) for i in items] == [(None, "5"), ("5", "8")]
    cur = await db.execute(
        "SELECT indexname FROM pg_indexes WHERE indexname = %s", (f"issues_cf_{field['custom_id']}_num",)
    )
    assert await cur.fetchone() is None
    r = await admin.post(
        "/api/v1/issues", json={"project": project["key"], "type": "Task", "summary": "s", "custom_fields": {fid: 1}}
    )
    assert r.status_code == 422


async def test_invalid_definitions_write_nothing(admin, db):
    cur = await db.execute("SELECT count(*) AS n FROM custom_fields")
    before = (await cur.fetchone())["n"]
    name = unique("Dup ")
    assert (await admin.post("/api/v1/fields", json={"name": name, "type": "text"})).status_code == 201
    for body, field in [
        ({"name": name.upper(), "type": "text"}, "name"),
        ({"name": "Summary", "type": "text"}, "name"),
        ({"name": unique("x"), "type": "colour"}, "type"),
        ({"name": unique("x"), "type": "text", "options": ["a"]}, "options"),
        ({"name": unique("x"), "type": "number", "config": {"min": 5, "max": 1}}, "config"),
        ({"name": unique("x"), "type": "number", "config": {"step": 1}}, "config"),
        ({"name": unique("x"), "type": "select", "options": ["a", "A"]}, "options[1].value"),
        ({"name": unique("x"), "type": "select", "options": ["a"], "default": "b"}, "default"),
        ({"name": unique("x"), "type": "text", "contexts": [{"projects": ["NOPE"]}]}, "contexts[0].projects"),
    ]:
        r = await admin.post("/api/v1/fields", json=body)
        assert r.status_code in (409, 422) and field in r.json().get("errors", {}), (body, r.text)
    cur = await db.execute("SELECT count(*) AS n FROM custom_fields")
    assert (await cur.fetchone())["n"] == before + 1
    r = await admin.patch(f"/api/v1/fields/{name}", json={"name": "x"})
    assert r.status_code == 404


async def test_version_fields_read_the_versions_table(admin, project, make_issue, db):
    cur = await db.execute("SELECT to_regclass('versions') IS NOT NULL AS present")
    if not (await cur.fetchone())["present"]:
        pytest.skip("no versions table yet")
    cur = await db.execute(
        "INSERT INTO versions (project_id, name, sequence) VALUES (%s, '1.0', 1), (%s, '2.0', 2) RETURNING id",
        (project["id"], project["id"]),
    )
    v1, v2 = (r["id"] for r in await cur.fetchall())
    field = await create_field(admin, project["key"], type="version")
    issue = await make_issue(custom_fields={field["id"]: ["1.0", v2]})
    assert issue["custom_fields"][field["id"]] == [{"id": v1, "name": "1.0"}, {"id": v2, "name": "2.0"}]
    await db.execute("UPDATE versions SET name = '1.0.0' WHERE id = %s", (v1,))
    shown = (await admin.get(f"/api/v1/issues/{issue['key']}")).json()["custom_fields"][field["id"]]
    assert shown[0] == {"id": v1, "name": "1.0.0"}
    r = await admin.patch(f"/api/v1/issues/{issue['key']}", json={"custom_fields": {field["id"]: ["3.0"]}})
    assert r.status_code == 422 and "'3.0' is not a version of this project" in r.json()["errors"][field["id"]]
