"""Sprint reports: burndown, burnup, sprint report and velocity.

Rules (shared/reference/reports.md):
* done = the issue's status maps to the board's rightmost column (not resolution, not status category);
* only standard issues count (sub-task points and sub-task rows are excluded);
* state(t) applies every change stamped ≤ t: a change exactly at the sprint start belongs to the commitment, one
  exactly at completion to the final state; changes after completion are ignored;
* remaining(t) = Σ est(i, t) over issues in the sprint and not done (a missing estimate counts 0, issue count
  counts 1); scope changes, completions and reopenings follow from that state form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reports.calendar import WorkCalendar
from reports.context import Board, ReportContext, ReportError, Sprint, iso
from reports.timeline import IssueState, Timeline, load_timelines

STATISTICS = ("story_points", "issue_count")


def _window(ctx: ReportContext, sprint: Sprint) -> tuple[datetime, datetime, datetime]:
    """(start, planned end, until): the chart runs to completion, or to now while active."""
    if sprint.start is None or sprint.end is None:
        raise ReportError(f"Sprint {sprint.id} has not started", field="sprint")
    until = sprint.complete or max(ctx.now, sprint.start)
    return sprint.start, sprint.end, until


def _statistic(board: Board, statistic: str | None) -> str:
    chosen = statistic or board.estimation
    if chosen not in STATISTICS:
        raise ReportError(f"statistic must be one of {', '.join(STATISTICS)}", field="statistic")
    return chosen


def _fmt(value: float | None) -> str:
    if value is None:
        return "none"
    return str(int(value)) if float(value).is_integer() else str(value)


# --- guideline ------------------------------------------------------------------------------------------------


def guideline_grid(
    calendar: WorkCalendar, start: datetime, end: datetime, high: float, low: float
) -> list[dict[str, Any]]:
    """Daily guideline: value = high - (high - low)·k/N at the end of each local day, with k the working days
    elapsed by then and N the working days of the sprint (flat across non-working days)."""
    days = calendar.days(calendar.local_date(start), calendar.local_date(end))
    working = [d for d in days if calendar.is_working(d)]
    n = len(working)
    points = [{"at": iso(start), "day": None, "value": high}]
    k = 0
    for d in days:
        if calendar.is_working(d):
            k += 1
        at = min(calendar.day_end(d), end)
        value = high - (high - low) * (k / n) if n else (low if at >= end else high)
        points.append({"at": iso(at), "day": d.isoformat(), "value": value})
    return points


def guideline_exact(
    calendar: WorkCalendar, start: datetime, end: datetime, high: float, low: float
) -> list[dict[str, Any]]:
    """Jira-exact guideline: value = high - (high - low)·W(start, t)/W(start, end) in working time, sampled at
    the start, every local midnight in between, and the planned end (linear in between)."""
    total = calendar.working_seconds(start, end)
    instants = [start]
    d = calendar.local_date(start)
    while True:
        d += timedelta(days=1)
        midnight = calendar.day_start(d)
        if midnight >= end:
            break
        instants.append(midnight)
    instants.append(end)
    out = []
    for t in instants:
        done = calendar.working_seconds(start, t) / total if total else (1.0 if t >= end else 0.0)
        out.append({"at": iso(t), "value": high - (high - low) * done})
    return out


# --- burndown ---------------------------------------------------------------------------------------------------


@dataclass
class _Event:
    at: datetime
    timeline: Timeline
    before: IssueState
    after: IssueState


def _classify(e: _Event, statistic: str) -> tuple[str, str, bool]:
    """(event type, detail, scope change?) of one issue's state change."""
    b, a = e.before, e.after
    note = " (issue done: no change)" if b.done and a.done else ""
    if a.in_sprint and not b.in_sprint:
        return "scope_added", "Added to sprint" + (" (already done)" if a.done else ""), True
    if b.in_sprint and not a.in_sprint:
        return "scope_removed", "Removed from sprint" + (" (was done)" if b.done else ""), True
    if a.done and not b.done:
        return "completed", "Moved to the done column", False
    if b.done and not a.done:
        return "reopened", "Moved out of the done column", False
    return "estimate_changed", f"Estimate {_fmt(b.estimate)} → {_fmt(a.estimate)}{note}", True


