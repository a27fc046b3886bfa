"""Date and duration values of JQL, resolved against an injected clock and time zone.

tracklake's rule for relative dates (reference §3.4 leaves it open): offsets are exact durations from
`now` (1d = 24 h of wall-clock time in the searcher's zone, 1w = 7d; no rounding to day boundaries), so
`-1d` and `-24h` mean the same instant. On date-only fields the resulting instant's calendar date in
the searcher's zone is used.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

_ABSOLUTE = re.compile(
    r"(?P<y>[0-9]{4})[/-](?P<mo>[0-9]{1,2})[/-](?P<d>[0-9]{1,2})(?:\s+(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2}))?"
)
_REL_PART = re.compile(r"([+-]?)([0-9]+)([wdhm]?)")
_INCREMENT = re.compile(r"([+-]?)([0-9]+)([yMwdhm]?)")
_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}
MAX_OFFSET_MINUTES = 100 * 366 * 24 * 60  # beyond a century the value is surely a mistake
DATE_FORMATS_HELP = (
    "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period such as '-5d', '4w 2d' or '-4h'"
)


@dataclass(frozen=True)
class DateValue:
    """A resolved date operand: an instant, and whether the user gave a time of day."""

    instant: datetime
    has_time: bool

    def local_date(self, tz: tzinfo) -> date:
        """The calendar date of the instant in the searcher's zone."""
        return self.instant.astimezone(tz).date()


def _split_parts(text: str, pattern: re.Pattern[str]) -> list[tuple[str, str, str]] | None:
    parts = text.split()
    out = []
    for part in parts:
        m = pattern.fullmatch(part)
        if m is None:
            return None
        out.append((m.group(1), m.group(2), m.group(3)))
    return out or None


def relative_minutes(text: str) -> int | None:
    """Signed minutes of a relative period like '-4w 2d' (leading sign applies to unsigned parts)."""
    parts = _split_parts(text.strip(), _REL_PART)
    if parts is None:
        return None
    lead = parts[0][0] or "+"
    total = 0
    for sign, amount, unit in parts:
        minutes = int(amount) * _UNIT_MINUTES[unit or "m"]
        total += -minutes if (sign or lead) == "-" else minutes
        if abs(total) > MAX_OFFSET_MINUTES:
            return None
    return total


def parse_date(text: str, now: datetime, tz: tzinfo) -> DateValue | None:
    """An absolute or relative date string as an instant; None when it is not a valid JQL date."""
    text = text.strip()
    m = _ABSOLUTE.fullmatch(text)
    if m:
        try:
            local = datetime(
                int(m["y"]),
                int(m["mo"]),
                int(m["d"]),
                int(m["h"] or 0),
                int(m["mi"] or 0),
                tzinfo=tz,
            )
        except ValueError:
            return None
        return DateValue(local.astimezone(UTC), m["h"] is not None)
    minutes = relative_minutes(text)
    if minutes is None:
        return None
    local_now = now.astimezone(tz)
    return DateValue((local_now + timedelta(minutes=minutes)).astimezone(UTC), True)


def epoch_millis(value: int) -> DateValue | None:
    """An unquoted number on a date field: milliseconds since the epoch."""
    try:
        return DateValue(datetime.fromtimestamp(value / 1000, UTC), True)
    except (OverflowError, OSError, ValueError):
        return None


def parse_duration_seconds(text: str) -> int | None:
    """A non-negative duration like '3d', '1w 2d', '90' (minutes) in seconds."""
    minutes = relative_minutes(text)
    if minutes is None or minutes < 0 or text.strip().startswith("-"):
        return None
    return minutes * 60


# --- date functions: startOf*/endOf* ---------------------------------------------------------------

PERIODS = ("day", "week", "month", "quarter", "year")
_PERIOD_UNIT = {"day": "d", "week": "w", "month": "M", "quarter": "Q", "year": "y"}


def _add_months(dt: datetime, months: int) -> datetime:
    month0 = dt.month - 1 + months
    year = dt.year + month0 // 12
    month = month0 % 12 + 1
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day)


def shift(dt: datetime, amount: int, unit: str) -> datetime:
    """`dt` moved by `amount` units (y, Q, M, w, d, h, m) in wall-clock terms."""
    if unit == "y":
        return _add_months(dt, 12 * amount)
    if unit == "Q":
        return _add_months(dt, 3 * amount)
    if unit == "M":
        return _add_months(dt, amount)
    return dt + timedelta(minutes=amount * _UNIT_MINUTES[unit])


def start_of(period: str, local: datetime, week_start: int) -> datetime:
    """Start of the period containing `local` (an aware datetime in the searcher's zone)."""
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=(day.weekday() - week_start) % 7)
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def parse_increment(text: str, period: str) -> tuple[int, str] | None:
    """A function increment '(+/-)n(y|M|w|d|h|m)'; without a unit the function's own period is used."""
    m = _INCREMENT.fullmatch(text.strip())
    if m is None or len(m.group(2)) > 6:
        return None
    amount = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
    return amount, m.group(3) or _PERIOD_UNIT[period]


def period_boundary(
    period: str, end: bool, increment: tuple[int, str] | None, now: datetime, tz: tzinfo, week_start: int
) -> datetime:
    """startOf<Period>(inc) / endOf<Period>(inc) as a UTC instant; endOf is the last microsecond."""
    local = now.astimezone(tz)
    amount, unit = increment or (0, _PERIOD_UNIT[period])
    if unit == _PERIOD_UNIT[period]:
        # Moving by whole periods first keeps endOfMonth(+1) at the end of next month.
        start = start_of(period, shift(start_of(period, local, week_start), amount, unit), week_start)
        if not end:
            return start.astimezone(UTC)
        nxt = shift(start, 1, _PERIOD_UNIT[period])
        return (nxt - timedelta(microseconds=1)).astimezone(UTC)
    start = start_of(period, local, week_start)
    base = shift(start, 1, _PERIOD_UNIT[period]) - timedelta(microseconds=1) if end else start
    return shift(base, amount, unit).astimezone(UTC)


def day_range(value: DateValue, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the local calendar day containing the value (for the ON predicate)."""
    local_day = value.instant.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return local_day.astimezone(UTC), (local_day + timedelta(days=1)).astimezone(UTC)
