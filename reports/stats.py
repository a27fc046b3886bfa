"""Small numeric helpers shared by reports: percentiles, centred rolling windows, periods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

PERIODS = ("day", "week", "month", "quarter", "year")


def percentile(values: Sequence[float] | np.ndarray, p: float) -> float | None:
    """The p-th percentile (0-100) with linear interpolation between order statistics (numpy's default)."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return None
    return float(np.percentile(arr, p))


def rolling_window_size(n: int) -> int:
    """Jira's control chart window: 20% of the issues shown, odd, at least 5 (capped by the issue count)."""
    w = max(5, round(0.2 * n))
    if w % 2 == 0:
        w += 1
    return w


def centred_rolling(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population standard deviation over a centred window of `window` points (truncated at the ends:
    the first point averages itself and the (window-1)/2 following ones)."""
    n = len(values)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    half = window // 2
    idx = np.arange(n)
    lo = np.clip(idx - half, 0, n)
    hi = np.clip(idx + half + 1, 0, n)
    c1 = np.concatenate([[0.0], np.cumsum(values)])
    c2 = np.concatenate([[0.0], np.cumsum(values * values)])
    count = hi - lo
    mean = (c1[hi] - c1[lo]) / count
    var = np.maximum((c2[hi] - c2[lo]) / count - mean * mean, 0.0)
    return mean, np.sqrt(var)


def period_start(day: date, period: str) -> date:
    """The first day of the period containing `day` (weeks start on Monday)."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if period == "year":
        return date(day.year, 1, 1)
    raise ValueError(period)


def next_period(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    m = start.month - 1 + months
    return date(start.year + m // 12, m % 12 + 1, 1)


def periods(first: date, last: date, period: str) -> list[tuple[date, date]]:
    """[start, end) of every period overlapping [first, last] (the first one starts at or before `first`)."""
    out = []
    start = period_start(first, period)
    while start <= last:
        end = next_period(start, period)
        out.append((start, end))
        start = end
    return out


def summary(values: np.ndarray, percentiles: Sequence[float] = (50, 85, 95)) -> dict[str, float | int | None]:
    """Count, mean, median, standard deviation, min, max and percentiles of a sample."""
    out: dict[str, float | int | None]
    if values.size == 0:
        out = {"count": 0, "mean": None, "median": None, "std": None, "min": None, "max": None}
        return out | {f"p{int(p)}": None for p in percentiles}
    out = {
        "count": int(values.size),
        "mean": float(values.mean()),
        "median": float(np.median(values)),
        "std": float(values.std()),
        "min": float(values.min()),
        "max": float(values.max()),
    }
    return out | {f"p{int(p)}": float(np.percentile(values, p)) for p in percentiles}
