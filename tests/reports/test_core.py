"""Created vs resolved, resolution time, average age, statistics and two-dimensional statistics, by hand.

Project COR, now = Sun 2024-03-10 12:00 UTC:
  R-1 created 03-04 10:00, resolved 03-06 10:00
  R-2 created 03-06 09:00, resolved 03-07 09:00, reopened (resolution cleared) 03-08 09:00 → unresolved now
  R-3 created 03-07 12:00, resolved 03-09 12:00
  R-4 created 03-09 08:00, unresolved
  R-5 created 03-01 00:00, resolved 03-02 00:00 (before the 5-day window)
"""

from __future__ import annotations

import pytest

from reports import ReportContext, ReportError, run_report
from reports.core import average_age, created_vs_resolved, resolution_time, statistics, two_dimensional
from tests.reports.conftest import context
from tests.warehouse.builder import DONE, RESOLUTION_DONE, TODO, Dataset, t


def scenario() -> Dataset:
    d = Dataset().project(5, "COR").project(6, "STA")
    d.issue(51, "COR-1", 5, t("2024-03-04 10:00"))
    d.change(51, t("2024-03-06 10:00"), status=DONE, resolution=RESOLUTION_DONE)
    d.issue(52, "COR-2", 5, t("2024-03-06 09:00"))
    d.change(52, t("2024-03-07 09:00"), status=DONE, resolution=RESOLUTION_DONE)
    d.change(52, t("2024-03-08 09:00"), status=TODO, resolution=None)
    d.issue(53, "COR-3", 5, t("2024-03-07 12:00"))
    d.change(53, t("2024-03-09 12:00"), status=DONE, resolution=RESOLUTION_DONE)
    d.issue(54, "COR-4", 5, t("2024-03-09 08:00"))
    d.issue(55, "COR-5", 5, t("2024-03-01 00:00"))
    d.change(55, t("2024-03-02 00:00"), status=DONE, resolution=RESOLUTION_DONE)
    # Statistics: STA-1 a Bug in To Do labelled ui+perf, STA-2 a Story in Done labelled ui, STA-3 unlabelled.
    d.issue(61, "STA-1", 6, t("2024-03-01 10:00"), type="Bug", labels=["ui", "perf"])
    d.issue(62, "STA-2", 6, t("2024-03-01 10:00"), status=DONE, labels=["ui"])
    d.issue(63, "STA-3", 6, t("2024-03-01 10:00"))
    return d


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> ReportContext:
    return context(scenario(), tmp_path_factory.mktemp("core"), now=t("2024-03-10 12:00"))


def test_created_vs_resolved_daily(ctx: ReportContext) -> None:
    r = created_vs_resolved(ctx, jql="project = COR", days=5)
    assert (r["from"], r["to"]) == ("2024-03-06", "2024-03-10")
    got = [(p["start"], p["created"], p["resolved"], p["unresolved_trend"]) for p in r["periods"]]
    # Created: R-2 on 03-06, R-3 on 03-07, R-4 on 03-09. Resolved by the current resolutiondate: R-1 on 03-06 and
    # R-3 on 03-09 (R-2 was reopened, so Jira no longer counts it). Trend = cumulative created - resolved.
    assert got == [
        ("2024-03-06", 1, 1, 0),
        ("2024-03-07", 1, 0, 1),
        ("2024-03-08", 0, 0, 1),
        ("2024-03-09", 1, 1, 1),
        ("2024-03-10", 0, 0, 1),
    ]
    cumulative = created_vs_resolved(ctx, jql="project = COR", days=5, cumulative=True)
    assert [(p["created"], p["resolved"]) for p in cumulative["periods"]] == [(1, 1), (2, 1), (2, 1), (3, 2), (3, 2)]
    # Counting resolution events instead: R-2's resolution on 03-07 counts too.
    events = created_vs_resolved(ctx, jql="project = COR", days=5, resolution_source="events")
    assert [p["resolved"] for p in events["periods"]] == [1, 1, 0, 1, 0]


