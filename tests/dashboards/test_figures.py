"""reports/figures.py on hand-made report results: traces carry the results' values unchanged, tables are the
results' rows, headline numbers point at their JSON paths, and JSON embedded in HTML cannot break out."""

from __future__ import annotations

import json
import re

import pytest

from reports import REGISTRY
from reports.figures import (
    FIGURES,
    assets,
    figure,
    format_number,
    headline,
    inline_assets,
    json_for_html,
    lookup,
    panel,
    render,
    tables,
)

BURNDOWN = {
    "report": "sprint-burndown",
    "statistic": "story_points",
    "sprint": {"id": 1, "name": "Sprint 1"},
    "commitment": 8.0,
    "final_remaining": 3.0,
    "remaining": [
        {"at": "2024-03-04T09:00:00Z", "value": 8.0},
        {"at": "2024-03-05T10:00:00Z", "value": 5.0},
        {"at": "2024-03-08T17:00:00Z", "value": 3.0},
    ],
    "guideline": [
        {"at": "2024-03-04T09:00:00Z", "day": None, "value": 8.0},
        {"at": "2024-03-08T17:00:00Z", "day": "2024-03-08", "value": 0.0},
    ],
    "guideline_exact": [],
    "non_working_days": ["2024-03-09", "2024-03-10"],
    "events": [
        {
            "at": "2024-03-05T10:00:00Z",
            "issue": "A-1",
            "issue_id": 1,
            "event": "completed",
            "scope_change": False,
            "detail": "Moved to the done column",
            "increase": 0.0,
            "decrease": 3.0,
            "remaining": 5.0,
        }
    ],
}
CFD = {
    "report": "cfd",
    "days": ["2024-03-01", "2024-03-02"],
    "columns": [
        {"index": 0, "name": "To Do", "counts": [3, 1], "top": [5, 5]},
        {"index": 1, "name": "In Progress", "counts": [2, 2], "top": [2, 4]},
        {"index": 2, "name": "Done", "counts": [0, 2], "top": [0, 2]},
    ],
}
VELOCITY = {
    "report": "velocity",
    "statistic": "story_points",
    "sprints": [
        {"id": 1, "name": "S1", "commitment": 10.0, "completed": 7.0},
        {"id": 2, "name": "S2", "commitment": 12.0, "completed": 12.0},
    ],
    "average_completed": 9.5,
    "average_commitment": 11.0,
}
TWO_D = {
    "report": "two-dimensional",
    "x": "status",
    "y": "issuetype",
    "x_values": ["To Do", "Done"],
    "y_values": ["Bug", "Story"],
    "matrix": [[1, 0], [2, 3]],
    "column_totals": [3, 3],
    "row_totals": [1, 5],
    "total": 6,
}


def traces(name: str, result: dict) -> dict:
    fig = figure(name, result)
    assert fig is not None
    return {t["name"]: t for t in fig.to_plotly_json()["data"]}


def test_burndown_traces_and_tables_are_the_result() -> None:
    drawn = traces("sprint-burndown", BURNDOWN)
    assert drawn["Remaining"]["y"] == [8.0, 5.0, 3.0] and drawn["Remaining"]["line"]["shape"] == "hv"
    assert drawn["Remaining"]["x"] == ["2024-03-04T09:00:00Z", "2024-03-05T10:00:00Z", "2024-03-08T17:00:00Z"]
    assert drawn["Guideline"]["y"] == [8.0, 0.0]
    # The two non-working days are shaded.
    shapes = figure("sprint-burndown", BURNDOWN).to_plotly_json()["layout"]["shapes"]  # type: ignore[union-attr]
    assert [(s["x0"], s["x1"]) for s in shapes] == [("2024-03-09", "2024-03-10"), ("2024-03-10", "2024-03-11")]
    found = {t.name: t for t in tables("sprint-burndown", BURNDOWN)}
    assert list(found) == ["remaining", "events", "guideline"]  # the remaining series is the main table
    assert found["remaining"].rows == BURNDOWN["remaining"] and found["remaining"].columns == ["at", "value"]
    assert found["events"].rows == BURNDOWN["events"] and found["events"].open
    stats = {s.label: (s.path, s.value) for s in headline("sprint-burndown", BURNDOWN)}
    assert stats == {"Commitment": ("commitment", 8.0), "Remaining": ("final_remaining", 3.0)}


