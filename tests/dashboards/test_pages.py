"""Dashboard pages over HTTP (no browser): authentication, the embedded numbers equal the JSON API, controls,
errors, escaping and the static files. tests/dashboards/test_browser.py drives the same pages in Chromium."""

from __future__ import annotations

import base64
import html as htmllib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from plotly.offline import get_plotlyjs

from reports import REGISTRY
from reports.figures import assets, format_number, lookup
from tests.conftest import ADMIN_TOKEN, _client
from tests.dashboards.data import build_dataset
from tests.dashboards.fixtures import embedded_json, report_params, without_volatile
from warehouse import rebuild

pytestmark = pytest.mark.usefixtures("dataset")


def stats(page: str) -> dict[str, str]:
    """The headline numbers of a page: JSON path → text shown."""
    return {
        m.group(1): htmllib.unescape(m.group(2)) for m in re.finditer(r'<dd data-path="([^"]+)">([^<]*)</dd>', page)
    }


@pytest.mark.parametrize("name", sorted(REGISTRY))
async def test_every_report_page_shows_the_api_numbers(
    name: str, client: httpx.AsyncClient, dataset: dict[str, Any]
) -> None:
    params = report_params(dataset)[name]
    page = await client.get(f"/reports/{name}", params=params)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    shown = embedded_json(page.text, "report-data")
    # The page says which API call it equals; that call gives the same dict.
    api_url = re.search(r'data-api-url="([^"]+)"', page.text)
    assert api_url is not None
    url = htmllib.unescape(api_url.group(1))
    assert urlsplit(url).path == f"/api/v1/reports/{name}"
    assert {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()} == {k: str(v) for k, v in params.items()}
    api = await client.get(url)
    assert api.status_code == 200, api.text
    assert without_volatile(shown) == without_volatile(api.json())
    # Every headline number is the API's value at its path, printed.
    headline = stats(page.text)
    assert headline
    for path, text in headline.items():
        if path.split(".")[-1] not in ("age_days", "average_age_days"):
            assert text == format_number(lookup(api.json(), path)), path
    # The chart's data is in the page for the browser to draw (reports with a chart).
    figure = embedded_json(page.text, "report-figure")
    assert figure["data"], name
    for fmt in ("csv", "parquet", "json", "html"):
        assert f"/reports/{name}/export?format={fmt}" in htmllib.unescape(page.text)


async def test_figure_traces_hold_the_report_values(client: httpx.AsyncClient, dataset: dict[str, Any]) -> None:
    params = report_params(dataset)
    velocity = await client.get("/reports/velocity", params=params["velocity"])
    data = embedded_json(velocity.text, "report-data")
    traces = {t["name"]: t for t in embedded_json(velocity.text, "report-figure")["data"]}
    assert traces["Commitment"]["y"] == [s["commitment"] for s in data["sprints"]]
    assert traces["Completed"]["y"] == [s["completed"] for s in data["sprints"]]
    # Sprint one: 3 + 5 + 2 + 8 points at the start; 3 and 2 completed (the 1-point bug was added mid-sprint).
    assert traces["Commitment"]["y"] == [18] and traces["Completed"]["y"] == [5]
    burndown = await client.get("/reports/sprint-burndown", params=params["sprint-burndown"])
    data = embedded_json(burndown.text, "report-data")
    remaining = next(t for t in embedded_json(burndown.text, "report-figure")["data"] if t["name"] == "Remaining")
    assert remaining["y"] == [p["value"] for p in data["remaining"]]
    assert remaining["x"] == [p["at"] for p in data["remaining"]]
    assert data["commitment"] == 18


async def test_board_dashboard_combines_reports(client: httpx.AsyncClient, dataset: dict[str, Any]) -> None:
    board = dataset["scrum"]["id"]
    page = await client.get(f"/reports/boards/{board}")
    assert page.status_code == 200, page.text
    names = re.findall(r'<section class="panel" id="panel-([a-z-]+)"', page.text)
    assert names == [
        "sprint-burndown",
        "velocity",
        "cfd",
        "control-chart",
        "throughput",
        "aging-wip",
        "lead-time",
        "forecast-how-many",
    ]
    # The active sprint is the default; each panel's data equals its API call.
    assert f'<option value="{dataset["sprints"][1]["id"]}" selected>' in page.text
    urls = dict(re.findall(r'id="panel-[a-z-]+" data-report="([a-z-]+)" data-api-url="([^"]+)"', page.text))
    assert list(urls) == names
    for name, url in urls.items():
        api = await client.get(htmllib.unescape(url))
        assert api.status_code == 200, (name, api.text)
        assert without_volatile(embedded_json(page.text, f"report-data-{name}")) == without_volatile(api.json())
    # A filter and a date range reach every panel.
    key = dataset["project"]["key"]
    filtered = await client.get(
        f"/reports/boards/{board}",
        params={"jql": f"project = {key} AND type = Bug", "from": "2020-01-01", "to": "2020-01-31"},
    )
    cfd = embedded_json(filtered.text, "report-data-cfd")
    assert cfd["from"] == "2020-01-01" and cfd["to"] == "2020-01-31"
    assert all(sum(c["counts"]) == 0 for c in cfd["columns"])
    velocity = embedded_json(filtered.text, "report-data-velocity")
    # Only the bug added mid-sprint matches: commitment 0, completed 0.
    assert [(s["commitment"], s["completed"]) for s in velocity["sprints"]] == [(0, 0)]
    # Kanban boards have no sprint panels.
    kanban = await client.get(f"/reports/boards/{dataset['kanban']['id']}")
    assert "panel-sprint-burndown" not in kanban.text and "panel-cfd" in kanban.text