def test_created_vs_resolved_weekly(ctx: ReportContext) -> None:
    r = created_vs_resolved(ctx, jql="project = COR", days=10, period="week")
    # Window 03-01..03-10; weeks start on Monday: 03-01..03-03 (clipped) and 03-04..03-10.
    assert [(p["start"], p["end"], p["created"], p["resolved"]) for p in r["periods"]] == [
        ("2024-03-01", "2024-03-03", 1, 1),  # R-5 created and resolved
        ("2024-03-04", "2024-03-10", 4, 2),  # R-1..R-4 created; resolved
    ]


def test_resolution_time(ctx: ReportContext) -> None:
    r = resolution_time(ctx, jql="project = COR", days=5)
    # 03-04 10:00 → 03-06 10:00 = 2 days; R-3: 03-07 12:00 → 03-09 12:00 = 2 days.
    assert [(p["start"], p["resolved"], p["average_days"]) for p in r["periods"]] == [
        ("2024-03-06", 1, 2.0),
        ("2024-03-07", 0, None),
        ("2024-03-08", 0, None),
        ("2024-03-09", 1, 2.0),
        ("2024-03-10", 0, None),
    ]


def test_average_age(ctx: ReportContext) -> None:
    r = average_age(ctx, jql="project = COR", days=5)
    # Cloud: issues created before the day starts and not resolved before it; age = min(resolved, day end, now)
    # - created.
    #   03-06: R-1 (resolved 03-06 10:00): 2 d                                 → 2.0
    #   03-07: R-2 (unresolved now): 03-06 09:00 → 03-08 00:00 = 1.625 d        → 1.625
    #   03-08: R-2 2.625 d; R-3 03-07 12:00 → 03-09 00:00 = 1.5 d              → 2.0625
    #   03-09: R-2 3.625 d; R-3 resolved 03-09 12:00: 2.0 d                     → 2.8125
    #   03-10: R-2 to now (03-10 12:00) 4.125 d; R-4 to now 1.16667 d           → 2.645833
    assert [p["average_age_days"] for p in r["periods"]] == pytest.approx([2.0, 1.625, 2.0625, 2.8125, 2.6458333])
    assert [p["issues"] for p in r["periods"]] == [1, 1, 2, 2, 2]
    server = average_age(ctx, jql="project = COR", days=5, variant="server")
    # Server/DC also counts issues created inside the day: on 03-09 R-4 (03-09 08:00 → 03-10 00:00 = 0.6667 d)
    # joins: (3.625 + 2.0 + 0.66667) / 3 = 2.097222.
    assert server["periods"][3]["average_age_days"] == pytest.approx(2.0972222)


def test_statistics_pie(ctx: ReportContext) -> None:
    r = statistics(ctx, field="labels", jql="project = STA")
    # Three issues; multi-valued labels put STA-1 in both of its slices; empty → "None".
    assert r["total"] == 3
    assert [(s["value"], s["count"]) for s in r["slices"]] == [("ui", 2), ("None", 1), ("perf", 1)]
    assert [s["percent"] for s in r["slices"]] == pytest.approx([200 / 3, 100 / 3, 100 / 3])
    by_status = statistics(ctx, field="status", jql="project = STA")
    assert [(s["value"], s["count"]) for s in by_status["slices"]] == [("To Do", 2), ("Done", 1)]
    with pytest.raises(ReportError):
        statistics(ctx, field="nope")


def test_two_dimensional(ctx: ReportContext) -> None:
    r = two_dimensional(ctx, x="status", y="labels", jql="project = STA")
    assert r["x_values"] == ["To Do", "Done"]
    assert r["y_values"] == ["None", "perf", "ui"]
    assert r["matrix"] == [[1, 0], [1, 0], [1, 1]]  # None: STA-3; perf: STA-1; ui: STA-1 (To Do), STA-2 (Done)
    assert r["column_totals"] == [2, 1] and r["row_totals"] == [1, 1, 2] and r["total"] == 3


def test_scope_limits_core_reports(ctx: ReportContext) -> None:
    scoped = ReportContext(ctx.cursor, scope={6}, now=ctx.now)
    assert statistics(scoped, field="project")["total"] == 3  # only STA's issues are visible
    assert run_report("created-vs-resolved", scoped, {"days": "5"})["total_created"] == 0
