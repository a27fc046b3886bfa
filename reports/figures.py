"""What a report result looks like: a Plotly figure, its headline numbers and its tables, all built from the very
dict the JSON API returns (docs/dashboards.md), plus the Jinja2 environment of `reports/templates/`.

Dashboards, HTML exports and CSV/Parquet exports draw from these, so every number they show is a number of the
report's JSON: a figure's traces hold the JSON's values unchanged (no rounding), headline numbers name the JSON
path they come from, and table rows are the JSON's rows.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import orjson
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

Result = Mapping[str, Any]
Row = dict[str, Any]

RED, GREEN, GREY, BLUE, ORANGE = "#d04437", "#14892c", "#999999", "#3572b0", "#f6a623"
PALETTE = ("#3572b0", "#14892c", "#f6a623", "#8e44ad", "#d04437", "#16a085", "#7f8c8d", "#c0392b", "#2c3e50")


# --- headline numbers -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    """One headline number: `path` is where it sits in the report's JSON (dots; integers index lists)."""

    label: str
    path: str
    value: Any

    @property
    def text(self) -> str:
        return format_number(self.value)


def lookup(result: Any, path: str) -> Any:
    """The value at a dotted path of a JSON document (None when absent)."""
    value = result
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def format_number(value: Any) -> str:
    """How dashboards print a value: integers as is, other numbers with at most two decimals, None as a dash."""
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "\u2013"
        if value.is_integer():
            return str(int(value))
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


HEADLINES: dict[str, tuple[tuple[str, str], ...]] = {
    "sprint-burndown": (("Commitment", "commitment"), ("Remaining", "final_remaining")),
    "sprint-burnup": (("Scope", "scope.-1.value"), ("Completed", "completed.-1.value")),
    "sprint-report": (
        ("Commitment", "velocity.commitment"),
        ("Completed", "completedIssuesEstimateSum"),
        ("Not completed", "issuesNotCompletedEstimateSum"),
        ("Removed", "puntedIssuesEstimateSum"),
        ("All issues", "allIssuesEstimateSum"),
    ),
    "velocity": (("Average completed", "average_completed"), ("Average commitment", "average_commitment")),
    "control-chart": (
        ("Issues", "summary.count"),
        ("Average (days)", "average_days"),
        ("Median (days)", "summary.median"),
        ("85th percentile (days)", "summary.p85"),
        ("95th percentile (days)", "summary.p95"),
    ),
    "lead-time": (("Issues", "summary.count"), ("Average (days)", "summary.mean"), ("85th percentile", "summary.p85")),
    "throughput": (("Total", "total"),),
    "resolution-time": (("Average days (last period)", "periods.-1.average_days"),),
    "average-age": (("Average age in days (last period)", "periods.-1.average_age_days"),),
    "aging-wip": (("85th percentile cycle time (days)", "cycle_time_percentiles.p85"),),
    "created-vs-resolved": (("Created", "total_created"), ("Resolved", "total_resolved")),
    "statistics": (("Issues", "total"),),
    "two-dimensional": (("Issues", "total"),),
    "forecast-when": (("Items", "items"), ("Trials", "trials"), ("Daily throughput", "daily_throughput_mean")),
    "forecast-how-many": (("Days", "days"), ("Trials", "trials"), ("Daily throughput", "daily_throughput_mean")),
}


def headline(name: str, result: Result) -> list[Stat]:
    """The headline numbers of a result, each with its JSON path."""
    stats = [Stat(label, path, lookup(result, path)) for label, path in HEADLINES.get(name, ())]
    if name == "forecast-when":
        for i, p in enumerate(result.get("percentiles") or []):
            stats.append(Stat(f"{format_number(p['percentile'])}% by", f"percentiles.{i}.date", p.get("date")))
    if name == "forecast-how-many":
        for i, p in enumerate(result.get("percentiles") or []):
            label = f"{format_number(p['percentile'])}%: at least"
            stats.append(Stat(label, f"percentiles.{i}.items_or_more", p.get("items_or_more")))
    if name == "cfd":
        for i, column in enumerate(result.get("columns") or []):
            stats.append(
                Stat(f"{column.get('name')} (last day)", f"columns.{i}.counts.-1", lookup(column, "counts.-1"))
            )
    if name == "aging-wip":
        for i, column in enumerate(result.get("columns") or []):
            stats.insert(i, Stat(f"In {column.get('name')}", f"columns.{i}.count", column.get("count")))
    return stats


