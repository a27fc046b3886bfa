"""Cumulative flow, control chart, lead time, throughput and aging WIP on hand-computed scenarios."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reports import ReportContext, ReportError, ReportNotFound
from reports.flow import aging_wip, cfd, control_chart, lead_time, throughput
from tests.reports.conftest import context
from tests.warehouse.builder import DONE, IN_PROGRESS, REVIEW, TODO, Dataset, t

BLOCKED = 10160  # mapped to no column
COLUMNS = [("To Do", [TODO]), ("In Progress", [IN_PROGRESS]), ("Review", [REVIEW]), ("Done", [DONE])]


def flow_scenario() -> Dataset:
    """Board 20 (project FLW), four columns; Blocked is unmapped.

    F-1 created 03-01 10:00; In Progress 03-02 10:00; Done 03-04 10:00.
    F-2 created 03-01 12:00; In Progress 03-03 09:00; Review 03-04 09:00; Done 03-05 09:00; back to In Progress
        03-06 09:00 (a backwards move).
    F-3 created 03-03 10:00, stays To Do.
    F-4 created 03-02 08:00; Blocked 03-03 08:00 (off the board); To Do 03-05 08:00.
    F-5 created 03-02 23:59:59 (counts on 03-02); In Progress at 03-04 00:00:00 (counts from 03-04, not 03-03).
    F-6 in another project (GHO) the board's filter excludes.
    """
    d = Dataset().project(2, "FLW").project(3, "GHO")
    d.rows["statuses"].append({"id": BLOCKED, "name": "Blocked", "category": "in_progress"})
    d.board(20, 2, COLUMNS, filter_jql="project = FLW ORDER BY Rank")
    d.issue(21, "FLW-1", 2, t("2024-03-01 10:00"))
    d.status(21, t("2024-03-02 10:00"), IN_PROGRESS).status(21, t("2024-03-04 10:00"), DONE)
    d.issue(22, "FLW-2", 2, t("2024-03-01 12:00"))
    d.status(22, t("2024-03-03 09:00"), IN_PROGRESS).status(22, t("2024-03-04 09:00"), REVIEW)
    d.status(22, t("2024-03-05 09:00"), DONE).status(22, t("2024-03-06 09:00"), IN_PROGRESS)
    d.issue(23, "FLW-3", 2, t("2024-03-03 10:00"))
    d.issue(24, "FLW-4", 2, t("2024-03-02 08:00"))
    d.status(24, t("2024-03-03 08:00"), BLOCKED).status(24, t("2024-03-05 08:00"), TODO)
    d.issue(25, "FLW-5", 2, t("2024-03-02 23:59:59"))
    d.status(25, t("2024-03-04 00:00:00"), IN_PROGRESS)
    d.issue(26, "GHO-1", 3, t("2024-03-01 10:00"))
    return d


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> ReportContext:
    return context(flow_scenario(), tmp_path_factory.mktemp("flow"), now=t("2024-03-10 12:00"))


def _by_column(r: dict, key: str = "counts") -> dict[str, list[int]]:
    return {c["name"]: c[key] for c in r["columns"]}


def test_cfd_point_in_time_counts(flow: ReportContext) -> None:
    r = cfd(flow, board=20, from_=date(2024, 3, 1), to=date(2024, 3, 6))
    assert r["days"] == ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04", "2024-03-05", "2024-03-06"]
    # End of day     03-01 03-02 03-03 03-04 03-05 03-06
    # To Do:          F1F2  F2F4F5 F3F5  F3    F3F4  F3F4      (F-4 off the board while Blocked)
    # In Progress:    -     F1    F1F2  F5    F5    F5F2
    # Review:         -     -     -     F2    -     -
    # Done:           -     -     -     F1    F1F2  F1        (F-2's backwards move lowers Done again)
    assert _by_column(r) == {
        "To Do": [2, 3, 2, 1, 2, 2],
        "In Progress": [0, 1, 2, 1, 1, 2],
        "Review": [0, 0, 0, 1, 0, 0],
        "Done": [0, 0, 0, 1, 2, 1],
    }
    # Stacked with Done at the bottom: the top edge of a column is the sum over it and the columns to its right.
    assert _by_column(r, "top")["To Do"] == [2, 4, 4, 4, 5, 5]
    assert _by_column(r, "top")["Review"] == [0, 0, 0, 2, 2, 1]


def test_cfd_range_starts_from_earlier_history(flow: ReportContext) -> None:
    r = cfd(flow, board=20, from_=date(2024, 3, 5), to=date(2024, 3, 6))
    assert _by_column(r)["Done"] == [2, 1]


def test_cfd_in_the_board_time_zone(flow: ReportContext) -> None:
    # In Tokyo (UTC+9) F-5 is created on 03-03 08:59:59 local, so the end of 03-02 holds To Do F-2, F-4 only.
    r = cfd(flow, board=20, from_=date(2024, 3, 2), to=date(2024, 3, 2), timezone="Asia/Tokyo")
    assert _by_column(r)["To Do"] == [2] and _by_column(r)["In Progress"] == [1]


def test_cfd_jql_and_scope(flow: ReportContext) -> None:
    r = cfd(flow, board=20, from_=date(2024, 3, 5), to=date(2024, 3, 5), jql="key in (FLW-1, FLW-2)")
    assert {k: v[0] for k, v in _by_column(r).items()} == {"To Do": 0, "In Progress": 0, "Review": 0, "Done": 2}
    with pytest.raises(ReportNotFound):
        cfd(ReportContext(flow.cursor, scope={3}, now=flow.now), board=20)
    # Without a board, status categories are the columns and the filter covers GHO-1 as well.
    r = cfd(flow, from_=date(2024, 3, 1), to=date(2024, 3, 1))
    assert {k: v[0] for k, v in _by_column(r).items()} == {"To Do": 3, "In Progress": 0, "Done": 0}


def control_scenario() -> Dataset:
    """Board 30 (project CTL): To Do | In Progress | Review | Done; UTC, Monday-Friday. All created 03-01 09:00.

    C-1 In Progress Mon 03-04 10:00, Review 03-05 10:00, Done 03-06 10:00     → 2 days in S, leaves 03-06 10:00
    C-2 In Progress 03-04 10:00, Done 03-05 10:00, reopened to In Progress Thu 03-07 10:00, Done Fri 03-08 10:00
        → 1 + 1 = 2 days (time in Done between the visits is not counted), leaves 03-08 10:00
    C-3 In Progress Fri 03-08 10:00, Done Mon 03-11 10:00 → 3 calendar days, 1 working day (14 h + 10 h)
    C-4 In Progress since 03-05 10:00 → still in S: not shown
    C-5 To Do → Done 03-06 09:00, never in S → not shown
    C-6 In Progress 03-04 10:00, back to To Do 03-04 16:00 → left S (backwards): 0.25 days, leaves 03-04 16:00
    C-7 In Progress 03-10 12:00, Review 03-11 12:00 → still in S
    """
    d = Dataset().project(4, "CTL")
    d.board(30, 4, COLUMNS)
    created = t("2024-03-01 09:00")
    for n in range(1, 8):
        d.issue(30 + n, f"CTL-{n}", 4, created)
    d.status(31, t("2024-03-04 10:00"), IN_PROGRESS).status(31, t("2024-03-05 10:00"), REVIEW)
    d.status(31, t("2024-03-06 10:00"), DONE)
    d.status(32, t("2024-03-04 10:00"), IN_PROGRESS).status(32, t("2024-03-05 10:00"), DONE)
    d.status(32, t("2024-03-07 10:00"), IN_PROGRESS).status(32, t("2024-03-08 10:00"), DONE)
    d.status(33, t("2024-03-08 10:00"), IN_PROGRESS).status(33, t("2024-03-11 10:00"), DONE)
    d.status(34, t("2024-03-05 10:00"), IN_PROGRESS)
    d.status(35, t("2024-03-06 09:00"), DONE)
    d.status(36, t("2024-03-04 10:00"), IN_PROGRESS).status(36, t("2024-03-04 16:00"), TODO)
    d.status(37, t("2024-03-10 12:00"), IN_PROGRESS).status(37, t("2024-03-11 12:00"), REVIEW)
    return d


@pytest.fixture(scope="module")
def ctl(tmp_path_factory: pytest.TempPathFactory) -> ReportContext:
    return context(control_scenario(), tmp_path_factory.mktemp("ctl"), now=t("2024-03-12 12:00"))


def test_control_chart_cycle_times_and_rolling_band(ctl: ReportContext) -> None:
    r = control_chart(ctl, board=30)
    assert r["columns"] == ["In Progress", "Review"]  # default: the columns between the first and the last
    points = [(p["key"], p["completed"][5:16], p["cycle_time_days"]) for p in r["points"]]
    assert points == [
        ("CTL-6", "03-04T16:00", 0.25),
        ("CTL-1", "03-06T10:00", 2.0),
        ("CTL-2", "03-08T10:00", 2.0),
        ("CTL-3", "03-11T10:00", 3.0),
    ]
    # 4 issues: window = max(5, 20% of 4) = 5, centred and truncated at the ends:
    #   #0 mean(0.25, 2, 2) = 1.41667   #1 and #2 mean(all four) = 1.8125   #3 mean(2, 2, 3) = 2.33333
    assert r["window"] == 5
    assert [p["rolling_average_days"] for p in r["points"]] == pytest.approx([4.25 / 3, 1.8125, 1.8125, 7 / 3])
    # Std-dev over the same windows (population): #0 sqrt(((0.25-1.41667)² + 2·(2-1.41667)²)/3) = 0.82496;
    # #3 sqrt((2·(1/3)² + (2/3)²)/3) = 0.47140; CTL-3 (3.0 > 2.3333 + 0.4714) is outside the band.
    assert r["points"][0]["rolling_std_days"] == pytest.approx(0.824958, abs=1e-6)
    assert r["points"][3]["rolling_std_days"] == pytest.approx(0.471405, abs=1e-6)
    assert [p["outlier"] for p in r["points"]] == [False, False, False, True]
    # Mean 7.25/4 = 1.8125; percentiles by linear interpolation over (0.25, 2, 2, 3): p50 2, p85 2.55, p95 2.85.
    assert r["average_days"] == pytest.approx(1.8125)
    assert r["percentiles"] == pytest.approx({"p50": 2.0, "p85": 2.55, "p95": 2.85})


def test_control_chart_options(ctl: ReportContext) -> None:
    working = control_chart(ctl, board=30, include_non_working_days=False)
    # The weekend drops out of CTL-3 (Fri 10:00 → Mon 10:00 = 24 working hours); the others ran on weekdays.
    assert {p["key"]: p["cycle_time_days"] for p in working["points"]} == pytest.approx(
        {"CTL-6": 0.25, "CTL-1": 2.0, "CTL-2": 2.0, "CTL-3": 1.0}
    )
    ranged = control_chart(ctl, board=30, from_=date(2024, 3, 5), to=date(2024, 3, 8))
    assert [p["key"] for p in ranged["points"]] == ["CTL-1", "CTL-2"]  # left S within 03-05..03-08
    review = control_chart(ctl, board=30, columns=["Review"])
    assert [(p["key"], p["cycle_time_days"]) for p in review["points"]] == [("CTL-1", 1.0)]
    with pytest.raises(ReportError):
        control_chart(ctl, board=30, columns=["Nope"])


def test_lead_time_and_throughput(ctl: ReportContext) -> None:
    r = lead_time(ctl, board=30, from_=date(2024, 3, 1), to=date(2024, 3, 12))
    # Created 03-01 09:00 → last entry into Done: CTL-5 03-06 09:00 = 5 d; CTL-1 03-06 10:00 = 5 d 1 h;
    # CTL-2 03-08 10:00 (its last entry, not the first on 03-05) = 7 d 1 h; CTL-3 03-11 10:00 = 10 d 1 h.
    assert [i["key"] for i in r["issues"]] == ["CTL-5", "CTL-1", "CTL-2", "CTL-3"]
    assert [i["lead_time_days"] for i in r["issues"]] == pytest.approx([5.0, 5 + 1 / 24, 7 + 1 / 24, 10 + 1 / 24])
    assert r["histogram"] == [{"days": 5, "issues": 2}, {"days": 7, "issues": 1}, {"days": 10, "issues": 1}]
    daily = throughput(ctl, board=30, from_=date(2024, 3, 4), to=date(2024, 3, 11), period="day")
    # Final finishes: 03-06 CTL-1 and CTL-5, 03-08 CTL-2 (counted once, at its last finish), 03-11 CTL-3.
    assert [p["count"] for p in daily["periods"]] == [0, 0, 2, 0, 1, 0, 0, 1]
    weekly = throughput(ctl, board=30, from_=date(2024, 3, 4), to=date(2024, 3, 11), period="week")
    assert [(p["start"], p["count"]) for p in weekly["periods"]] == [("2024-03-04", 3), ("2024-03-11", 1)]


def test_aging_wip(ctl: ReportContext) -> None:
    r = aging_wip(ctl, board=30)
    # now = 03-12 12:00. In progress: CTL-4 (In Progress since 03-05 10:00: 7 d 2 h, 8 whole days counting both
    # ends) and CTL-7 (started 03-10 12:00: 2 d, now in Review). CTL-6 went back to To Do: not WIP.
    items = {i["key"]: i for i in r["items"]}
    assert set(items) == {"CTL-4", "CTL-7"}
    assert items["CTL-4"]["age_days"] == pytest.approx(7 + 2 / 24) and items["CTL-4"]["age_whole_days"] == 8
    assert items["CTL-7"]["age_days"] == pytest.approx(2.0) and items["CTL-7"]["column"] == "Review"
    # Cycle times of finished items (first start → last Done): CTL-1 2, CTL-2 4, CTL-3 3, and CTL-5 0: it skipped
    # the middle columns, which take the date of the next column it entered (the back-fill rule of §10/§14).
    # Percentiles of (0, 2, 3, 4) by linear interpolation: p50 2.5, p70 3.1, p85 3.55, p95 3.85.
    # Pace: the share of those cycle times ≤ the item's age (CTL-7, 2 days: 0 and 2 → 50%).
    assert r["cycle_time_percentiles"] == pytest.approx({"p50": 2.5, "p70": 3.1, "p85": 3.55, "p95": 3.85})
    assert items["CTL-4"]["pace_percentile"] == 100.0
    assert items["CTL-7"]["pace_percentile"] == 50.0
    assert [(c["name"], c["count"]) for c in r["columns"]] == [("In Progress", 1), ("Review", 1)]


def test_flow_parameters_are_checked(ctl: ReportContext, tmp_path: Path) -> None:
    with pytest.raises(ReportError):
        cfd(ctl, board=30, from_=date(2024, 3, 5), to=date(2024, 3, 1))
    with pytest.raises(ReportError):
        throughput(ctl, board=30, period="fortnight")
    with pytest.raises(ReportError):
        aging_wip(ctl, board=30, start_column=3)
