"""Working time of a board: its time zone, working weekdays and non-working dates.

Local dates are the board's; durations in "working time" count only the parts of an interval falling on working
days (whole local days: a working day contributes all its 24 hours, a non-working day none), as Jira's burndown
guideline and control chart do. Wall-clock arithmetic in local time (a DST day counts 24 hours).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

DAY = 86400.0


@dataclass(frozen=True)
class WorkCalendar:
    """Working days in one time zone."""

    timezone: str = "UTC"
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO: Monday = 1
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def local(self, instant: datetime) -> datetime:
        """The instant as naive local wall-clock time."""
        return instant.astimezone(self.tz).replace(tzinfo=None)

    def local_date(self, instant: datetime) -> date:
        return self.local(instant).date()

    def day_start(self, day: date) -> datetime:
        """The instant local midnight starts `day`."""
        return datetime(day.year, day.month, day.day, tzinfo=self.tz).astimezone(UTC)

    def day_end(self, day: date) -> datetime:
        """The instant the day ends (the next local midnight); state "at end of day" is state just before it."""
        return self.day_start(day + timedelta(days=1))

    def days(self, first: date, last: date) -> list[date]:
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def non_working_days(self, first: date, last: date) -> list[date]:
        return [d for d in self.days(first, last) if not self.is_working(d)]

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working seconds in [start, end)."""
        if end <= start:
            return 0.0
        a, b = self.local(start), self.local(end)
        total = 0.0
        day = a.date()
        while day <= b.date():
            lo = max(a, datetime(day.year, day.month, day.day))
            hi = min(b, datetime(day.year, day.month, day.day) + timedelta(days=1))
            if hi > lo and self.is_working(day):
                total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def working_seconds_many(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Vectorized `working_seconds` over arrays of local wall-clock times (datetime64[us], naive local)."""
        if len(starts) == 0:
            return np.zeros(0)
        a = starts.astype("datetime64[us]")
        b = ends.astype("datetime64[us]")
        da = a.astype("datetime64[D]")
        db = b.astype("datetime64[D]")
        first, last = da.min(), db.max()
        span = np.arange(first, last + np.timedelta64(2, "D"), dtype="datetime64[D]")
        working = np.array([self.is_working(d.astype(date)) for d in span], dtype=bool)
        nonwork = ~working
        # cnw[i] = non-working days strictly before span[i]
        cnw = np.concatenate([[0], np.cumsum(nonwork)])
        ia = (da - first).astype(np.int64)
        ib = (db - first).astype(np.int64)
        secs = lambda x: x.astype("timedelta64[us]").astype(np.int64) / 1e6  # noqa: E731
        total = secs(b - a)
        same = ia == ib
        head = np.where(nonwork[ia], secs((da + np.timedelta64(1, "D")).astype("datetime64[us]") - a), 0.0)
        tail = np.where(nonwork[ib], secs(b - db.astype("datetime64[us]")), 0.0)
        middle = (cnw[ib] - cnw[np.minimum(ia + 1, len(cnw) - 1)]).clip(min=0) * DAY
        nw = np.where(same, np.where(nonwork[ia], total, 0.0), head + middle + tail)
        return np.where(b > a, total - nw, 0.0)


def calendar_of(timezone: str | None, weekdays: Iterable[int] | None, holidays: Iterable[date] | None) -> WorkCalendar:
    return WorkCalendar(
        timezone=timezone or "UTC",
        weekdays=frozenset(weekdays) if weekdays is not None else frozenset({1, 2, 3, 4, 5}),
        holidays=frozenset(holidays or ()),
    )