# --- tables ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """Rows of one table of a result (what CSV and Parquet exports write, and pages list)."""

    name: str
    title: str
    rows: list[Row]
    columns: list[str] = field(default_factory=list)
    open: bool = False  # pages show it unfolded

    def __post_init__(self) -> None:
        # The given columns first, then any other key of the rows, in order of appearance.
        seen: dict[str, None] = dict.fromkeys(self.columns)
        for row in self.rows:
            seen.update(dict.fromkeys(row))
        object.__setattr__(self, "columns", list(seen))


def _flat(row: Mapping[str, Any], prefix: str = "") -> Row:
    """A row with nested objects as dotted columns (lists stay values)."""
    out: Row = {}
    for key, value in row.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


# Columns of record lists that may be empty (an empty export still has its header).
COLUMNS: dict[str, list[str]] = {
    "sprints": ["id", "board_id", "name", "state", "start", "end", "complete", "activated", "commitment", "completed"],
    "points": [
        "issue_id",
        "key",
        "completed",
        "cycle_time_seconds",
        "cycle_time_days",
        "rolling_average_days",
        "rolling_std_days",
        "outlier",
    ],
    "issues": ["issue_id", "key", "created", "done", "lead_time_days"],
    "histogram": ["days", "issues"],
    "items": [
        "issue_id",
        "key",
        "column",
        "column_index",
        "started",
        "age_days",
        "age_whole_days",
        "pace_percentile",
    ],
    "slices": ["id", "value", "count", "percent"],
    "sprint_issues": [
        "key",
        "issue_id",
        "summary",
        "type",
        "status",
        "outcome",
        "added_during_sprint",
        "in_sprint_at_start",
        "done_at_start",
        "initial_estimate",
        "final_estimate",
        "reestimated",
    ],
    "events": ["at", "issue", "issue_id", "event", "scope_change", "detail", "increase", "decrease", "remaining"],
}


def _generic_tables(result: Result, skip: Iterable[str] = ()) -> list[Table]:
    """Every top-level list of objects is a table; without one, the scalar values form a one-row table."""
    skipped = set(skip)
    found = [
        Table(key, key.replace("_", " ").capitalize(), [_flat(r) for r in value], COLUMNS.get(key, []))
        for key, value in result.items()
        if key not in skipped and (_records(value) or (value == [] and key in COLUMNS))
    ]
    if found:
        return found
    scalars = {k: v for k, v in result.items() if not isinstance(v, Mapping | list)}
    return [Table("summary", "Summary", [scalars])]


SPRINT_BUCKETS = (
    ("completedIssues", "Completed issues"),
    ("issuesNotCompletedInCurrentSprint", "Issues not completed"),
    ("issuesCompletedInAnotherSprint", "Issues completed outside of this sprint"),
    ("puntedIssues", "Issues removed from sprint"),
)


def _sprint_report_tables(result: Result) -> list[Table]:
    rows = [{"bucket": bucket} | _flat(issue) for bucket, _ in SPRINT_BUCKETS for issue in result.get(bucket) or []]
    columns = COLUMNS["sprint_issues"]
    tables = [Table("issues", "Issues", rows, ["bucket", *columns], open=True)]
    tables += [Table(bucket, title, list(result.get(bucket) or []), columns) for bucket, title in SPRINT_BUCKETS]
    burndown = result.get("burndown")
    if isinstance(burndown, Mapping):
        events = list(burndown.get("events") or [])
        tables.append(Table("events", "Scope changes and progress", events, COLUMNS["events"]))
    return tables


