"""Date values and date functions with an injected clock and time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from jql.dates import parse_date, parse_duration_seconds, parse_increment, period_boundary, relative_minutes

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)  # Saturday
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("-1d", -1440),
        ("1d", 1440),
        ("+2h", 120),
        ("-4w 2d", -(4 * 7 + 2) * 1440),
        ("-4w +2d", -4 * 7 * 1440 + 2880),
        ("30", 30),
        ("-15m", -15),
        ("1w", 10080),
        ("x", None),
        ("-1y", None),
        ("", None),
        ("1d-", None),
    ],
)
def test_relative_minutes(text: str, minutes: int | None) -> None:
    assert relative_minutes(text) == minutes


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("2024-06-01", datetime(2024, 6, 1, tzinfo=UTC), False),
        ("2024/6/1", datetime(2024, 6, 1, tzinfo=UTC), False),
        ("2024-06-01 13:45", datetime(2024, 6, 1, 13, 45, tzinfo=UTC), True),
        ("2024/06/01 08:05", datetime(2024, 6, 1, 8, 5, tzinfo=UTC), True),
        ("-1d", datetime(2024, 6, 14, 12, tzinfo=UTC), True),
        ("-24h", datetime(2024, 6, 14, 12, tzinfo=UTC), True),  # same instant as -1d by tracklake's rule
    ],
)
def test_parse_date(text: str, expected: datetime, has_time: bool) -> None:
    value = parse_date(text, NOW, UTC)
    assert value is not None and (value.instant, value.has_time) == (expected, has_time)


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "tomorrow", "2024-06-01T10:00", "24-06-01", "-1y"])
def test_invalid_dates(text: str) -> None:
    assert parse_date(text, NOW, UTC) is None


def test_absolute_dates_are_midnight_in_the_users_zone() -> None:
    value = parse_date("2024-06-01", NOW, BERLIN)
    assert value is not None and value.instant == datetime(2024, 5, 31, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "end", "increment", "expected"),
    [
        ("day", False, None, datetime(2024, 6, 15, tzinfo=UTC)),
        ("day", True, None, datetime(2024, 6, 15, 23, 59, 59, 999999, tzinfo=UTC)),
        ("day", False, "-1d", datetime(2024, 6, 14, tzinfo=UTC)),
        ("day", False, "-1", datetime(2024, 6, 14, tzinfo=UTC)),
        ("day", False, "+2h", datetime(2024, 6, 15, 2, tzinfo=UTC)),
        ("week", False, None, datetime(2024, 6, 10, tzinfo=UTC)),  # Monday
        ("week", True, None, datetime(2024, 6, 16, 23, 59, 59, 999999, tzinfo=UTC)),
        ("week", False, "-1w", datetime(2024, 6, 3, tzinfo=UTC)),
        ("month", False, None, datetime(2024, 6, 1, tzinfo=UTC)),
        ("month", True, "+1", datetime(2024, 7, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("month", True, "-4M", datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)),
        ("month", False, "+1d", datetime(2024, 6, 2, tzinfo=UTC)),
        ("quarter", False, None, datetime(2024, 4, 1, tzinfo=UTC)),
        ("quarter", True, None, datetime(2024, 6, 30, 23, 59, 59, 999999, tzinfo=UTC)),
        ("quarter", False, "-1", datetime(2024, 1, 1, tzinfo=UTC)),
        ("year", False, None, datetime(2024, 1, 1, tzinfo=UTC)),
        ("year", True, "-1y", datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("year", False, "+1M", datetime(2024, 2, 1, tzinfo=UTC)),
    ],
)
def test_period_boundaries(period: str, end: bool, increment: str | None, expected: datetime) -> None:
    inc = parse_increment(increment, period) if increment else None
    assert period_boundary(period, end, inc, NOW, UTC, 0) == expected


def test_boundaries_follow_the_zone_and_week_start() -> None:
    assert period_boundary("day", False, None, NOW, BERLIN, 0) == datetime(2024, 6, 14, 22, tzinfo=UTC)
    assert period_boundary("week", False, None, NOW, UTC, 6) == datetime(2024, 6, 9, tzinfo=UTC)  # Sunday start


@pytest.mark.parametrize(
    ("text", "seconds"), [("3d", 259200), ("1w 2d", 777600), ("90", 5400), ("4h", 14400), ("-1d", None), ("soon", None)]
)
def test_durations(text: str, seconds: int | None) -> None:
    assert parse_duration_seconds(text) == seconds