def _events(timelines: Sequence[Timeline], start: datetime, until: datetime, statistic: str) -> list[_Event]:
    events: list[_Event] = []
    for tl in timelines:
        previous = tl.state(start)
        for t in tl.instants(start, until):
            current = tl.state(t)
            relevant = (previous.in_sprint, previous.done) != (current.in_sprint, current.done) or (
                statistic == "story_points" and previous.estimate != current.estimate
            )
            if relevant and (previous.in_sprint or current.in_sprint):
                events.append(_Event(t, tl, previous, current))
            previous = current
    events.sort(key=lambda e: (e.at, e.timeline.key))
    return events


def burndown_data(
    ctx: ReportContext, sprint: Sprint, board: Board, timelines: Sequence[Timeline], statistic: str
) -> dict[str, Any]:
    """The burndown of one sprint from already loaded timelines."""
    start, end, until = _window(ctx, sprint)
    commitment = sum(tl.state(start).remaining(statistic) for tl in timelines)
    remaining = commitment
    series = [{"at": iso(start), "value": remaining}]
    log = []
    totals = {"scope_added": 0.0, "scope_removed": 0.0, "completed": 0.0, "reopened": 0.0, "estimate_changed": 0.0}
    for e in _events(timelines, start, until, statistic):
        delta = e.after.remaining(statistic) - e.before.remaining(statistic)
        remaining += delta
        kind, detail, scope_change = _classify(e, statistic)
        totals[kind] += delta
        log.append(
            {
                "at": iso(e.at),
                "issue": e.timeline.key,
                "issue_id": e.timeline.issue_id,
                "event": kind,
                "scope_change": scope_change,
                "detail": detail,
                "increase": max(delta, 0.0),
                "decrease": max(-delta, 0.0),
                "remaining": remaining,
            }
        )
        if series[-1]["at"] == iso(e.at):
            series[-1]["value"] = remaining
        else:
            series.append({"at": iso(e.at), "value": remaining})
    if series[-1]["at"] != iso(until):
        series.append({"at": iso(until), "value": remaining})
    calendar = board.calendar
    last_day = max(calendar.local_date(end), calendar.local_date(until))
    return {
        "report": "sprint-burndown",
        "statistic": statistic,
        "sprint": sprint.view(),
        "board": board.view(),
        "start": iso(start),
        "end": iso(end),
        "complete": iso(sprint.complete),
        "until": iso(until),
        "commitment": commitment,
        "remaining": series,
        "final_remaining": remaining,
        "guideline": guideline_grid(calendar, start, end, commitment, 0.0),
        "guideline_exact": guideline_exact(calendar, start, end, commitment, 0.0),
        "non_working_days": [d.isoformat() for d in calendar.non_working_days(calendar.local_date(start), last_day)],
        "events": log,
        "totals": totals,
    }


def _sprint_board(ctx: ReportContext, sprint_id: int) -> tuple[Sprint, Board]:
    sprint = ctx.sprint(sprint_id)
    return sprint, ctx.board(sprint.board_id)


def sprint_burndown(
    ctx: ReportContext, *, sprint: int, statistic: str | None = None, jql: str | None = None
) -> dict[str, Any]:
    """Remaining work of a sprint over time, with the scope-change log and the working-day guideline."""
    s, board = _sprint_board(ctx, sprint)
    chosen = _statistic(board, statistic)
    _window(ctx, s)
    timelines = load_timelines(ctx, board, [s], jql)[s.id]
    return burndown_data(ctx, s, board, timelines, chosen)


