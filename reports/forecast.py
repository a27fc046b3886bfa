"""Monte Carlo forecasts from daily throughput.

Samples are the items finished per calendar day in a history window, zero days included. "When": each trial adds
one sampled day at a time until N items are done; the p-th percentile of finishing days D gives the date
S + D_p - 1 ("p% chance on or before"). "How many": each trial sums H sampled days; "p% chance of X or more" is
the (100 - p)-th percentile of the totals. Percentiles are nearest-rank order statistics: D_p is the smallest
trial result with at least p% of trials at or below it, X_p the largest with at least p% of trials at or above
it. A seed makes every result reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from reports.context import ReportContext, ReportError
from reports.flow import daily_throughput

DEFAULT_PERCENTILES = (50, 70, 85, 95)
MAX_DAYS = 3650


def simulate_when(samples: np.ndarray, items: int, trials: int, seed: int, max_days: int = MAX_DAYS) -> np.ndarray:
    """Days each trial needs to finish `items` items (drawing daily throughput from `samples`)."""
    if items < 1:
        raise ReportError("items must be at least 1", field="items")
    if samples.size == 0 or samples.sum() <= 0:
        raise ReportError("No items were finished in the history window: the forecast is undefined", field="history")
    rng = np.random.default_rng(seed)
    result = np.zeros(trials, dtype=np.int64)
    done = np.zeros(trials, dtype=np.int64)
    active = np.arange(trials)
    elapsed = 0
    block = max(8, min(256, math.ceil(2 * items / max(samples.mean(), 1e-9))))
    while active.size:
        if elapsed >= max_days:
            raise ReportError(
                f"Some trials need more than {max_days} days: the history throughput is too low", field="items"
            )
        steps = rng.choice(samples, size=(active.size, block))
        totals = done[active, None] + np.cumsum(steps, axis=1)
        reached = totals >= items
        hit = reached.any(axis=1)
        first = reached.argmax(axis=1)
        result[active[hit]] = elapsed + first[hit] + 1
        done[active] = totals[:, -1]
        active = active[~hit]
        elapsed += block
    return result


def simulate_how_many(samples: np.ndarray, days: int, trials: int, seed: int) -> np.ndarray:
    """Items each trial finishes in `days` days."""
    if days < 1:
        raise ReportError("the horizon must be at least one day", field="days")
    if samples.size == 0:
        raise ReportError("The history window is empty", field="history")
    rng = np.random.default_rng(seed)
    total = np.zeros(trials, dtype=np.int64)
    for start in range(0, days, 365):
        width = min(365, days - start)
        total += rng.choice(samples, size=(trials, width)).sum(axis=1)
    return total


def when_percentile(days: np.ndarray, p: float) -> int:
    """Smallest d with at least p% of trials finishing in ≤ d days."""
    ordered = np.sort(days)
    k = max(math.ceil(p / 100.0 * len(ordered)), 1) - 1
    return int(ordered[k])


def how_many_percentile(totals: np.ndarray, p: float) -> int:
    """Largest x with at least p% of trials finishing ≥ x items."""
    ordered = np.sort(totals)
    k = len(ordered) - max(math.ceil(p / 100.0 * len(ordered)), 1)
    return int(ordered[k])


def _history(
    ctx: ReportContext,
    board: int | None,
    jql: str | None,
    history_from: date | None,
    history_to: date | None,
    history_days: int,
    timezone: str | None,
) -> tuple[dict[str, Any], np.ndarray, date]:
    b = ctx.board(board, timezone=timezone)
    today = b.calendar.local_date(ctx.now)
    last = history_to or today - timedelta(days=1)
    first = history_from or last - timedelta(days=history_days - 1)
    if first > last:
        raise ReportError("history_from must not be after history_to", field="history_from")
    _, counts = daily_throughput(ctx, b, jql, first, last)
    info = {
        "board": b.view(),
        "history_from": first.isoformat(),
        "history_to": last.isoformat(),
        "history_days": len(counts),
        "history_items": int(counts.sum()),
        "daily_throughput_mean": float(counts.mean()) if counts.size else 0.0,
    }
    return info, counts, today


def _check(trials: int, percentiles: Sequence[float]) -> None:
    if not 1 <= trials <= 1_000_000:
        raise ReportError("trials must be between 1 and 1000000", field="trials")
    if not percentiles or any(not 0 < p < 100 for p in percentiles):
        raise ReportError("percentiles must be between 0 and 100 (exclusive)", field="percentiles")


def forecast_when(
    ctx: ReportContext,
    *,
    items: int,
    board: int | None = None,
    jql: str | None = None,
    start: date | None = None,
    history_from: date | None = None,
    history_to: date | None = None,
    history_days: int = 90,
    trials: int = 10_000,
    seed: int = 0,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    timezone: str | None = None,
) -> dict[str, Any]:
    """When will `items` more items be done? Finishing dates per percentile, from sampled daily throughput."""
    _check(trials, percentiles)
    info, counts, today = _history(ctx, board, jql, history_from, history_to, history_days, timezone)
    begin = start or today
    days = simulate_when(counts, items, trials, seed)
    values, freq = np.unique(days, return_counts=True)
    return {
        "report": "forecast-when",
        **info,
        "items": items,
        "start": begin.isoformat(),
        "trials": trials,
        "seed": seed,
        "percentiles": [
            {
                "percentile": p,
                "days": when_percentile(days, p),
                "date": (begin + timedelta(days=when_percentile(days, p) - 1)).isoformat(),
            }
            for p in sorted(percentiles)
        ],
        "distribution": [
            {"days": int(v), "trials": int(f), "date": (begin + timedelta(days=int(v) - 1)).isoformat()}
            for v, f in zip(values, freq, strict=True)
        ],
    }


def forecast_how_many(
    ctx: ReportContext,
    *,
    board: int | None = None,
    jql: str | None = None,
    until: date | None = None,
    days: int | None = None,
    start: date | None = None,
    history_from: date | None = None,
    history_to: date | None = None,
    history_days: int = 90,
    trials: int = 10_000,
    seed: int = 0,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    timezone: str | None = None,
) -> dict[str, Any]:
    """How many items will be done from `start` through `until` (or in `days` days)? "X or more" per percentile."""
    _check(trials, percentiles)
    info, counts, today = _history(ctx, board, jql, history_from, history_to, history_days, timezone)
    begin = start or today
    if (until is None) == (days is None):
        raise ReportError("give exactly one of 'until' and 'days'", field="until")
    horizon = days if days is not None else ((until - begin).days + 1 if until else 0)
    if horizon < 1:
        raise ReportError("'until' must not be before the start", field="until")
    totals = simulate_how_many(counts, horizon, trials, seed)
    values, freq = np.unique(totals, return_counts=True)
    return {
        "report": "forecast-how-many",
        **info,
        "start": begin.isoformat(),
        "until": (begin + timedelta(days=horizon - 1)).isoformat(),
        "days": horizon,
        "trials": trials,
        "seed": seed,
        "percentiles": [
            {"percentile": p, "items_or_more": how_many_percentile(totals, p)} for p in sorted(percentiles)
        ],
        "distribution": [{"items": int(v), "trials": int(f)} for v, f in zip(values, freq, strict=True)],
    }
