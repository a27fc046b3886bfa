"""Fixtures shared by the dashboard and export tests (imported by their conftest.py files).

`analytics_app` is the API with its own data dir; `dataset` builds tests/dashboards/data.py through it and
rebuilds the warehouse from PostgreSQL, so reports, pages and exports all read the same generation.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from tests.conftest import ADMIN_TOKEN, _client
from tests.dashboards.data import build_dataset
from tracklake.settings import Settings
from warehouse import rebuild

# Values that follow the clock between two requests made a few milliseconds apart: ages, and the instants "now"
# and "until" (an active sprint's charts run to now) wherever they appear.
VOLATILE = frozenset({"age_days", "average_age_days", "pace_percentile"})
CLOCK_KEYS = ("now", "until")


@pytest.fixture(scope="session")
def analytics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analytics")


def analytics_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        database_url=database_url,
        bootstrap_token=ADMIN_TOKEN,
        data_dir=data_dir,
        pipeline_in_process=False,
        scheduler_in_process=False,
        **overrides,
    )


@pytest.fixture(scope="session")
async def analytics_app(database_url: str, analytics_dir: Path) -> AsyncIterator[Any]:
    application = create_app(analytics_settings(database_url, analytics_dir, webhook_allowed_hosts="127.0.0.1"))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(analytics_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(analytics_app, ADMIN_TOKEN) as c:
        yield c


@pytest.fixture(scope="session")
async def dataset(analytics_app: Any, database_url: str, analytics_dir: Path) -> dict[str, Any]:
    async with _client(analytics_app, ADMIN_TOKEN) as admin:
        made = await build_dataset(admin)
    rebuild(analytics_dir / "warehouse", database_url)
    return made


def report_params(dataset: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Parameters that give each registered report something to show on the dataset."""
    today = datetime.now(UTC).date()
    window = {"from": (today - timedelta(days=6)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    history = {"history_from": window["from"], "history_to": window["to"]}
    scrum, kanban = dataset["scrum"]["id"], dataset["kanban"]["id"]
    closed = dataset["sprints"][0]["id"]
    project = f"project = {dataset['project']['key']}"
    return {
        "sprint-burndown": {"sprint": closed},
        "sprint-burnup": {"sprint": closed},
        "sprint-report": {"sprint": closed},
        "velocity": {"board": scrum},
        "cfd": {"board": scrum} | window,
        "control-chart": {"board": scrum} | window,
        "lead-time": {"board": kanban} | window,
        "throughput": {"board": scrum, "period": "day"} | window,
        "aging-wip": {"board": scrum},
        "created-vs-resolved": {"jql": project, "days": 7},
        "resolution-time": {"jql": project, "days": 7},
        "average-age": {"jql": project, "days": 7},
        "statistics": {"jql": project, "field": "status"},
        "two-dimensional": {"jql": project, "x": "status", "y": "issuetype"},
        "forecast-when": {"board": scrum, "items": 5, "trials": 500} | history,
        "forecast-how-many": {"board": scrum, "days": 14, "trials": 500} | history,
    }


def _instants(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in CLOCK_KEYS and isinstance(v, str):
                found.add(v)
            _instants(v, found)
    elif isinstance(value, list):
        for v in value:
            _instants(v, found)
    return found


def without_volatile(value: Any, clock: set[str] | None = None) -> Any:
    """A JSON document without the values that follow the clock (the request's instant becomes "<now>")."""
    clock = _instants(value, set()) if clock is None else clock
    if isinstance(value, dict):
        return {k: without_volatile(v, clock) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(v, clock) for v in value]
    return "<now>" if isinstance(value, str) and value in clock else value


_SCRIPT = r'<script type="application/json" id="{id}"[^>]*>(.*?)</script>'


def embedded_json(html: str, element_id: str) -> Any:
    """The JSON of a `<script type="application/json" id=…>` element of a page."""
    found = re.search(_SCRIPT.format(id=re.escape(element_id)), html, re.S)
    assert found is not None, f"no #{element_id} in the page"
    return json.loads(found.group(1))
