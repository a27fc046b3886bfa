"""`GET /api/v1/reports/<name>/export`: every report in every format holds the numbers of the JSON API."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from typing import Any

import httpx
import polars as pl
import pytest

from reports import REGISTRY
from reports.figures import tables
from tests.conftest import _client
from tests.dashboards.fixtures import embedded_json, report_params, without_volatile

FORMATS = ("csv", "parquet", "json", "html")


def csv_value(text: str, like: Any) -> Any:
    """A CSV cell read back as the type of the JSON value it came from."""
    if text == "":
        return None
    if isinstance(like, bool):
        return text == "true"
    if isinstance(like, int):
        return int(text)
    if isinstance(like, float):
        return float(text)
    return text


def parquet_value(value: Any) -> Any:
    """A Parquet value as JSON writes it (timestamps as ISO instants with Z, dates as ISO days)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


async def json_and_export(
    client: httpx.AsyncClient, name: str, params: dict[str, Any], fmt: str, **extra: Any
) -> tuple[Any, httpx.Response]:
    api = await client.get(f"/api/v1/reports/{name}", params=params)
    assert api.status_code == 200, api.text
    exported = await client.get(f"/api/v1/reports/{name}/export", params=params | {"format": fmt} | extra)
    assert exported.status_code == 200, exported.text
    return api.json(), exported


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(REGISTRY))
async def test_every_report_exports_the_api_numbers(
    name: str, fmt: str, client: httpx.AsyncClient, dataset: dict[str, Any]
) -> None:
    params = report_params(dataset)[name]
    result, exported = await json_and_export(client, name, params, fmt)
    disposition = exported.headers["content-disposition"]
    assert re.fullmatch(rf'attachment; filename="{name}-\d{{8}}T\d{{6}}Z\.{fmt}"', disposition), disposition
    assert exported.headers["cache-control"] == "no-store"
    main = tables(name, result)[0]
    if fmt == "json":
        assert exported.headers["content-type"] == "application/json"
        assert without_volatile(exported.json()) == without_volatile(result)
    elif fmt == "csv":
        assert exported.headers["content-type"] == "text/csv; charset=utf-8"
        reader = csv.reader(io.StringIO(exported.content.decode()))
        header, *rows = list(reader)
        assert header == main.columns
        assert len(rows) == len(main.rows)
        volatile = {"age_days", "average_age_days", "pace_percentile"}
        for got, want in zip(rows, main.rows, strict=True):
            for column, text in zip(header, got, strict=True):
                value = want.get(column)
                if column in volatile or isinstance(value, list | dict):
                    continue
                assert csv_value(text, value) == value, (column, text, value)
    elif fmt == "parquet":
        assert exported.headers["content-type"] == "application/vnd.apache.parquet"
        frame = pl.read_parquet(io.BytesIO(exported.content))
        assert frame.columns == main.columns and frame.height == len(main.rows)
        for record, want in zip(frame.to_dicts(), main.rows, strict=True):
            for column, value in want.items():
                if column not in ("age_days", "average_age_days", "pace_percentile"):
                    assert parquet_value(record[column]) == value, (column, record[column], value)
    else:
        assert exported.headers["content-type"] == "text/html; charset=utf-8"
        page = exported.text
        # Self-contained: Plotly's script and the data are inlined; nothing is loaded from anywhere.
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(?!data:)", page)
        assert "Plotly.newPlot" in page and len(page) > 1_000_000
        assert without_volatile(embedded_json(page, "report-data")) == without_volatile(result)


async def test_csv_and_parquet_exports_name_other_tables(client: httpx.AsyncClient, dataset: dict[str, Any]) -> None:
    params = report_params(dataset)["sprint-report"]
    result, exported = await json_and_export(client, "sprint-report", params, "csv", table="puntedIssues")
    assert 'filename="sprint-report-puntedIssues-' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    # Story 3 (8 points) went back to the backlog during sprint one: the only removed issue.
    assert [r["key"] for r in rows] == [i["key"] for i in result["puntedIssues"]] == [dataset["issues"][3]["key"]]
    assert rows[0]["final_estimate"] == "8.0" and rows[0]["outcome"] == "removed"
    _, issues = await json_and_export(client, "sprint-report", params, "parquet", table="issues")
    frame = pl.read_parquet(io.BytesIO(issues.content))
    by_bucket = dict(frame.group_by("bucket").agg(pl.col("initial_estimate").sum()).iter_rows())
    assert by_bucket["completedIssues"] == result["completedIssuesInitialEstimateSum"]
    assert frame.schema["added_during_sprint"] == pl.Boolean and frame.schema["initial_estimate"] == pl.Float64


async def test_burndown_parquet_is_typed(client: httpx.AsyncClient, dataset: dict[str, Any]) -> None:
    params = report_params(dataset)["sprint-burndown"]
    result, exported = await json_and_export(client, "sprint-burndown", params, "parquet", table="events")
    frame = pl.read_parquet(io.BytesIO(exported.content))
    assert frame.schema["at"] == pl.Datetime("us", "UTC") and frame.schema["increase"] == pl.Float64
    assert frame["remaining"].to_list() == [e["remaining"] for e in result["events"]]


async def test_export_errors(client: httpx.AsyncClient, analytics_app: Any, dataset: dict[str, Any]) -> None:
    params = report_params(dataset)["velocity"]
    missing = await client.get("/api/v1/reports/velocity/export", params=params)
    assert missing.status_code == 422 and missing.json()["errors"] == {"format": "one of csv, parquet, json, html"}
    bad = await client.get("/api/v1/reports/velocity/export", params=params | {"format": "xlsx"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_report_parameter"
    table = await client.get("/api/v1/reports/velocity/export", params=params | {"format": "csv", "table": "nope"})
    assert table.status_code == 422 and "sprints" in table.json()["title"]
    json_table = await client.get("/api/v1/reports/velocity/export", params=params | {"format": "json", "table": "x"})
    assert json_table.status_code == 422
    unknown = await client.get("/api/v1/reports/nope/export", params={"format": "csv"})
    assert unknown.status_code == 404
    report_error = await client.get("/api/v1/reports/velocity/export", params={"format": "csv", "last": "0"})
    assert report_error.status_code == 422 and "board" in report_error.json()["errors"]
    jql = await client.get(
        "/api/v1/reports/statistics/export", params={"format": "csv", "field": "status", "jql": "status = = x"}
    )
    assert jql.status_code == 400 and jql.json()["code"] == "jql_error"
    async with _client(analytics_app, None) as anonymous:
        assert (await anonymous.get("/api/v1/reports/velocity/export", params={"format": "csv"})).status_code == 401


async def test_dashboard_download_links_use_the_session(analytics_app: Any, dataset: dict[str, Any]) -> None:
    from tests.conftest import ADMIN_TOKEN

    params = report_params(dataset)["velocity"]
    async with _client(analytics_app, None) as browser:
        r = await browser.get("/reports/velocity/export", params=params | {"format": "json"})
        assert r.status_code == 303  # no session: the login form
        await browser.post("/reports/login", data={"token": ADMIN_TOKEN})
        r = await browser.get("/reports/velocity/export", params=params | {"format": "json"})
        assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
        assert json.loads(r.content)["sprints"][0]["completed"] == 5
        bad = await browser.get("/reports/velocity/export", params=params | {"format": "pdf"})
        assert bad.status_code == 422 and "format" in bad.text
