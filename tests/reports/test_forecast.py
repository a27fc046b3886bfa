"""Monte Carlo forecasts: the deterministic properties of reports.md §11 and one report over real history."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from reports import ReportContext, ReportError
from reports.forecast import (
    forecast_how_many,
    forecast_when,
    how_many_percentile,
    simulate_how_many,
    simulate_when,
    when_percentile,
)
from tests.reports.conftest import context
from tests.warehouse.builder import DONE, Dataset, t

PS = (10, 50, 70, 85, 95)


def test_constant_throughput_is_exact() -> None:
    # (1) T constant c = 2: "when" for 7 items is ceil(7/2) = 4 days at every percentile; "how many" in 10 days
    # is 10·2 = 20.
    days = simulate_when(np.array([2, 2, 2]), 7, 500, seed=1)
    assert {when_percentile(days, p) for p in PS} == {4}
    totals = simulate_how_many(np.array([2]), 10, 500, seed=1)
    assert {how_many_percentile(totals, p) for p in PS} == {20}


def test_percentiles_are_monotone() -> None:
    # (2) "When" never decreases as p grows; "how many (X or more)" never increases.
    samples = np.array([0, 0, 1, 3, 0, 2, 5, 1])
    days = simulate_when(samples, 30, 4000, seed=7)
    whens = [when_percentile(days, p) for p in PS]
    assert whens == sorted(whens) and whens[0] < whens[-1]
    totals = simulate_how_many(samples, 20, 4000, seed=7)
    many = [how_many_percentile(totals, p) for p in PS]
    assert many == sorted(many, reverse=True) and many[0] > many[-1]


def test_zero_throughput_is_an_error_not_a_hang() -> None:
    # (3) All-zero history: undefined; rejected at once.
    with pytest.raises(ReportError, match="undefined"):
        simulate_when(np.zeros(30, dtype=int), 5, 100, seed=0)
    # An almost-zero history hits the iteration cap instead of looping for ever.
    with pytest.raises(ReportError, match="more than"):
        simulate_when(np.array([0] * 9999 + [1]), 50, 10, seed=0, max_days=500)


def test_same_seed_same_result() -> None:
    # (4)
    samples = np.array([0, 1, 2, 0, 4])
    a, b = simulate_when(samples, 25, 1000, seed=42), simulate_when(samples, 25, 1000, seed=42)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, simulate_when(samples, 25, 1000, seed=43))
    assert np.array_equal(simulate_how_many(samples, 9, 1000, seed=3), simulate_how_many(samples, 9, 1000, seed=3))


def test_geometric_distribution() -> None:
    # (5) T = [0, 2] equiprobable and N = 2: a trial ends on the first day drawing 2, so P(D = d) = 0.5^d.
    days = simulate_when(np.array([0, 2]), 2, 40_000, seed=5)
    for d in range(1, 6):
        assert abs((days == d).mean() - 0.5**d) < 0.01


def test_nearest_rank_percentiles() -> None:
    # Ten trials finishing in 1..10 days: 85% finish within 9 days (ceil(8.5) = 9th value); ten totals 1..10:
    # 85% of trials finish 2 or more (the largest x with ≥ 8.5 of them at or above it).
    values = np.arange(1, 11)
    assert when_percentile(values, 85) == 9
    assert how_many_percentile(values, 85) == 2
    assert when_percentile(values, 50) == 5 and how_many_percentile(values, 50) == 6


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> ReportContext:
    # One item finished every day 03-01..03-10 on board 40; now = 03-11 09:00.
    d = Dataset().project(7, "MC").board(40, 7)
    for n in range(10):
        d.issue(70 + n, f"MC-{n + 1}", 7, t("2024-02-20 09:00"))
        d.status(70 + n, t("2024-03-01 10:00") + timedelta(days=n), DONE)
    return context(d, tmp_path_factory.mktemp("mc"), now=t("2024-03-11 09:00"))


def test_forecast_reports_over_history(ctx: ReportContext) -> None:
    history = {"history_from": date(2024, 3, 1), "history_to": date(2024, 3, 10)}
    when = forecast_when(ctx, items=5, board=40, trials=200, seed=1, **history)
    # Daily throughput is exactly 1 on each of the 10 history days: 5 items take 5 days from 03-11 at every
    # percentile, i.e. done on or before 03-11 + 5 - 1 = 03-15.
    assert when["history_items"] == 10 and when["daily_throughput_mean"] == 1.0
    assert {(p["days"], p["date"]) for p in when["percentiles"]} == {(5, "2024-03-15")}
    many = forecast_how_many(ctx, board=40, until=date(2024, 3, 20), trials=200, seed=1, **history)
    assert many["days"] == 10 and {p["items_or_more"] for p in many["percentiles"]} == {10}
    with pytest.raises(ReportError):
        forecast_how_many(ctx, board=40, trials=10, **history)  # neither until nor days
    with pytest.raises(ReportError, match="undefined"):
        forecast_when(ctx, items=5, board=40, history_from=date(2024, 2, 1), history_to=date(2024, 2, 20))
