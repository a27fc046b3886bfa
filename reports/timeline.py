"""Per-issue state over time for sprint reports: membership of one sprint, done-ness on the sprint's board and the
estimate, each as half-open intervals from the warehouse marts. `state(t)` applies every change stamped ≤ t."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reports.context import Board, ReportContext, Sprint

Interval = tuple[datetime, datetime | None, Any]


def _value_at(intervals: Sequence[Interval], t: datetime, default: Any = None) -> Any:
    # Intervals of one issue and field are consecutive and sorted by start; the holder at t is the last one
    # starting at or before t, if it has not ended by t.
    starts = [iv[0] for iv in intervals]
    i = bisect_right(starts, t) - 1
    if i < 0:
        return default
    _start, end, value = intervals[i]
    if end is not None and end <= t:
        return default
    return value


@dataclass
class IssueState:
    in_sprint: bool
    done: bool
    estimate: float | None

    def value(self, statistic: str) -> float:
        """This issue's estimation statistic (a missing estimate counts 0; issue count counts 1)."""
        if statistic == "issue_count":
            return 1.0
        return float(self.estimate or 0.0)

    def remaining(self, statistic: str) -> float:
        return self.value(statistic) if self.in_sprint and not self.done else 0.0


@dataclass
class Timeline:
    """One standard issue's history as it matters to one sprint."""

    issue_id: int
    key: str
    summary: str | None
    type_name: str | None
    status_name: str | None
    membership: list[Interval] = field(default_factory=list)  # value: True
    status: list[Interval] = field(default_factory=list)  # value: status id
    estimate: list[Interval] = field(default_factory=list)  # value: points or None
    done_ids: frozenset[int] = frozenset()

    def in_sprint(self, t: datetime) -> bool:
        return bool(_value_at(self.membership, t, False))

    def done(self, t: datetime) -> bool:
        return _value_at(self.status, t) in self.done_ids

    def estimate_at(self, t: datetime) -> float | None:
        value = _value_at(self.estimate, t)
        return None if value is None else float(value)

    def state(self, t: datetime) -> IssueState:
        return IssueState(self.in_sprint(t), self.done(t), self.estimate_at(t))

    def instants(self, after: datetime, until: datetime) -> list[datetime]:
        """Every instant in (after, until] at which membership, status or estimate changes."""
        points: set[datetime] = set()
        for intervals in (self.membership, self.status, self.estimate):
            for start, end, _ in intervals:
                for p in (start, end):
                    if p is not None and after < p <= until:
                        points.add(p)
        return sorted(points)

    def first_entry_after(self, t: datetime, until: datetime) -> datetime | None:
        """The first time the issue joined the sprint in (t, until]."""
        for start, _, _ in self.membership:
            if t < start <= until:
                return start
        return None

    def done_flips(self, after: datetime, until: datetime) -> bool:
        """Whether the issue moved into or out of the done column in (after, until]."""
        previous = self.done(after)
        for p in self.instants(after, until):
            now = self.done(p)
            if now != previous:
                return True
            previous = now
        return False


def load_timelines(
    ctx: ReportContext, board: Board, sprints: Sequence[Sprint], jql_text: str | None
) -> dict[int, list[Timeline]]:
    """Timelines of the standard issues ever in each sprint (scope, board filter and JQL applied)."""
    if not sprints:
        return {}
    ids = ", ".join(str(int(s.id)) for s in sprints)
    condition = ctx.issue_condition("m.issue_id", jql_text, board)
    members = ctx.sql(
        f"""
        SELECT m.sprint_id, m.issue_id, m.valid_from, m.valid_to
        FROM sprint_membership m JOIN issue_snapshot s ON s.issue_id = m.issue_id
        WHERE m.sprint_id IN ({ids}) AND NOT s.is_subtask AND s.deleted_at IS NULL AND {condition}
        ORDER BY m.sprint_id, m.issue_id, m.valid_from
        """
    )
    if not members:
        return {s.id: [] for s in sprints}
    wanted = f"SELECT DISTINCT issue_id FROM sprint_membership WHERE sprint_id IN ({ids})"
    attrs = {
        r[0]: r[1:]
        for r in ctx.sql(
            f"""
            SELECT s.issue_id, s.issue_key, s.summary, t.issue_type_name, st.status_name
            FROM issue_snapshot s
            LEFT JOIN stg_issue_types t USING (issue_type_id)
            LEFT JOIN stg_statuses st USING (status_id)
            WHERE s.issue_id IN ({wanted})
            """
        )
    }
    status: dict[int, list[Interval]] = defaultdict(list)
    for issue_id, status_id, start, end in ctx.sql(
        f"SELECT issue_id, status_id, valid_from, valid_to FROM status_intervals WHERE issue_id IN ({wanted}) "
        "ORDER BY issue_id, interval_seq"
    ):
        status[issue_id].append((start, end, status_id))
    estimate: dict[int, list[Interval]] = defaultdict(list)
    for issue_id, points, start, end in ctx.sql(
        f"SELECT issue_id, points, valid_from, valid_to FROM estimate_intervals WHERE issue_id IN ({wanted}) "
        "ORDER BY issue_id, interval_seq"
    ):
        estimate[issue_id].append((start, end, points))
    done_ids = frozenset(board.done_status_ids)
    by_sprint: dict[int, dict[int, Timeline]] = defaultdict(dict)
    for sprint_id, issue_id, start, end in members:
        timeline = by_sprint[sprint_id].get(issue_id)
        if timeline is None:
            key, summary, type_name, status_name = attrs.get(issue_id, (str(issue_id), None, None, None))
            timeline = Timeline(
                issue_id,
                key,
                summary,
                type_name,
                status_name,
                status=status.get(issue_id, []),
                estimate=estimate.get(issue_id, []),
                done_ids=done_ids,
            )
            by_sprint[sprint_id][issue_id] = timeline
        timeline.membership.append((start, end, True))
    out: dict[int, list[Timeline]] = {}
    for sprint in sprints:
        out[sprint.id] = sorted(by_sprint.get(sprint.id, {}).values(), key=lambda tl: _key_order(tl.key))
    return out


def _key_order(key: str) -> tuple[str, int]:
    prefix, _, number = key.rpartition("-")
    return (prefix, int(number)) if number.isdigit() else (key, 0)
