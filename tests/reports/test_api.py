"""The reports JSON API: auth, browse scope, parameters and errors, and the same numbers as the registry."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from reports import ReportContext, run_report
from tests.conftest import ADMIN_TOKEN, _client
from tests.warehouse.test_incremental import make_sprint_history
from tracklake.settings import Settings
from warehouse import Warehouse, rebuild


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports-api")


@pytest.fixture(scope="module")
async def reports_app(database_url: str, data_dir: Path) -> AsyncIterator[Any]:
    """The API on the test database with its own data dir (the warehouse lives under it)."""
    settings = Settings(database_url=database_url, bootstrap_token=ADMIN_TOKEN, data_dir=data_dir)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(reports_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(reports_app, ADMIN_TOKEN) as c:
        yield c


async def test_reports_api(client: httpx.AsyncClient, reports_app: Any, database_url: str, data_dir: Path) -> None:
    key = "R" + secrets.token_hex(3).upper().replace("0", "Q")
    r = await client.post("/api/v1/projects", json={"key": key, "name": f"Reports {key}"})
    assert r.status_code == 201, r.text
    project = r.json()
    made = await make_sprint_history(client, project)
    rebuild(data_dir / "warehouse", database_url)
    sprint_id, board_id = made["sprints"][0]["id"], made["board"]["id"]

    listing = await client.get("/api/v1/reports")
    assert listing.status_code == 200
    names = {r["name"] for r in listing.json()["reports"]}
    assert {"sprint-burndown", "velocity", "sprint-report", "cfd", "control-chart", "forecast-when"} <= names
    assert listing.json()["warehouse"]["generation"]

    burndown = await client.get("/api/v1/reports/sprint-burndown", params={"sprint": sprint_id})
    assert burndown.status_code == 200, burndown.text
    body = burndown.json()
    # Issues 0, 1, 2 (3 + 5 + 2 points) were in the sprint at its start; issue 0 was done, issue 1 re-estimated to 8.
    assert body["commitment"] == 10
    cur = Warehouse(data_dir / "warehouse").cursor()
    direct = run_report("sprint-burndown", ReportContext(cur), {"sprint": sprint_id})
    assert body["events"] == direct["events"] and body["remaining"] == direct["remaining"]

    velocity = await client.get("/api/v1/reports/velocity", params={"board": board_id})
    assert velocity.status_code == 200 and velocity.json()["sprints"][0]["completed"] == 3
    cfd = await client.get("/api/v1/reports/cfd", params={"board": board_id, "jql": f"project = {key}"})
    assert cfd.status_code == 200 and len(cfd.json()["columns"]) >= 3
    control = await client.get("/api/v1/reports/control-chart", params={"board": board_id})
    assert control.status_code == 200 and control.json()["points"][0]["key"] == made["issues"][0]["key"]
    report = await client.get("/api/v1/reports/sprint-report", params={"sprint": sprint_id})
    assert [i["key"] for i in report.json()["completedIssues"]] == [made["issues"][0]["key"]]
    assert [i["key"] for i in report.json()["puntedIssues"]] == [made["issues"][2]["key"]]


async def test_report_errors_are_problems(client: httpx.AsyncClient, reports_app: Any) -> None:
    bad = await client.get("/api/v1/reports/sprint-burndown", params={"sprint": "abc"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["code"] == "invalid_report_parameter" and "sprint" in bad.json()["errors"]
    unknown = await client.get("/api/v1/reports/velocity", params={"board": 1, "colour": "red"})
    assert unknown.status_code == 422 and unknown.json()["errors"] == {"colour": "unknown parameter"}
    missing = await client.get("/api/v1/reports/velocity")
    assert missing.status_code == 422 and "board" in missing.json()["errors"]
    jql_error = await client.get("/api/v1/reports/statistics", params={"field": "status", "jql": "status = = x"})
    assert jql_error.status_code == 400 and jql_error.json()["code"] == "jql_error"
    assert jql_error.json()["start"] is not None
    # A misspelt field is named back with what was meant, as search does.
    typo = await client.get("/api/v1/reports/statistics", params={"field": "status", "jql": "statuss = Done"})
    assert typo.status_code == 400, typo.text
    assert "Did you mean 'status'" in typo.json()["title"]
    assert typo.json()["jql"]["suggestions"] == ["status"] and typo.json()["jql"]["start"] == 0
    nope = await client.get("/api/v1/reports/no-such-report")
    assert nope.status_code == 404 and nope.json()["code"] == "not_found"
    sprint = await client.get("/api/v1/reports/sprint-burndown", params={"sprint": 987654321})
    assert sprint.status_code == 404


async def test_reports_need_auth_and_respect_browse_scope(
    client: httpx.AsyncClient, reports_app: Any, database_url: str, data_dir: Path
) -> None:
    async with _client(reports_app, None) as anonymous:
        assert (await anonymous.get("/api/v1/reports")).status_code == 401
    key = "H" + secrets.token_hex(3).upper().replace("0", "Q")
    project = (await client.post("/api/v1/projects", json={"key": key, "name": f"Hidden {key}"})).json()
    made = await make_sprint_history(client, project)
    scheme = await client.post("/api/v1/permissionschemes", json={"name": f"private {key}", "grants": []})
    assert scheme.status_code == 201, scheme.text
    r = await client.put(f"/api/v1/projects/{key}/permissionscheme", json={"scheme": scheme.json()["id"]})
    assert r.status_code == 200, r.text
    rebuild(data_dir / "warehouse", database_url)
    username = "rep" + secrets.token_hex(3)
    assert (await client.post("/api/v1/users", json={"username": username, "display_name": "Rep"})).status_code == 201
    token = (await client.post(f"/api/v1/users/{username}/tokens", json={"name": "t"})).json()["token"]
    async with _client(reports_app, token) as user:
        hidden = await user.get("/api/v1/reports/sprint-burndown", params={"sprint": made["sprints"][0]["id"]})
        assert hidden.status_code == 404
        stats = await user.get("/api/v1/reports/statistics", params={"field": "project", "jql": f"project = {key}"})
        # The project is unknown to this user: naming it is the same JQL error as naming a missing project.
        assert stats.status_code == 400 and stats.json()["code"] == "jql_error"
        everything = await user.get("/api/v1/reports/statistics", params={"field": "project"})
        assert key not in {s["value"] for s in everything.json()["slices"]}
    admin_view = await client.get("/api/v1/reports/statistics", params={"field": "project", "jql": f"project = {key}"})
    assert admin_view.json()["total"] == 4