def _unique_names(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        candidate, n = name, 2
        while candidate in out or candidate == "day":
            candidate, n = f"{name} ({n})", n + 1
        out.append(candidate)
    return out


def _cfd_tables(result: Result) -> list[Table]:
    columns = list(result.get("columns") or [])
    names = _unique_names([str(c.get("name")) for c in columns])
    days = list(result.get("days") or [])
    counts = [{"day": d} | {n: c["counts"][i] for n, c in zip(names, columns, strict=True)} for i, d in enumerate(days)]
    tops = [{"day": d} | {n: c["top"][i] for n, c in zip(names, columns, strict=True)} for i, d in enumerate(days)]
    return [
        Table("counts", "Issues per column at the end of each day", counts, ["day", *names]),
        Table("top", "Stacked top edge per column", tops, ["day", *names]),
    ]


def _burnup_tables(result: Result) -> list[Table]:
    scope, completed, remaining = (list(result.get(k) or []) for k in ("scope", "completed", "remaining"))
    rows = [
        {"at": s["at"], "scope": s["value"], "completed": c["value"], "remaining": r["value"]}
        for s, c, r in zip(scope, completed, remaining, strict=False)
    ]
    return [
        Table("series", "Scope and completed work", rows, ["at", "scope", "completed", "remaining"]),
        Table("guideline", "Guideline", list(result.get("guideline") or [])),
    ]


def _two_dimensional_tables(result: Result) -> list[Table]:
    xs = [str(x) for x in result.get("x_values") or []]
    names = _unique_names(xs)
    y_name = str(result.get("y") or "y")
    rows = []
    for y, counts, total in zip(
        result.get("y_values") or [], result.get("matrix") or [], result.get("row_totals") or [], strict=False
    ):
        rows.append({y_name: y} | dict(zip(names, counts, strict=False)) | {"Total": total})
    rows.append({y_name: "Total"} | dict(zip(names, result.get("column_totals") or [], strict=False)))
    rows[-1]["Total"] = result.get("total")
    return [Table("matrix", "Issues per pair of values", rows, [y_name, *names, "Total"], open=True)]


def _burndown_tables(result: Result) -> list[Table]:
    return [
        Table("remaining", "Remaining", list(result.get("remaining") or []), ["at", "value"]),
        Table("events", "Scope changes and progress", list(result.get("events") or []), COLUMNS["events"], True),
        Table("guideline", "Guideline", list(result.get("guideline") or []), ["at", "day", "value"]),
    ]


TABLES: dict[str, Callable[[Result], list[Table]]] = {
    "sprint-burndown": _burndown_tables,
    "sprint-burnup": _burnup_tables,
    "sprint-report": _sprint_report_tables,
    "cfd": _cfd_tables,
    "two-dimensional": _two_dimensional_tables,
}
# The table a CSV or Parquet export writes when none is named, for reports whose first list is not the main one.
PRIMARY = {"velocity": "sprints", "control-chart": "points", "lead-time": "issues", "aging-wip": "items"}


def tables(name: str, result: Result) -> list[Table]:
    """The tables of a result, the main one first."""
    builder = TABLES.get(name)
    found = builder(result) if builder else _generic_tables(result, skip=("board", "sprint"))
    primary = PRIMARY.get(name)
    found.sort(key=lambda t: t.name != primary)
    return found


# --- figures --------------------------------------------------------------------------------------------------------


def _xy(points: Sequence[Mapping[str, Any]], x: str = "at", y: str = "value") -> tuple[list[Any], list[Any]]:
    return [p.get(x) for p in points], [p.get(y) for p in points]


def _layout(fig: go.Figure, title: str, x_title: str = "", y_title: str = "", **extra: Any) -> go.Figure:
    fig.update_layout(
        {
            "title": {"text": title, "x": 0.01},
            "template": "plotly_white",
            "margin": {"l": 60, "r": 20, "t": 50, "b": 90},
            "legend": {"orientation": "h", "y": -0.28},
            "hovermode": "closest",
        }
        | extra
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig


def _statistic_label(result: Result) -> str:
    return {"story_points": "Story points", "issue_count": "Issue count"}.get(str(result.get("statistic")), "Value")


def _shade_days(fig: go.Figure, days: Iterable[str]) -> None:
    """Grey bands over non-working days (local dates drawn as UTC days: the chart's axis is UTC)."""
    for text in days:
        start = date.fromisoformat(text)
        fig.add_vrect(
            x0=start.isoformat(),
            x1=(start + timedelta(days=1)).isoformat(),
            fillcolor=GREY,
            opacity=0.12,
            line_width=0,
            layer="below",
        )


def _sprint_title(result: Result, what: str) -> str:
    sprint = result.get("sprint") or {}
    return f"{what}: {sprint.get('name', '')}".rstrip(": ")


def burndown_figure(result: Result) -> go.Figure:
    fig = go.Figure()
    x, y = _xy(result.get("remaining") or [])
    fig.add_scatter(x=x, y=y, name="Remaining", mode="lines+markers", line={"shape": "hv", "color": RED})
    gx, gy = _xy(result.get("guideline") or [])
    fig.add_scatter(x=gx, y=gy, name="Guideline", mode="lines", line={"color": GREY})
    ex, ey = _xy(result.get("guideline_exact") or [])
    fig.add_scatter(
        x=ex,
        y=ey,
        name="Guideline (working time)",
        mode="lines",
        line={"color": GREY, "dash": "dot"},
        visible="legendonly",
    )
    _shade_days(fig, result.get("non_working_days") or [])
    return _layout(fig, _sprint_title(result, "Burndown"), "Time (UTC)", _statistic_label(result))


def burnup_figure(result: Result) -> go.Figure:
    fig = go.Figure()
    for key, label, color in (("scope", "Work scope", RED), ("completed", "Completed", GREEN)):
        x, y = _xy(result.get(key) or [])
        fig.add_scatter(x=x, y=y, name=label, mode="lines+markers", line={"shape": "hv", "color": color})
    gx, gy = _xy(result.get("guideline") or [])
    fig.add_scatter(x=gx, y=gy, name="Guideline", mode="lines", line={"color": GREY})
    _shade_days(fig, result.get("non_working_days") or [])
    return _layout(fig, _sprint_title(result, "Burnup"), "Time (UTC)", _statistic_label(result))


def sprint_report_figure(result: Result) -> go.Figure:
    burndown = result.get("burndown")
    fig = burndown_figure(burndown if isinstance(burndown, Mapping) else {})
    fig.update_layout(title={"text": _sprint_title(result, "Sprint report")})
    return fig


def velocity_figure(result: Result) -> go.Figure:
    sprints = list(result.get("sprints") or [])
    names = [s.get("name") for s in sprints]
    fig = go.Figure()
    fig.add_bar(x=names, y=[s.get("commitment") for s in sprints], name="Commitment", marker_color=GREY)
    fig.add_bar(x=names, y=[s.get("completed") for s in sprints], name="Completed", marker_color=GREEN)
    if sprints:
        average = result.get("average_completed")
        fig.add_scatter(
            x=names,
            y=[average] * len(names),
            name="Average completed",
            mode="lines",
            line={"color": BLUE, "dash": "dash"},
        )
    return _layout(fig, "Velocity", "Sprint", _statistic_label(result), barmode="group")


def cfd_figure(result: Result) -> go.Figure:
    """Stacked bands with the done column at the bottom; each trace's y is the column's `top` edge."""
    fig = go.Figure()
    days = list(result.get("days") or [])
    columns = list(result.get("columns") or [])
    for n, column in enumerate(reversed(columns)):
        color = PALETTE[(len(columns) - 1 - n) % len(PALETTE)]
        fig.add_scatter(
            x=days,
            y=list(column.get("top") or []),
            customdata=list(column.get("counts") or []),
            name=str(column.get("name")),
            mode="lines",
            line={"color": color, "width": 1},
            fill="tozeroy" if n == 0 else "tonexty",
            fillcolor=color,
            hovertemplate="%{x}: %{customdata} in " + str(column.get("name")).replace("%", "%%") + "<extra></extra>",
        )
    return _layout(fig, "Cumulative flow", "Day", "Issues", hovermode="x unified")


def control_chart_figure(result: Result) -> go.Figure:
    points = list(result.get("points") or [])
    x = [p.get("completed") for p in points]
    fig = go.Figure()
    rolling = [p.get("rolling_average_days") for p in points]
    std = [p.get("rolling_std_days") for p in points]
    upper = [None if r is None or s is None else r + s for r, s in zip(rolling, std, strict=True)]
    lower = [None if r is None or s is None else max(r - s, 0.0) for r, s in zip(rolling, std, strict=True)]
    if points:
        fig.add_scatter(x=x, y=upper, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
        fig.add_scatter(
            x=x,
            y=lower,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(53,114,176,0.15)",
            name="Standard deviation",
            hoverinfo="skip",
        )
    fig.add_scatter(
        x=x,
        y=[p.get("cycle_time_days") for p in points],
        text=[p.get("key") for p in points],
        mode="markers",
        name="Issues",
        marker={"color": [RED if p.get("outlier") else BLUE for p in points], "size": 8},
        hovertemplate="%{text}: %{y:.2f} days<extra></extra>",
    )
    fig.add_scatter(x=x, y=rolling, mode="lines", name="Rolling average", line={"color": BLUE})
    average = result.get("average_days")
    if points and average is not None:
        fig.add_hline(y=average, line_color=RED, annotation_text="average", annotation_position="top left")
    for key, value in (result.get("percentiles") or {}).items():
        if value is not None and points:
            fig.add_hline(y=value, line_dash="dot", line_color=GREY, annotation_text=key)
    return _layout(fig, "Control chart", "Completed (UTC)", "Cycle time (days)")


def lead_time_figure(result: Result) -> go.Figure:
    histogram = list(result.get("histogram") or [])
    fig = go.Figure(go.Bar(x=[h.get("days") for h in histogram], y=[h.get("issues") for h in histogram], name="Issues"))
    summary = result.get("summary") or {}
    for key in ("p50", "p85", "p95"):
        if summary.get(key) is not None:
            fig.add_vline(x=summary[key], line_dash="dot", line_color=GREY, annotation_text=key)
    return _layout(fig, "Lead time", "Lead time (whole days)", "Issues")


def throughput_figure(result: Result) -> go.Figure:
    periods = list(result.get("periods") or [])
    fig = go.Figure(
        go.Bar(x=[p.get("start") for p in periods], y=[p.get("count") for p in periods], name="Finished items")
    )
    return _layout(fig, f"Throughput per {result.get('period', 'period')}", "Period start", "Items")


def aging_wip_figure(result: Result) -> go.Figure:
    items = list(result.get("items") or [])
    order = [c.get("name") for c in result.get("columns") or []]
    fig = go.Figure(
        go.Scatter(
            x=[i.get("column") for i in items],
            y=[i.get("age_days") for i in items],
            text=[i.get("key") for i in items],
            mode="markers",
            name="Items",
            marker={"size": 10, "color": ORANGE},
            hovertemplate="%{text}: %{y:.1f} days<extra></extra>",
        )
    )
    for key, value in (result.get("cycle_time_percentiles") or {}).items():
        if value is not None:
            fig.add_hline(y=value, line_dash="dot", line_color=GREY, annotation_text=key)
    fig.update_xaxes(categoryorder="array", categoryarray=order, type="category")
    return _layout(fig, "Aging work in progress", "Column", "Age (days)")


def created_vs_resolved_figure(result: Result) -> go.Figure:
    periods = list(result.get("periods") or [])
    x = [p.get("start") for p in periods]
    fig = go.Figure()
    fig.add_scatter(x=x, y=[p.get("created") for p in periods], name="Created", line={"color": RED})
    fig.add_scatter(x=x, y=[p.get("resolved") for p in periods], name="Resolved", line={"color": GREEN})
    fig.add_scatter(
        x=x,
        y=[p.get("unresolved_trend") for p in periods],
        name="Unresolved trend",
        line={"color": GREY, "dash": "dot"},
        visible="legendonly",
    )
    title = "Created vs resolved" + (" (cumulative)" if result.get("cumulative") else "")
    return _layout(fig, title, "Period start", "Issues")


def _period_bars(result: Result, key: str, title: str, y_title: str) -> go.Figure:
    periods = list(result.get("periods") or [])
    fig = go.Figure(go.Bar(x=[p.get("start") for p in periods], y=[p.get(key) for p in periods], name=y_title))
    return _layout(fig, title, "Period start", y_title)


def resolution_time_figure(result: Result) -> go.Figure:
    return _period_bars(result, "average_days", "Resolution time", "Average days to resolve")


def average_age_figure(result: Result) -> go.Figure:
    return _period_bars(result, "average_age_days", "Average age", "Average age of unresolved issues (days)")


def statistics_figure(result: Result) -> go.Figure:
    slices = list(result.get("slices") or [])
    fig = go.Figure(
        go.Pie(
            labels=[str(s.get("value")) for s in slices],
            values=[s.get("count") for s in slices],
            sort=False,
            textinfo="label+value",
        )
    )
    return _layout(fig, f"Issues by {result.get('field', 'field')}")


def two_dimensional_figure(result: Result) -> go.Figure:
    matrix = list(result.get("matrix") or [])
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            x=[str(v) for v in result.get("x_values") or []],
            y=[str(v) for v in result.get("y_values") or []],
            text=matrix,
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return _layout(
        fig, f"{result.get('y', 'y')} by {result.get('x', 'x')}", str(result.get("x", "")), str(result.get("y", ""))
    )


def forecast_when_figure(result: Result) -> go.Figure:
    distribution = list(result.get("distribution") or [])
    fig = go.Figure(
        go.Bar(
            x=[d.get("date") for d in distribution],
            y=[d.get("trials") for d in distribution],
            customdata=[d.get("days") for d in distribution],
            name="Trials",
            hovertemplate="%{x} (day %{customdata}): %{y} trials<extra></extra>",
        )
    )
    for p in result.get("percentiles") or []:
        if p.get("date"):
            fig.add_vline(
                x=p["date"], line_dash="dot", line_color=RED, annotation_text=f"{format_number(p['percentile'])}%"
            )
    return _layout(fig, f"When will {result.get('items', 'N')} items be done?", "Finish date", "Trials")


def forecast_how_many_figure(result: Result) -> go.Figure:
    distribution = list(result.get("distribution") or [])
    fig = go.Figure(
        go.Bar(x=[d.get("items") for d in distribution], y=[d.get("trials") for d in distribution], name="Trials")
    )
    for p in result.get("percentiles") or []:
        if p.get("items_or_more") is not None:
            fig.add_vline(
                x=p["items_or_more"],
                line_dash="dot",
                line_color=RED,
                annotation_text=f"{format_number(p['percentile'])}%",
            )
    return _layout(fig, f"How many items by {result.get('until', 'the date')}?", "Items finished", "Trials")


FIGURES: dict[str, Callable[[Result], go.Figure]] = {
    "sprint-burndown": burndown_figure,
    "sprint-burnup": burnup_figure,
    "sprint-report": sprint_report_figure,
    "velocity": velocity_figure,
    "cfd": cfd_figure,
    "control-chart": control_chart_figure,
    "lead-time": lead_time_figure,
    "throughput": throughput_figure,
    "aging-wip": aging_wip_figure,
    "created-vs-resolved": created_vs_resolved_figure,
    "resolution-time": resolution_time_figure,
    "average-age": average_age_figure,
    "statistics": statistics_figure,
    "two-dimensional": two_dimensional_figure,
    "forecast-when": forecast_when_figure,
    "forecast-how-many": forecast_how_many_figure,
}


def figure(name: str, result: Result) -> go.Figure | None:
    """The Plotly figure of a result (None for a report without a chart: its tables are what it shows)."""
    builder = FIGURES.get(name)
    return builder(result) if builder else None


# --- what a page shows ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """One report on a page: its result, figure, headline numbers and tables."""

    name: str
    title: str
    result: Result
    figure: go.Figure | None
    stats: list[Stat]
    tables: list[Table]
    api_url: str = ""
    error: str | None = None

    @property
    def figure_json(self) -> Markup:
        return json_for_html(self.figure.to_plotly_json() if self.figure is not None else None)

    @property
    def result_json(self) -> Markup:
        return json_for_html(self.result)


def panel(name: str, title: str, result: Result, *, api_url: str = "") -> Panel:
    """Everything a page draws for one result."""
    return Panel(name, title, result, figure(name, result), headline(name, result), tables(name, result), api_url)


def error_panel(name: str, title: str, message: str, *, api_url: str = "") -> Panel:
    return Panel(name, title, {}, None, [], [], api_url, message)


def cell_text(value: Any) -> str:
    """A table cell as text: lists joined with commas, numbers as `format_number` prints them."""
    if isinstance(value, list):
        return ", ".join(cell_text(v) for v in value)
    if isinstance(value, Mapping):
        return to_json(value).decode()
    return format_number(value)


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def to_json(value: Any) -> bytes:
    """JSON as the API writes it (orjson)."""
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_SERIALIZE_NUMPY)


def json_for_html(value: Any) -> Markup:
    """JSON safe inside `<script type="application/json">` (no `</script>`, comments or entity surprises)."""
    text = to_json(value).decode()
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


@cache
def environment() -> Environment:
    """The Jinja2 environment of reports/templates (autoescaped HTML)."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = format_number
    env.filters["cell"] = cell_text
    env.filters["json_for_html"] = json_for_html
    return env


def render(template: str, **context: Any) -> str:
    """Render one of reports/templates/*.html."""
    return environment().get_template(template).render(**context)


# --- static assets --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asset:
    """A file dashboards load: Plotly's JavaScript from the installed plotly package, and the dashboards' own."""

    name: str
    content: bytes
    media_type: str

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.content).hexdigest()[:20]

    @property
    def url(self) -> str:
        # The content hash in the URL lets browsers cache the file for good.
        return f"/reports/static/{self.name}?v={self.etag}"


def _template_source(name: str) -> str:
    env = environment()
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


@cache
def assets() -> dict[str, Asset]:
    """The static assets by kind: `plotly`, `js` and `css`."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    return {
        "plotly": Asset(
            f"plotly-{get_plotlyjs_version()}.min.js", get_plotlyjs().encode(), "text/javascript; charset=utf-8"
        ),
        "js": Asset("dashboard.js", _template_source("dashboard.js.html").encode(), "text/javascript; charset=utf-8"),
        "css": Asset("dashboard.css", _template_source("dashboard.css.html").encode(), "text/css; charset=utf-8"),
    }


def asset(name: str) -> Asset | None:
    """A static asset by file name."""
    return next((a for a in assets().values() if a.name == name), None)


def page_assets() -> dict[str, Any]:
    """Template variables of a served page: the assets by URL."""
    found = assets()
    return {"inline": False, "plotly_url": found["plotly"].url, "js_url": found["js"].url, "css_url": found["css"].url}


def inline_assets() -> dict[str, Any]:
    """Template variables of a self-contained file: the assets' contents."""
    found = assets()
    return {"inline": True} | {
        key: Markup(found[kind].content.decode())
        for key, kind in (("plotly_js", "plotly"), ("js", "js"), ("css", "css"))
    }
