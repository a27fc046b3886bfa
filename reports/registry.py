"""The report registry: name → computation and parameter schema, shared by the JSON API, dashboards, exports,
scheduled exports and notebooks.

    spec = REGISTRY["sprint-burndown"]
    spec.params.model_json_schema(by_alias=True)    # parameters (for forms and docs)
    run_report("velocity", ctx, {"board": 3, "last": 5})   # -> JSON-ready dict

Parameters arrive as strings (query strings, cron job settings) or typed values; each report's Pydantic model
validates and converts them (lists also as comma-separated text). A result is a dict of JSON types only.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from reports import core, flow, forecast, sprint
from reports.context import ReportContext, ReportError, ReportNotFound


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str) and "," in value[0]:
        return _split(value[0])
    return value


StrList = Annotated[list[str], BeforeValidator(_split)]
FloatList = Annotated[list[float], BeforeValidator(_split)]
Statistic = Literal["story_points", "issue_count"]
Period = Literal["day", "week", "month", "quarter", "year"]


class Params(BaseModel):
    """Parameters every report takes: a JQL filter (AND-ed with the caller's browse scope)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    jql: str | None = Field(default=None, description="JQL filter; only matching issues count")


class BoardParams(Params):
    board: int | None = Field(default=None, description="board id: its filter, columns, done column, time zone")
    timezone: str | None = Field(default=None, description="IANA time zone overriding the board's")


class SprintParams(Params):
    sprint: int = Field(description="sprint id")
    statistic: Statistic | None = Field(default=None, description="estimation statistic (default: the board's)")


class SprintReportParams(SprintParams):
    done_at_start: Literal["include", "exclude"] = Field(
        default="include", description="whether issues already done at the start enter the commitment"
    )


class VelocityParams(Params):
    board: int = Field(description="board id")
    last: int = Field(default=7, ge=1, le=120, description="number of closed sprints shown and averaged")
    statistic: Statistic | None = None
    done_at_start: Literal["include", "exclude"] = "include"


class RangeParams(BoardParams):
    from_: date | None = Field(default=None, alias="from", description="first local day (default: 90 days ago)")
    to: date | None = Field(default=None, description="last local day (default: today)")


class ControlChartParams(RangeParams):
    columns: StrList | None = Field(default=None, description="columns defining cycle time (names or indexes)")
    include_non_working_days: bool = True


class ThroughputParams(RangeParams):
    period: Period = "week"


class AgingParams(BoardParams):
    start_column: int = Field(default=1, ge=1, description="index of the first column counted as started")
    history_days: int = Field(default=90, ge=1, le=3660)


class CoreParams(Params):
    board: int | None = None
    period: Period = "day"
    days: int = Field(default=30, ge=1, le=3660, description="the window: the last N days")
    timezone: str | None = None


class CreatedResolvedParams(CoreParams):
    cumulative: bool = False
    resolution_source: Literal["resolutiondate", "events"] = "resolutiondate"


class AverageAgeParams(CoreParams):
    variant: Literal["cloud", "server"] = "cloud"


class StatisticsParams(Params):
    board: int | None = None
    field: str = Field(
        description="project, issuetype, status, statusCategory, priority, resolution, assignee, "
        "reporter, labels, component, fixVersion or sprint"
    )


class TwoDimensionalParams(Params):
    board: int | None = None
    x: str
    y: str


class ForecastParams(BoardParams):
    start: date | None = None
    history_from: date | None = None
    history_to: date | None = None
    history_days: int = Field(default=90, ge=1, le=3660)
    trials: int = Field(default=10_000, ge=1, le=1_000_000)
    seed: int = 0
    percentiles: FloatList = Field(default_factory=lambda: [50.0, 70.0, 85.0, 95.0])


class WhenParams(ForecastParams):
    items: int = Field(ge=1, le=1_000_000)


class HowManyParams(ForecastParams):
    until: date | None = None
    days: int | None = Field(default=None, ge=1, le=3660)


@dataclass(frozen=True)
class ReportSpec:
    """One registered report."""

    name: str
    title: str
    description: str
    params: type[Params]
    function: Callable[..., dict[str, Any]]
    chart: str  # what dashboards draw: line, step, bar, stacked-area, scatter, pie, table, histogram

    def run(self, ctx: ReportContext, params: Params) -> dict[str, Any]:
        return self.function(ctx, **params.model_dump(by_alias=False, exclude_none=False))


def summary(function: Callable[..., Any]) -> str:
    """The first paragraph of a function's docstring on one line: a report's description.

    Only the first line would cut descriptions that wrap mid-sentence; later paragraphs are details.
    """
    paragraph = re.split(r"\n\s*\n", inspect.cleandoc(function.__doc__ or ""), maxsplit=1)[0]
    return " ".join(paragraph.split())


def _spec(
    name: str, title: str, params: type[Params], function: Callable[..., dict[str, Any]], chart: str
) -> ReportSpec:
    return ReportSpec(name, title, summary(function), params, function, chart)


REGISTRY: dict[str, ReportSpec] = {
    s.name: s
    for s in (
        _spec("sprint-burndown", "Sprint burndown", SprintParams, sprint.sprint_burndown, "step"),
        _spec("sprint-burnup", "Sprint burnup", SprintParams, sprint.sprint_burnup, "step"),
        _spec("sprint-report", "Sprint report", SprintReportParams, sprint.sprint_report, "table"),
        _spec("velocity", "Velocity", VelocityParams, sprint.velocity, "bar"),
        _spec("cfd", "Cumulative flow diagram", RangeParams, flow.cfd, "stacked-area"),
        _spec("control-chart", "Control chart", ControlChartParams, flow.control_chart, "scatter"),
        _spec("lead-time", "Lead time", RangeParams, flow.lead_time, "histogram"),
        _spec("throughput", "Throughput", ThroughputParams, flow.throughput, "bar"),
        _spec("aging-wip", "Aging work in progress", AgingParams, flow.aging_wip, "scatter"),
        _spec("created-vs-resolved", "Created vs resolved", CreatedResolvedParams, core.created_vs_resolved, "line"),
        _spec("resolution-time", "Resolution time", CoreParams, core.resolution_time, "bar"),
        _spec("average-age", "Average age", AverageAgeParams, core.average_age, "bar"),
        _spec("statistics", "Issue statistics", StatisticsParams, core.statistics, "pie"),
        _spec("two-dimensional", "Two-dimensional statistics", TwoDimensionalParams, core.two_dimensional, "table"),
        _spec("forecast-when", "Forecast: when", WhenParams, forecast.forecast_when, "histogram"),
        _spec("forecast-how-many", "Forecast: how many", HowManyParams, forecast.forecast_how_many, "histogram"),
    )
}


def get_spec(name: str) -> ReportSpec:
    spec = REGISTRY.get(name)
    if spec is None:
        raise ReportNotFound(f"No report named '{name}'", field="name")
    return spec


def parse_params(spec: ReportSpec, raw: Mapping[str, Any]) -> Params:
    """Validate raw parameters (strings or typed values); ReportError names the first bad parameter."""
    try:
        return spec.params.model_validate(dict(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "parameters"
        message = "unknown parameter" if first.get("type") == "extra_forbidden" else first.get("msg", "invalid")
        errors = {
            ".".join(str(p) for p in e.get("loc", ())) or "parameters": (
                "unknown parameter" if e.get("type") == "extra_forbidden" else e.get("msg", "invalid")
            )
            for e in exc.errors()
        }
        raise ReportError(f"{where}: {message}", field=where, errors=errors) from None


def run_report(name: str, ctx: ReportContext, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Run a registered report with raw parameters."""
    spec = get_spec(name)
    return spec.run(ctx, parse_params(spec, raw))


def describe() -> list[dict[str, Any]]:
    """Every report with its title, chart kind and parameter JSON schema."""
    return [
        {
            "name": s.name,
            "title": s.title,
            "description": s.description,
            "chart": s.chart,
            "parameters": s.params.model_json_schema(by_alias=True),
        }
        for s in REGISTRY.values()
    ]