def sprint_burnup(
    ctx: ReportContext, *, sprint: int, statistic: str | None = None, jql: str | None = None
) -> dict[str, Any]:
    """Scope and completed work of a sprint over time (scope - completed = remaining at every instant)."""
    s, board = _sprint_board(ctx, sprint)
    chosen = _statistic(board, statistic)
    start, end, until = _window(ctx, s)
    timelines = load_timelines(ctx, board, [s], jql)[s.id]

    def totals(t: datetime) -> tuple[float, float]:
        scope = completed = 0.0
        for tl in timelines:
            st = tl.state(t)
            if st.in_sprint:
                scope += st.value(chosen)
                if st.done:
                    completed += st.value(chosen)
        return scope, completed

    instants = sorted({start, *(p for tl in timelines for p in tl.instants(start, until)), until})
    scope_series, completed_series, remaining_series = [], [], []
    for t in instants:
        scope, completed = totals(t)
        scope_series.append({"at": iso(t), "value": scope})
        completed_series.append({"at": iso(t), "value": completed})
        remaining_series.append({"at": iso(t), "value": scope - completed})
    start_scope = float(scope_series[0]["value"] or 0.0)
    return {
        "report": "sprint-burnup",
        "statistic": chosen,
        "sprint": s.view(),
        "board": board.view(),
        "start": iso(start),
        "end": iso(end),
        "until": iso(until),
        "scope": scope_series,
        "completed": completed_series,
        "remaining": remaining_series,
        # Rises from 0 at the start to the scope at the start (the commitment) at the planned end.
        "guideline": guideline_grid(board.calendar, start, end, 0.0, start_scope),
        "non_working_days": [
            d.isoformat()
            for d in board.calendar.non_working_days(
                board.calendar.local_date(start), max(board.calendar.local_date(end), board.calendar.local_date(until))
            )
        ],
    }


# --- sprint report and velocity -------------------------------------------------------------------------------

OUTCOMES = {
    "completed": "completedIssues",
    "not_completed": "issuesNotCompletedInCurrentSprint",
    "completed_outside": "issuesCompletedInAnotherSprint",
    "removed": "puntedIssues",
}


def classify(tl: Timeline, start: datetime, until: datetime, statistic: str) -> dict[str, Any] | None:
    """One issue's row of the sprint report, or None if it was never in the sprint between start and until."""
    at_start = tl.in_sprint(start)
    entry = start if at_start else tl.first_entry_after(start, until)
    if entry is None:
        return None
    initial = tl.state(entry)
    final = tl.state(until)
    done_at_entry = initial.done
    if not final.in_sprint:
        outcome = "removed"
    elif done_at_entry and not tl.done_flips(entry, until):
        outcome = "completed_outside"
    elif final.done:
        outcome = "completed"
    else:
        outcome = "not_completed"
    initial_value = initial.value(statistic) if statistic == "issue_count" else initial.estimate
    final_value = final.value(statistic) if statistic == "issue_count" else final.estimate
    return {
        "key": tl.key,
        "issue_id": tl.issue_id,
        "summary": tl.summary,
        "type": tl.type_name,
        "status": tl.status_name,
        "outcome": outcome,
        "added_during_sprint": not at_start,
        "in_sprint_at_start": at_start,
        "done_at_start": at_start and done_at_entry,
        "initial_estimate": initial_value,
        "final_estimate": final_value,
        "reestimated": initial_value != final_value,
    }


def _sum(rows: Sequence[dict[str, Any]], key: str) -> float:
    return float(sum(r[key] or 0.0 for r in rows))


def velocity_numbers(rows: Sequence[dict[str, Any]], done_at_start: str) -> tuple[float, float]:
    """(commitment, completed) from sprint report rows.

    Commitment: initial estimates of issues in the sprint at its start (removed later: included; added later:
    excluded). Issues already done at the start count only when `done_at_start` is 'include'. Completed: final
    estimates of completed issues (added mid-sprint included; completed outside this sprint never).
    """
    commitment = sum(
        r["initial_estimate"] or 0.0
        for r in rows
        if r["in_sprint_at_start"] and (done_at_start == "include" or not r["done_at_start"])
    )
    completed = sum(r["final_estimate"] or 0.0 for r in rows if r["outcome"] == "completed")
    return float(commitment), float(completed)