async def test_controls_choose_sprints_and_ask_for_what_is_missing(
    client: httpx.AsyncClient, dataset: dict[str, Any]
) -> None:
    page = await client.get("/reports/velocity")
    assert page.status_code == 200 and "To run this report, choose: board" in page.text
    assert 'id="report-data"' not in page.text
    assert f'<option value="{dataset["scrum"]["id"]}">' in page.text
    # A board picks its sprints; without a sprint the active one is shown.
    sprint_page = await client.get("/reports/sprint-burndown", params={"board": dataset["scrum"]["id"]})
    shown = embedded_json(sprint_page.text, "report-data")
    assert shown["sprint"]["id"] == dataset["sprints"][1]["id"]
    assert re.search(r'<select name="sprint">', sprint_page.text)
    # A sprint alone finds its board.
    by_sprint = await client.get("/reports/sprint-report", params={"sprint": dataset["sprints"][0]["id"]})
    assert f'<option value="{dataset["scrum"]["id"]}" selected>' in by_sprint.text


async def test_report_errors_are_shown_with_their_status(client: httpx.AsyncClient, dataset: dict[str, Any]) -> None:
    unknown = await client.get("/reports/no-such-report")
    assert unknown.status_code == 404 and "No report named" in unknown.text
    bad = await client.get("/reports/velocity", params={"board": dataset["scrum"]["id"], "last": "0"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    jql = await client.get("/reports/statistics", params={"field": "status", "jql": "status = = x"})
    assert jql.status_code == 400 and 'role="alert"' in jql.text
    # On a board's dashboard a bad filter fails every panel alike: it is said once, with the position.
    board_jql = await client.get(f"/reports/boards/{dataset['scrum']['id']}", params={"jql": "statuss = Done"})
    assert board_jql.status_code == 400 and board_jql.text.count('role="alert"') == 1
    assert "Did you mean 'status'" in htmllib.unescape(board_jql.text) and 'data-report="' not in board_jql.text
    missing_board = await client.get("/reports/boards/987654321")
    assert missing_board.status_code == 404
    extra = await client.get("/reports/statistics", params={"field": "status", "colour": "red"})
    assert extra.status_code == 422 and "unknown parameter" in extra.text


async def test_user_input_is_escaped(client: httpx.AsyncClient) -> None:
    evil = "</script><script>alert(1)</script>"
    page = await client.get("/reports/statistics", params={"field": "status", "jql": f'summary ~ "{evil}"'})
    assert page.status_code == 200, page.text
    assert "<script>alert(1)" not in page.text
    data = embedded_json(page.text, "report-data")
    assert data["report"] == "statistics"
    # The controls show the filter back, escaped.
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_pages_send_a_browser_without_credentials_to_the_login_form(analytics_app: Any) -> None:
    async with _client(analytics_app, None) as anonymous:
        page = await anonymous.get("/reports/velocity?board=1")
        assert page.status_code == 303
        assert page.headers["location"] == "/reports/login?next=%2Freports%2Fvelocity%3Fboard%3D1"
        form = await anonymous.get(page.headers["location"])
        assert form.status_code == 200 and 'name="next" value="/reports/velocity?board=1"' in form.text
        # A token put in the URL is not carried into the login form's URL (nor back after login).
        leaky = await anonymous.get("/reports/velocity?board=1&token=tlk_secret&Access_Token=tlk_other")
        assert leaky.headers["location"] == "/reports/login?next=%2Freports%2Fvelocity%3Fboard%3D1"
        # A cookie holding no valid token is cleared on the way.
        anonymous.cookies.set("tracklake_session", "tlk_nope", domain="tracklake.test", path="/reports")
        stale = await anonymous.get("/reports")
        assert stale.status_code == 303 and "tracklake_session=" in stale.headers.get("set-cookie", "")


async def test_login_sets_an_httponly_cookie_for_the_dashboards_only(analytics_app: Any) -> None:
    async with _client(analytics_app, None) as browser:
        wrong = await browser.post("/reports/login", data={"token": "tlk_wrong", "next": "/reports/velocity"})
        assert wrong.status_code == 401 and "Invalid or revoked API token" in wrong.text
        assert "set-cookie" not in wrong.headers
        ok = await browser.post("/reports/login", data={"token": ADMIN_TOKEN, "next": "/reports/velocity"})
        assert ok.status_code == 303 and ok.headers["location"] == "/reports/velocity"
        cookie = ok.headers["set-cookie"]
        assert cookie.startswith("tracklake_session=")
        for flag in ("HttpOnly", "Path=/reports", "SameSite=lax", "Max-Age=43200"):
            assert flag.lower() in cookie.lower(), flag
        assert "secure" not in cookie.lower()  # plain http here; https (or the setting) adds Secure
        index = await browser.get("/reports")
        assert index.status_code == 200 and "Log out" in index.text
        assert index.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in index.headers["content-security-policy"]
        # The cookie is not an API credential.
        assert (await browser.get("/api/v1/reports")).status_code == 401
        # Logging out clears it.
        out = await browser.post("/reports/logout")
        assert out.status_code == 303 and 'tracklake_session=""' in out.headers["set-cookie"]
        assert (await browser.get("/reports")).status_code == 303


async def test_login_refuses_foreign_origins_and_targets(analytics_app: Any) -> None:
    async with _client(analytics_app, None) as browser:
        forged = await browser.post(
            "/reports/login", data={"token": ADMIN_TOKEN}, headers={"Origin": "https://evil.example"}
        )
        assert forged.status_code == 403 and "set-cookie" not in forged.headers
        for target in ("//evil.example/x", "https://evil.example/reports", "/api/v1/users", "/reports\\@evil"):
            r = await browser.post("/reports/login", data={"token": ADMIN_TOKEN, "next": target})
            assert r.status_code == 303 and r.headers["location"] == "/reports", target
        out = await browser.post("/reports/logout", headers={"Origin": "https://evil.example"})
        assert out.status_code == 403


async def test_api_credentials_work_on_pages(analytics_app: Any, client: httpx.AsyncClient) -> None:
    basic = base64.b64encode(f"admin:{ADMIN_TOKEN}".encode()).decode()
    async with _client(analytics_app, None) as other:
        assert (await other.get("/reports", headers={"Authorization": f"Basic {basic}"})).status_code == 200
        bad = await other.get("/reports", headers={"Authorization": "Bearer tlk_wrong"})
        assert bad.status_code == 401
        assert (await other.get("/reports", headers={"Authorization": "Token x"})).status_code == 401
    # Header-authenticated pages offer no logout (there is no session to end).
    assert "Log out" not in (await client.get("/reports")).text


async def test_pages_respect_browse_scope(
    analytics_app: Any, client: httpx.AsyncClient, database_url: str, analytics_dir: Any
) -> None:
    hidden = await build_dataset(client)
    key = hidden["project"]["key"]
    scheme = await client.post("/api/v1/permissionschemes", json={"name": f"private {key}", "grants": []})
    assert scheme.status_code == 201, scheme.text
    r = await client.put(f"/api/v1/projects/{key}/permissionscheme", json={"scheme": scheme.json()["id"]})
    assert r.status_code == 200, r.text
    rebuild(analytics_dir / "warehouse", database_url)
    username = "dash" + secrets.token_hex(3)
    assert (await client.post("/api/v1/users", json={"username": username, "display_name": "D"})).status_code == 201
    token = (await client.post(f"/api/v1/users/{username}/tokens", json={"name": "t"})).json()["token"]
    async with _client(analytics_app, token) as user:
        board = await user.get(f"/reports/boards/{hidden['scrum']['id']}")
        assert board.status_code == 404
        sprint = await user.get("/reports/sprint-burndown", params={"sprint": hidden["sprints"][0]["id"]})
        assert sprint.status_code == 404 and 'id="report-data"' not in sprint.text
        index = await user.get("/reports")
        assert index.status_code == 200 and f"{key} scrum" not in index.text
        stats_page = await user.get("/reports/statistics", params={"field": "project"})
        assert key not in {s["value"] for s in embedded_json(stats_page.text, "report-data")["slices"]}
    # The administrator sees it all.
    assert (await client.get(f"/reports/boards/{hidden['scrum']['id']}")).status_code == 200


async def test_plotly_is_served_by_tracklake_with_caching(analytics_app: Any, client: httpx.AsyncClient) -> None:
    plotly = assets()["plotly"]
    page = await client.get("/reports")
    assert f'<script src="{plotly.url}"></script>' in page.text
    assert "cdn" not in page.text.lower() and 'src="http' not in page.text
    async with _client(analytics_app, None) as anonymous:  # static files need no credentials
        js = await anonymous.get(plotly.url, headers={"Accept-Encoding": "identity"})
        assert js.status_code == 200 and js.text == get_plotlyjs()
        assert js.headers["content-type"].startswith("text/javascript")
        assert js.headers["cache-control"] == "public, max-age=31536000, immutable"
        again = await anonymous.get(plotly.url, headers={"If-None-Match": js.headers["etag"]})
        assert again.status_code == 304 and not again.content
        zipped = await anonymous.get(plotly.url, headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip" and zipped.text == get_plotlyjs()
        for name in ("dashboard.js", "dashboard.css"):
            assert (await anonymous.get(f"/reports/static/{name}")).status_code == 200
        assert (await anonymous.get("/reports/static/..%2Fapp.py")).status_code == 404
        assert (await anonymous.get("/reports/static/nothing.js")).status_code == 404