def test_cfd_bands_are_stacked_top_edges_done_at_the_bottom() -> None:
    fig = figure("cfd", CFD)
    assert fig is not None
    data = fig.to_plotly_json()["data"]
    # Done is drawn first (the bottom band), each trace's y is the column's top edge, counts ride along.
    assert [t["name"] for t in data] == ["Done", "In Progress", "To Do"]
    assert [t["y"] for t in data] == [[0, 2], [2, 4], [5, 5]]
    assert [t["customdata"] for t in data] == [[0, 2], [2, 2], [3, 1]]
    assert [t["fill"] for t in data] == ["tozeroy", "tonexty", "tonexty"]
    [counts, top] = tables("cfd", CFD)
    assert counts.columns == ["day", "To Do", "In Progress", "Done"]
    assert counts.rows == [
        {"day": "2024-03-01", "To Do": 3, "In Progress": 2, "Done": 0},
        {"day": "2024-03-02", "To Do": 1, "In Progress": 2, "Done": 2},
    ]
    assert top.rows[1] == {"day": "2024-03-02", "To Do": 5, "In Progress": 4, "Done": 2}
    assert [(s.path, s.value) for s in headline("cfd", CFD)] == [
        ("columns.0.counts.-1", 1),
        ("columns.1.counts.-1", 2),
        ("columns.2.counts.-1", 2),
    ]


def test_velocity_and_matrix() -> None:
    drawn = traces("velocity", VELOCITY)
    assert drawn["Commitment"]["y"] == [10.0, 12.0] and drawn["Completed"]["y"] == [7.0, 12.0]
    assert drawn["Average completed"]["y"] == [9.5, 9.5]
    [sprints] = tables("velocity", VELOCITY)
    assert sprints.name == "sprints" and sprints.rows == VELOCITY["sprints"]
    [matrix] = tables("two-dimensional", TWO_D)
    assert matrix.columns == ["issuetype", "To Do", "Done", "Total"]
    assert matrix.rows == [
        {"issuetype": "Bug", "To Do": 1, "Done": 0, "Total": 1},
        {"issuetype": "Story", "To Do": 2, "Done": 3, "Total": 5},
        {"issuetype": "Total", "To Do": 3, "Done": 3, "Total": 6},
    ]
    heat = figure("two-dimensional", TWO_D).to_plotly_json()["data"][0]  # type: ignore[union-attr]
    assert heat["z"] == [[1, 0], [2, 3]] and heat["x"] == ["To Do", "Done"] and heat["y"] == ["Bug", "Story"]


def test_empty_results_still_have_headed_tables() -> None:
    empty = {"report": "control-chart", "points": [], "summary": {"count": 0}, "percentiles": {}}
    [points] = tables("control-chart", empty)
    assert points.name == "points" and points.rows == [] and points.columns[:2] == ["issue_id", "key"]
    assert figure("control-chart", empty) is not None
    assert figure("some-future-report", {"a": 1}) is None
    [summary] = tables("some-future-report", {"a": 1, "b": [1, 2]})
    assert summary.rows == [{"a": 1}]


def test_every_registered_report_has_a_figure() -> None:
    assert set(REGISTRY) <= set(FIGURES)


def test_lookup_and_number_format() -> None:
    doc = {"a": {"b": [1, 2, {"c": 3.5}]}}
    assert lookup(doc, "a.b.2.c") == 3.5 and lookup(doc, "a.b.-1.c") == 3.5 and lookup(doc, "a.b.0") == 1
    assert lookup(doc, "a.x") is None and lookup(doc, "a.b.7") is None
    assert [format_number(v) for v in (3, 3.0, 2.345, 0.1 + 0.2, None, True, float("nan"), "x")] == [
        "3",
        "3",
        "2.35",
        "0.3",
        "\u2013",
        "yes",
        "\u2013",
        "x",
    ]


@pytest.mark.parametrize("evil", ["</script><script>alert(1)</script>", "<!--", "a & b", "\u2028"])
def test_embedded_json_cannot_end_its_script_element(evil: str) -> None:
    text = str(json_for_html({"summary": evil}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"summary": evil}


def test_export_page_inlines_every_asset() -> None:
    html = render(
        "export.html",
        title="Velocity",
        description="d",
        params={"board": 1},
        panel=panel("velocity", "Velocity", VELOCITY),
        assets=inline_assets(),
        user=None,
        session=False,
        generated_at="now",
        warehouse=None,
    )
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(?!data:)", html)
    assert assets()["plotly"].content.decode()[:200] in html