def sprint_report_data(
    ctx: ReportContext, sprint: Sprint, board: Board, timelines: Sequence[Timeline], statistic: str, done_at_start: str
) -> dict[str, Any]:
    start, _, until = _window(ctx, sprint)
    rows = [r for r in (classify(tl, start, until, statistic) for tl in timelines) if r is not None]
    buckets = {name: [r for r in rows if r["outcome"] == outcome] for outcome, name in OUTCOMES.items()}
    commitment, completed = velocity_numbers(rows, done_at_start)
    return {
        "report": "sprint-report",
        "statistic": statistic,
        "sprint": sprint.view(),
        "board": board.view(),
        "until": iso(until),
        **buckets,
        "issueKeysAddedDuringSprint": [r["key"] for r in rows if r["added_during_sprint"]],
        "reestimatedIssueKeys": [r["key"] for r in rows if r["reestimated"]],
        "completedIssuesEstimateSum": _sum(buckets["completedIssues"], "final_estimate"),
        "completedIssuesInitialEstimateSum": _sum(buckets["completedIssues"], "initial_estimate"),
        "issuesNotCompletedEstimateSum": _sum(buckets["issuesNotCompletedInCurrentSprint"], "final_estimate"),
        "issuesNotCompletedInitialEstimateSum": _sum(buckets["issuesNotCompletedInCurrentSprint"], "initial_estimate"),
        "issuesCompletedInAnotherSprintEstimateSum": _sum(buckets["issuesCompletedInAnotherSprint"], "final_estimate"),
        "puntedIssuesEstimateSum": _sum(buckets["puntedIssues"], "final_estimate"),
        "allIssuesEstimateSum": _sum(rows, "final_estimate"),
        "velocity": {"commitment": commitment, "completed": completed, "done_at_start": done_at_start},
        "burndown": burndown_data(ctx, sprint, board, timelines, statistic),
    }


def _done_at_start(value: str) -> str:
    if value not in ("include", "exclude"):
        raise ReportError("done_at_start must be 'include' or 'exclude'", field="done_at_start")
    return value


def sprint_report(
    ctx: ReportContext,
    *,
    sprint: int,
    statistic: str | None = None,
    jql: str | None = None,
    done_at_start: str = "include",
) -> dict[str, Any]:
    """Completed, not completed, completed elsewhere and removed issues, added-after-start and re-estimates."""
    s, board = _sprint_board(ctx, sprint)
    chosen = _statistic(board, statistic)
    _window(ctx, s)
    timelines = load_timelines(ctx, board, [s], jql)[s.id]
    return sprint_report_data(ctx, s, board, timelines, chosen, _done_at_start(done_at_start))


def velocity(
    ctx: ReportContext,
    *,
    board: int,
    last: int = 7,
    statistic: str | None = None,
    jql: str | None = None,
    done_at_start: str = "include",
) -> dict[str, Any]:
    """Commitment and completed work of the board's last `last` closed sprints, and their average."""
    if last < 1:
        raise ReportError("last must be at least 1", field="last")
    b = ctx.board(board)
    chosen = _statistic(b, statistic)
    policy = _done_at_start(done_at_start)
    rows = ctx.sql(
        "SELECT sprint_id FROM stg_sprints WHERE board_id = ? AND complete_at IS NOT NULL AND start_at IS NOT NULL "
        "ORDER BY complete_at DESC, sprint_id DESC LIMIT ?",
        [b.id, last],
    )
    sprints = [ctx.sprint(r[0]) for r in reversed(rows)]
    timelines = load_timelines(ctx, b, sprints, jql)
    out = []
    for s in sprints:
        start, _, until = _window(ctx, s)
        report_rows = [r for r in (classify(tl, start, until, chosen) for tl in timelines[s.id]) if r is not None]
        commitment, completed = velocity_numbers(report_rows, policy)
        out.append({**s.view(), "commitment": commitment, "completed": completed})
    n = len(out)
    return {
        "report": "velocity",
        "statistic": chosen,
        "board": b.view(),
        "last": last,
        "done_at_start": policy,
        "sprints": out,
        "average_completed": sum(r["completed"] for r in out) / n if n else None,
        "average_commitment": sum(r["commitment"] for r in out) / n if n else None,
    }
