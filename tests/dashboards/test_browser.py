"""The dashboards in real headless Chromium (Debian's chromium, driven by Playwright) against a real uvicorn server
on the per-run test database: pages load with no console errors and no request leaving tracklake, every chart
renders (a `.js-plotly-plot` with SVG content), and the numbers drawn and printed equal the JSON API's."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from reports import REGISTRY
from reports.figures import format_number, lookup
from tests.conftest import ADMIN_TOKEN
from tests.dashboards.fixtures import VOLATILE, report_params, without_volatile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What a page's panel holds, read in the browser: the drawn traces (from Plotly's own graph div), the printed
# headline numbers, the embedded report JSON and the API call it stands for.
READ_PANELS = """
() => Array.from(document.querySelectorAll("section.panel")).map((panel) => {
  const chart = panel.querySelector(".js-report-figure");
  const data = panel.querySelector("script.report-data");
  return {
    report: panel.dataset.report,
    api: panel.dataset.apiUrl,
    error: panel.querySelector(".error") ? panel.querySelector(".error").textContent : null,
    plotted: !!(chart && chart.classList.contains("js-plotly-plot")),
    svg: chart ? chart.querySelectorAll("svg.main-svg").length : 0,
    marks: chart ? chart.querySelectorAll("g.trace, g.slice").length : 0,
    traces: chart && chart.data ? chart.data.map((t) => ({name: t.name, x: t.x, y: t.y, values: t.values})) : [],
    stats: Array.from(panel.querySelectorAll("dd[data-path]")).map((dd) => [dd.dataset.path, dd.textContent]),
    json: data ? JSON.parse(data.textContent) : null,
  };
})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(database_url: str, analytics_dir: Path, dataset: dict[str, Any]) -> Iterator[str]:
    """`uvicorn` serving tracklake on a free loopback port, on the test database and the dataset's warehouse."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")} | {
        "TRACKLAKE_DATABASE_URL": database_url,
        "TRACKLAKE_DATA_DIR": str(analytics_dir),
        "TRACKLAKE_BOOTSTRAP_TOKEN": ADMIN_TOKEN,
        "TRACKLAKE_PIPELINE_IN_PROCESS": "false",
        "TRACKLAKE_SCHEDULER_IN_PROCESS": "false",
    }
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app_from_env", "--factory"]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code in (200, 503):
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "uvicorn exited"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="module")
def chromium() -> str:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: bash scripts/services.sh installs it"
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@dataclass
class Watch:
    """What a browser context did: console errors, uncaught exceptions, requests outside tracklake."""

    base: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        return page


async def offline_context(browser: Browser, base: str, watch: Watch) -> BrowserContext:
    """A browser context that may reach only `base` (and data: URLs): anything else is recorded and refused."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})

    async def route(r: Any) -> None:
        url = r.request.url
        if url.startswith((base + "/", "data:")) or (base == "file://" and url.startswith("file://")):
            await r.continue_()
        else:
            watch.foreign.append(url)
            await r.abort()

    await context.route("**/*", route)
    return context


async def login(page: Page, base: str, path: str) -> None:
    """Open `path`, get the login form, log in with the API token, land on `path`."""
    await page.goto(base + path)
    assert "/reports/login" in page.url
    await page.fill("input[name=token]", ADMIN_TOKEN)
    await page.click("button[type=submit]")
    await page.wait_for_url(base + path)


@pytest.fixture(scope="module")
async def session(browser: Browser, live_server: str) -> AsyncIterator[tuple[BrowserContext, Watch]]:
    """One logged-in, offline browser context for the module (so Plotly's script is fetched once)."""
    watch = Watch(live_server)
    context = await offline_context(browser, live_server, watch)
    page = watch.attach(await context.new_page())
    await login(page, live_server, "/reports")
    await page.close()
    yield context, watch
    await context.close()


async def api(base: str, url: str) -> Any:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as c:
        r = await c.get(url)
        assert r.status_code == 200, r.text
        return r.json()


async def panels(page: Page) -> list[dict[str, Any]]:
    await page.wait_for_selector("body[data-charts=ready]", timeout=30_000)
    found: list[dict[str, Any]] = await page.evaluate(READ_PANELS)
    return found


def expected_traces(name: str, result: dict[str, Any]) -> dict[str, tuple[str, list[Any]]]:
    """Trace name → (axis, values) a chart must draw, taken from the API's JSON."""
    if name in ("sprint-burndown", "sprint-report"):
        source = result["burndown"] if name == "sprint-report" else result
        return {"Remaining": ("y", [p["value"] for p in source["remaining"]])}
    if name == "sprint-burnup":
        return {"Work scope": ("y", [p["value"] for p in result["scope"]])}
    if name == "velocity":
        return {
            "Commitment": ("y", [s["commitment"] for s in result["sprints"]]),
            "Completed": ("y", [s["completed"] for s in result["sprints"]]),
        }
    if name == "cfd":
        return {c["name"]: ("y", c["top"]) for c in result["columns"]}
    if name == "control-chart":
        return {"Issues": ("y", [p["cycle_time_days"] for p in result["points"]])}
    if name == "lead-time":
        return {"Issues": ("y", [h["issues"] for h in result["histogram"]])}
    if name == "throughput":
        return {"Finished items": ("y", [p["count"] for p in result["periods"]])}
    if name == "aging-wip":
        return {"Items": ("x", [i["column"] for i in result["items"]])}
    if name == "created-vs-resolved":
        return {
            "Created": ("y", [p["created"] for p in result["periods"]]),
            "Resolved": ("y", [p["resolved"] for p in result["periods"]]),
        }
    if name == "statistics":
        return {"": ("values", [s["count"] for s in result["slices"]])}
    if name in ("forecast-when", "forecast-how-many"):
        return {"Trials": ("y", [d["trials"] for d in result["distribution"]])}
    return {}


