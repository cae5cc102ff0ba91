"""Forecast accuracy: which snapshot counts, APE, MAPE and bias (by hand)."""

from __future__ import annotations

from datetime import date

import pytest

from coxswain.analytics.engine.forecast import (
    ForecastPoint,
    period_accuracy,
    pick_forecasts,
    summarize,
)
from coxswain.analytics.engine.periods import Period

JAN = Period(date(2026, 1, 1), date(2026, 1, 31))
FEB = Period(date(2026, 2, 1), date(2026, 2, 28))
MAR = Period(date(2026, 3, 1), date(2026, 3, 31))


def test_pick_the_last_snapshot_before_the_period_else_the_first_during_it() -> None:
    points = [
        ForecastPoint(JAN, 1400, date(2025, 12, 1)),
        ForecastPoint(JAN, 1500, date(2025, 12, 25)),
        ForecastPoint(JAN, 9999, date(2026, 1, 10)),
        ForecastPoint(FEB, 800, date(2026, 2, 3)),
        ForecastPoint(FEB, 700, date(2026, 2, 20)),
        ForecastPoint(MAR, 5, date(2026, 4, 2)),  # after the period: ignored
    ]
    chosen = pick_forecasts(points)
    assert chosen[JAN].amount == 1500
    assert chosen[FEB].amount == 800
    assert MAR not in chosen


def test_mape_accuracy_and_bias_by_hand() -> None:
    chosen = pick_forecasts(
        [
            ForecastPoint(JAN, 1500, date(2025, 12, 25)),
            ForecastPoint(FEB, 800, date(2026, 2, 3)),
            ForecastPoint(MAR, 2000, date(2026, 2, 20)),
        ]
    )
    rows = period_accuracy(chosen, {JAN: 0.0, FEB: 1000.0, MAR: 2400.0})
    assert [r.ape for r in rows] == [None, pytest.approx(0.2), pytest.approx(400 / 2400)]
    summary = summarize(rows)
    assert summary["mape"] == pytest.approx((0.2 + 400 / 2400) / 2)
    assert summary["accuracy"] == pytest.approx(1 - (0.2 + 400 / 2400) / 2)
    assert summary["bias"] == pytest.approx((1500 - 200 - 400) / 3400)
    assert summarize([]) == {"mape": None, "accuracy": None, "bias": None, "periods": 0.0}
