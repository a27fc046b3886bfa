"""Sprint burndown, burnup, sprint report and velocity on one hand-computed scenario.

Board 7 (project ABC): To Do [To Do] | In Progress [In Progress, In Review] | Done [Done]; UTC, Monday-Friday,
Friday 2024-03-08 a non-working day. Sprint 101 runs Mon 2024-03-04 09:00 → Fri 2024-03-15 17:00 and is completed
at exactly 17:00. Sprint 102 runs Mon 03-18 09:00 → Fri 03-29 17:00 (completed), sprint 103 starts Mon 04-01
09:00 and is active. Every issue is a Story unless noted; "pts" are story points.

Sprint 101, issue by issue (the tricky rule each one exercises):
  A-1  3 pts  in before the start, done Wed 03-06 10:00                            → burns 3
  A-2  5 pts  in before the start, re-estimated to 8 on 03-05 12:00 (scope +3), not done at completion and
              carried to 102 at 17:00 ("101" → "101, 102": not a removal)             → not completed, 5 → 8
  A-3  2 pts  added at exactly the start instant (belongs to the commitment), done 03-07 10:00, reopened
              03-11 10:00 (+2), done again 03-12 10:00 (-2)                          → completed once
  A-4  8 pts  a Bug, in at the start, removed 03-06 15:00 (scope -8)                   → removed (punted)
  A-5  1 pt   added after the start, 03-05 09:00 (scope +1), done 03-13 10:00         → completed, added (*)
  A-6  5 pts  already done (03-01) when the sprint starts                             → completed outside; 0
  A-7  3 pts  added 03-07 11:00 while already done (no change to remaining)           → completed outside (*)
  A-8 13 pts  a Sub-task in the sprint: ignored by every sprint report
  A-9  4 pts  done 03-14 10:00, then re-estimated to 6 while done (no change to remaining) → completed, 4 → 6
  A-10 2 pts  done at exactly the completion instant 03-15 17:00 (belongs to the final state) → completed
  A-11 3 pts  done after completion (03-15 18:00: ignored)                            → not completed
  A-12 —      unestimated (counts 0 points, 1 issue), done 03-12 11:00               → completed
  A-13 5 pts  in at the start, removed 03-06 09:00 and added back 03-07 09:00         → not completed, NOT added
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reports import ReportContext, ReportNotFound, run_report
from reports.sprint import sprint_burndown, sprint_burnup, sprint_report, velocity
from tests.reports.conftest import context
from tests.warehouse.builder import DONE, IN_PROGRESS, REVIEW, TODO, Dataset, t

START, END = t("2024-03-04 09:00"), t("2024-03-15 17:00")


def scenario() -> Dataset:
    d = Dataset().project(1, "ABC")
    d.board(7, 1, non_working=[date(2024, 3, 8)])
    d.sprint(101, 7, START, END, END)
    d.sprint(102, 7, t("2024-03-18 09:00"), t("2024-03-29 17:00"), t("2024-03-29 17:00"))
    d.sprint(103, 7, t("2024-04-01 09:00"), t("2024-04-12 17:00"))
    before = t("2024-03-01 09:00")
    d.issue(1, "ABC-1", 1, before, points=3, sprint=[101])
    d.status(1, t("2024-03-05 09:00"), IN_PROGRESS).status(1, t("2024-03-06 10:00"), DONE)
    d.issue(2, "ABC-2", 1, before, points=5, sprint=[101])
    d.points(2, t("2024-03-05 12:00"), 8)
    d.sprints(2, END, [101, 102])
    d.status(2, t("2024-03-20 10:00"), IN_PROGRESS).status(2, t("2024-03-25 10:00"), DONE)
    d.issue(3, "ABC-3", 1, before, points=2)
    d.sprints(3, START, [101])
    d.status(3, t("2024-03-07 10:00"), DONE).status(3, t("2024-03-11 10:00"), REVIEW)
    d.status(3, t("2024-03-12 10:00"), DONE)
    d.issue(4, "ABC-4", 1, before, type="Bug", points=8, sprint=[101])
    d.sprints(4, t("2024-03-06 15:00"), [])
    d.issue(5, "ABC-5", 1, before, points=1)
    d.sprints(5, t("2024-03-05 09:00"), [101])
    d.status(5, t("2024-03-13 10:00"), DONE)
    d.issue(6, "ABC-6", 1, before, points=5, sprint=[101])
    d.status(6, t("2024-03-01 12:00"), DONE)
    d.issue(7, "ABC-7", 1, before, points=3)
    d.status(7, t("2024-03-02 12:00"), DONE)
    d.sprints(7, t("2024-03-07 11:00"), [101])
    d.issue(8, "ABC-8", 1, before, type="Sub-task", points=13, sprint=[101], parent=1)
    d.issue(9, "ABC-9", 1, before, points=4, sprint=[101])
    d.status(9, t("2024-03-14 10:00"), DONE).points(9, t("2024-03-14 12:00"), 6)
    d.issue(10, "ABC-10", 1, before, points=2, sprint=[101])
    d.status(10, END, DONE)
    d.issue(11, "ABC-11", 1, before, points=3, sprint=[101])
    d.status(11, t("2024-03-15 18:00"), DONE)
    d.issue(12, "ABC-12", 1, before, sprint=[101])
    d.status(12, t("2024-03-12 11:00"), DONE)
    d.issue(13, "ABC-13", 1, before, points=5, sprint=[101])
    d.sprints(13, t("2024-03-06 09:00"), []).sprints(13, t("2024-03-07 09:00"), [101])
    # Sprint 102: A-2 carried over (8 pts at the start), A-14 added before the start and done, A-15 done then
    # reopened and not done again (counts 0).
    d.issue(14, "ABC-14", 1, before, points=5)
    d.sprints(14, t("2024-03-17 12:00"), [102])
    d.status(14, t("2024-03-20 12:00"), DONE)
    d.issue(15, "ABC-15", 1, before, points=2)
    d.sprints(15, t("2024-03-17 12:00"), [102])
    d.status(15, t("2024-03-19 10:00"), DONE).status(15, t("2024-03-20 10:00"), TODO)
    # Sprint 103 (active): A-16 in at the start, done 04-02; A-17's done on 04-05 lies after "now".
    d.issue(16, "ABC-16", 1, before, points=3)
    d.sprints(16, t("2024-03-30 10:00"), [103])
    d.status(16, t("2024-04-02 10:00"), DONE)
    d.issue(17, "ABC-17", 1, before, points=2)
    d.sprints(17, t("2024-03-30 10:00"), [103])
    d.status(17, t("2024-04-05 10:00"), DONE)
    return d


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> ReportContext:
    return context(scenario(), tmp_path_factory.mktemp("sprint"), now=t("2024-04-03 12:00"))


def test_burndown_story_points(ctx: ReportContext) -> None:
    r = sprint_burndown(ctx, sprint=101)
    # Commitment at 03-04 09:00, in sprint and not done: A-1 3 + A-2 5 + A-3 2 (added at the start instant)
    # + A-4 8 + A-9 4 + A-10 2 + A-11 3 + A-12 0 + A-13 5 = 32 (A-6 is done; A-8 is a sub-task).
    assert r["commitment"] == 32
    log = [(e["at"][5:16], e["issue"], e["event"], e["increase"], e["decrease"], e["remaining"]) for e in r["events"]]
    assert log == [
        ("03-05T09:00", "ABC-5", "scope_added", 1, 0, 33),
        ("03-05T12:00", "ABC-2", "estimate_changed", 3, 0, 36),
        ("03-06T09:00", "ABC-13", "scope_removed", 0, 5, 31),
        ("03-06T10:00", "ABC-1", "completed", 0, 3, 28),
        ("03-06T15:00", "ABC-4", "scope_removed", 0, 8, 20),
        ("03-07T09:00", "ABC-13", "scope_added", 5, 0, 25),
        ("03-07T10:00", "ABC-3", "completed", 0, 2, 23),
        ("03-07T11:00", "ABC-7", "scope_added", 0, 0, 23),  # added while done: no change
        ("03-11T10:00", "ABC-3", "reopened", 2, 0, 25),
        ("03-12T10:00", "ABC-3", "completed", 0, 2, 23),
        ("03-12T11:00", "ABC-12", "completed", 0, 0, 23),  # unestimated: burns 0 points
        ("03-13T10:00", "ABC-5", "completed", 0, 1, 22),
        ("03-14T10:00", "ABC-9", "completed", 0, 4, 18),
        ("03-14T12:00", "ABC-9", "estimate_changed", 0, 0, 18),  # re-estimate of a done issue: no change
        ("03-15T17:00", "ABC-10", "completed", 0, 2, 16),  # at the completion instant: included
    ]
    # A-2's "101" -> "101, 102" at completion is no event; A-11's done after completion is ignored.
    assert r["final_remaining"] == 16  # = A-2 8 + A-11 3 + A-13 5, the not-completed issues
    assert r["remaining"][0] == {"at": "2024-03-04T09:00:00Z", "value": 32}
    assert r["remaining"][-1] == {"at": "2024-03-15T17:00:00Z", "value": 16}
    assert [e["scope_change"] for e in r["events"][:3]] == [True, True, True]
    assert r["non_working_days"] == ["2024-03-08", "2024-03-09", "2024-03-10"]


def test_burndown_guidelines_follow_working_days(ctx: ReportContext) -> None:
    r = sprint_burndown(ctx, sprint=101)
    # Grid form: N = 9 working days (03-04..07, 03-11..15); after day k the value is 32·(9 - k)/9, flat over the
    # holiday and the weekend.
    grid = {p["day"]: p["value"] for p in r["guideline"]}
    assert r["guideline"][0] == {"at": "2024-03-04T09:00:00Z", "day": None, "value": 32}
    assert grid["2024-03-04"] == pytest.approx(32 * 8 / 9)
    assert grid["2024-03-07"] == pytest.approx(32 * 5 / 9)
    assert grid["2024-03-08"] == grid["2024-03-09"] == grid["2024-03-10"] == grid["2024-03-07"]
    assert grid["2024-03-11"] == pytest.approx(32 * 4 / 9)
    assert grid["2024-03-15"] == 0
    assert r["guideline"][-1]["at"] == "2024-03-15T17:00:00Z"
    # Exact form: W(start, end) = 15 h (03-04) + 3·24 h + 4·24 h + 17 h (03-15) = 200 working hours.
    exact = {p["at"]: p["value"] for p in r["guideline_exact"]}
    assert exact["2024-03-05T00:00:00Z"] == pytest.approx(32 * (1 - 15 / 200))  # 29.6
    assert exact["2024-03-08T00:00:00Z"] == pytest.approx(32 * (1 - 87 / 200))  # 18.08
    assert exact["2024-03-11T00:00:00Z"] == pytest.approx(32 * (1 - 87 / 200))  # flat through 03-08..10
    assert exact["2024-03-12T00:00:00Z"] == pytest.approx(32 * (1 - 111 / 200))
    assert exact["2024-03-15T17:00:00Z"] == 0


def test_burndown_issue_count(ctx: ReportContext) -> None:
    r = sprint_burndown(ctx, sprint=101, statistic="issue_count")
    # 9 issues at the start (A-1, 2, 3, 4, 9, 10, 11, 12, 13). Re-estimates are no events for the count.
    assert r["commitment"] == 9
    assert [(e["issue"], e["remaining"]) for e in r["events"]] == [
        ("ABC-5", 10),
        ("ABC-13", 9),
        ("ABC-1", 8),
        ("ABC-4", 7),
        ("ABC-13", 8),
        ("ABC-3", 7),
        ("ABC-7", 7),
        ("ABC-3", 8),
        ("ABC-3", 7),
        ("ABC-12", 6),
        ("ABC-5", 5),
        ("ABC-9", 4),
        ("ABC-10", 3),
    ]
    assert r["final_remaining"] == 3


def test_burndown_with_jql_filter(ctx: ReportContext) -> None:
    # Only Stories: A-4 (a Bug, 8 pts) leaves the commitment (32 - 8) and its removal leaves the log.
    r = sprint_burndown(ctx, sprint=101, jql="issuetype = Story")
    assert r["commitment"] == 24
    assert "ABC-4" not in {e["issue"] for e in r["events"]}
    assert r["final_remaining"] == 16


def test_burnup_identity_and_edges(ctx: ReportContext) -> None:
    r = sprint_burnup(ctx, sprint=101)
    scope = {p["at"][5:16]: p["value"] for p in r["scope"]}
    completed = {p["at"][5:16]: p["value"] for p in r["completed"]}
    # At the start: scope 37 = 32 + A-6 5 (done, in the sprint); completed 5.
    assert (scope["03-04T09:00"], completed["03-04T09:00"]) == (37, 5)
    # Reopening A-3 lowers completed by 2; a done issue re-estimated (A-9 4 → 6) moves both by 2.
    assert completed["03-11T10:00"] == completed["03-07T11:00"] - 2
    assert (scope["03-14T12:00"] - scope["03-14T10:00"], completed["03-14T12:00"] - completed["03-14T10:00"]) == (2, 2)
    # Removal lowers scope (A-4: -8).
    assert scope["03-06T15:00"] == scope["03-06T10:00"] - 8
    # End: scope 38, completed 22 (A-1 3, A-3 2, A-5 1, A-6 5, A-7 3, A-9 6, A-10 2, A-12 0).
    assert (r["scope"][-1]["value"], r["completed"][-1]["value"]) == (38, 22)
    for s, c, rem in zip(r["scope"], r["completed"], r["remaining"], strict=True):
        assert s["value"] - c["value"] == rem["value"]
    assert r["guideline"][0]["value"] == 0 and r["guideline"][-1]["value"] == 37


def test_sprint_report_outcomes(ctx: ReportContext) -> None:
    r = sprint_report(ctx, sprint=101)
    keys = {
        bucket: [row["key"] for row in r[bucket]]
        for bucket in (
            "completedIssues",
            "issuesNotCompletedInCurrentSprint",
            "issuesCompletedInAnotherSprint",
            "puntedIssues",
        )
    }
    assert keys == {
        "completedIssues": ["ABC-1", "ABC-3", "ABC-5", "ABC-9", "ABC-10", "ABC-12"],
        "issuesNotCompletedInCurrentSprint": ["ABC-2", "ABC-11", "ABC-13"],
        "issuesCompletedInAnotherSprint": ["ABC-6", "ABC-7"],
        "puntedIssues": ["ABC-4"],
    }
    assert r["issueKeysAddedDuringSprint"] == ["ABC-5", "ABC-7"]  # A-13 was removed and re-added: not added
    assert r["reestimatedIssueKeys"] == ["ABC-2", "ABC-9"]
    by_key = {row["key"]: row for bucket in keys for row in r[bucket]}
    assert (by_key["ABC-2"]["initial_estimate"], by_key["ABC-2"]["final_estimate"]) == (5, 8)
    assert (by_key["ABC-9"]["initial_estimate"], by_key["ABC-9"]["final_estimate"]) == (4, 6)
    assert (by_key["ABC-4"]["initial_estimate"], by_key["ABC-4"]["final_estimate"]) == (8, 8)  # removed: final too
    assert by_key["ABC-12"]["initial_estimate"] is None
    # Sums: completed final 3+2+1+6+2+0 = 14 (initial 3+2+1+4+2+0 = 12); not completed 8+3+5 = 16 (initial 13);
    # completed elsewhere 5+3 = 8; punted 8; all final estimates 14+16+8+8 = 46.
    assert r["completedIssuesEstimateSum"] == 14
    assert r["completedIssuesInitialEstimateSum"] == 12
    assert r["issuesNotCompletedEstimateSum"] == 16
    assert r["issuesNotCompletedInitialEstimateSum"] == 13
    assert r["issuesCompletedInAnotherSprintEstimateSum"] == 8
    assert r["puntedIssuesEstimateSum"] == 8
    assert r["allIssuesEstimateSum"] == 46
    # Commitment: initial estimates of issues in at the start, removed ones included:
    # 3+5+2+8+5 (A-6, done at start)+4+2+3+0+5 = 37; completed = 14.
    assert r["velocity"] == {"commitment": 37, "completed": 14, "done_at_start": "include"}
    assert r["burndown"]["final_remaining"] == 16
    excluded = sprint_report(ctx, sprint=101, done_at_start="exclude")
    assert excluded["velocity"]["commitment"] == 32  # without A-6


def test_velocity_with_carry_over(ctx: ReportContext) -> None:
    r = velocity(ctx, board=7)
    # 102: commitment = A-2 8 (carried at its full current estimate) + A-14 5 + A-15 2 = 15; completed = A-2 8 +
    # A-14 5 = 13 (A-15 done then reopened: 0). The active sprint 103 is not shown.
    assert [(s["id"], s["commitment"], s["completed"]) for s in r["sprints"]] == [(101, 37, 14), (102, 15, 13)]
    assert r["average_completed"] == 13.5
    assert r["average_commitment"] == 26
    last = velocity(ctx, board=7, last=1)
    assert [s["id"] for s in last["sprints"]] == [102] and last["average_completed"] == 13
    assert velocity(ctx, board=7, done_at_start="exclude")["sprints"][0]["commitment"] == 32


def test_active_sprint_runs_to_now(ctx: ReportContext) -> None:
    r = sprint_burndown(ctx, sprint=103)
    # now = 04-03 12:00: A-16 (3) burned on 04-02; A-17's completion on 04-05 is in the future.
    assert r["until"] == "2024-04-03T12:00:00Z"
    assert (r["commitment"], r["final_remaining"]) == (5, 2)
    report = sprint_report(ctx, sprint=103)
    assert [row["key"] for row in report["completedIssues"]] == ["ABC-16"]
    assert [row["key"] for row in report["issuesNotCompletedInCurrentSprint"]] == ["ABC-17"]


def test_scope_and_registry(ctx: ReportContext) -> None:
    hidden = ReportContext(ctx.cursor, scope={999}, now=ctx.now)
    with pytest.raises(ReportNotFound):
        sprint_burndown(hidden, sprint=101)
    with pytest.raises(ReportNotFound):
        velocity(hidden, board=7)
    # The registry parses string parameters as a query string carries them.
    via_registry = run_report("sprint-burndown", ctx, {"sprint": "101", "statistic": "issue_count"})
    assert via_registry["final_remaining"] == 3


def test_not_started_sprint_is_an_error(tmp_path: Path) -> None:
    d = Dataset().project(1, "ABC").board(7, 1).sprint(104, 7, None, None)
    c = context(d, tmp_path, now=t("2024-04-03 12:00"))
    from reports import ReportError

    with pytest.raises(ReportError, match="has not started"):
        sprint_burndown(c, sprint=104)