async def check_panel(base: str, panel: dict[str, Any]) -> None:
    """A rendered panel shows the API's numbers: its JSON, its traces and its headline figures."""
    name = panel["report"]
    assert panel["error"] is None, (name, panel["error"])
    assert panel["plotted"] and panel["svg"] > 0 and panel["marks"] > 0, name
    result = await api(base, panel["api"])
    assert without_volatile(panel["json"]) == without_volatile(result), name
    drawn = {t["name"] or "": t for t in panel["traces"]}
    for trace, (axis, values) in expected_traces(name, result).items():
        assert drawn[trace][axis] == values, (name, trace)
    for path, text in panel["stats"]:
        if path.split(".")[-1] not in VOLATILE:
            assert text == format_number(lookup(result, path)), (name, path)


async def test_board_dashboard_renders_the_api_numbers(
    session: tuple[BrowserContext, Watch], live_server: str, dataset: dict[str, Any]
) -> None:
    context, watch = session
    page = watch.attach(await context.new_page())
    await page.goto(f"{live_server}/reports/boards/{dataset['scrum']['id']}")
    found = await panels(page)
    names = [p["report"] for p in found]
    assert names[:3] == ["sprint-burndown", "velocity", "cfd"] and len(names) == 8
    for panel in found:
        await check_panel(live_server, panel)
    # The controls work: choosing the closed sprint reloads the dashboard with its burndown.
    await page.select_option("select[name=sprint]", str(dataset["sprints"][0]["id"]))
    await page.click("form.controls button[type=submit]")
    await page.wait_for_url(f"**/reports/boards/{dataset['scrum']['id']}?sprint={dataset['sprints'][0]['id']}")
    burndown = next(p for p in await panels(page) if p["report"] == "sprint-burndown")
    assert burndown["json"]["sprint"]["id"] == dataset["sprints"][0]["id"]
    await check_panel(live_server, burndown)
    await page.close()
    assert watch.errors == [] and watch.foreign == []


@pytest.mark.parametrize("name", sorted(REGISTRY))
async def test_report_page_renders_the_api_numbers(
    name: str, session: tuple[BrowserContext, Watch], live_server: str, dataset: dict[str, Any]
) -> None:
    context, watch = session
    page = watch.attach(await context.new_page())
    query = httpx.QueryParams(report_params(dataset).get(name, {}))
    await page.goto(f"{live_server}/reports/{name}?{query}")
    [panel] = await panels(page)
    if name == "two-dimensional":
        # A heatmap draws no trace groups; its cells are in the embedded matrix and the page's table.
        assert panel["plotted"] and panel["svg"] > 0
        assert panel["traces"][0]["name"] is None or panel["traces"]
        result = await api(live_server, panel["api"])
        assert panel["json"] == result
        cells = await page.eval_on_selector_all(
            "details[data-table=matrix] tbody td.num", "tds => tds.map(t => t.textContent)"
        )
        expected = [
            str(v) for row, total in zip(result["matrix"], result["row_totals"], strict=True) for v in [*row, total]
        ]
        assert cells[: len(expected)] == expected
    else:
        await check_panel(live_server, panel)
    await page.close()
    assert watch.errors == [] and watch.foreign == []


async def test_login_keeps_the_token_away_from_scripts(browser: Browser, live_server: str) -> None:
    watch = Watch(live_server)
    context = await offline_context(browser, live_server, watch)
    page = watch.attach(await context.new_page())
    await page.goto(f"{live_server}/reports")
    assert "/reports/login" in page.url
    await page.fill("input[name=token]", "tlk_not_a_token")
    await page.click("button[type=submit]")
    assert "Invalid or revoked API token" in (await page.text_content("[role=alert]") or "")
    watch.errors = [e for e in watch.errors if "401" not in e]  # the refused login itself answers 401
    await page.fill("input[name=token]", ADMIN_TOKEN)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{live_server}/reports")
    [cookie] = await context.cookies()
    assert cookie["name"] == "tracklake_session" and cookie["httpOnly"] and cookie["path"] == "/reports"
    assert cookie["sameSite"] == "Lax"
    assert await page.evaluate("document.cookie") == ""
    await page.click("text=Log out")
    await page.wait_for_url(f"{live_server}/reports/login")
    assert await context.cookies() == []
    await context.close()
    assert watch.errors == [] and watch.foreign == []


async def test_html_export_renders_with_no_network(
    browser: Browser, live_server: str, dataset: dict[str, Any], tmp_path: Path
) -> None:
    params = report_params(dataset)["velocity"] | {"format": "html"}
    async with httpx.AsyncClient(base_url=live_server, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as c:
        exported = await c.get("/api/v1/reports/velocity/export", params=params)
    assert exported.status_code == 200
    path = tmp_path / "velocity.html"
    path.write_bytes(exported.content)
    watch = Watch("file://")
    context = await offline_context(browser, "file://", watch)
    page = watch.attach(await context.new_page())
    await page.goto(path.as_uri())
    [panel] = await panels(page)
    assert panel["plotted"] and panel["svg"] > 0 and panel["marks"] > 0
    result = await api(
        live_server, "/api/v1/reports/velocity?" + str(httpx.QueryParams(report_params(dataset)["velocity"]))
    )
    assert panel["json"] == result
    assert {t["name"]: t["y"] for t in panel["traces"]}["Completed"] == [s["completed"] for s in result["sprints"]]
    await context.close()
    assert watch.errors == [] and watch.foreign == []
