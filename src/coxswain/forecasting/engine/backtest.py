"""Backtests: replay history at past cut-offs with only what was known then.

For each cut-off (the first day of each of the last ``periods`` complete periods), every
method is refitted on the history before the cut-off (:mod:`.snapshot` rebuilds the
pipeline from dated stage changes) and forecasts that period; the actual is the won amount
closed in it. Per method: WAPE, bias and P10–P90 coverage (methods with intervals), over
the periods (see :mod:`.metrics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coxswain.core.errors import ValidationError
from coxswain.forecasting.engine.calendar import Period, period_containing, to_date
from coxswain.forecasting.engine.forecaster import (
    BASELINE,
    METHODS,
    ForecastSettings,
    MethodForecast,
    run_forecast,
)
from coxswain.forecasting.engine.history import DealHistory
from coxswain.forecasting.engine.metrics import bias, coverage, wape
from coxswain.forecasting.engine.snapshot import booked


@dataclass(frozen=True, slots=True)
class BacktestPeriod:
    """One replayed period: the actual and each method's forecast."""

    period: Period
    actual: float
    forecasts: dict[str, MethodForecast]


@dataclass(frozen=True, slots=True)
class MethodScore:
    """A method's accuracy over the replayed periods (``coverage`` None without intervals)."""

    method: str
    wape: float
    bias: float
    coverage_p10_p90: float | None
    periods: int


@dataclass(frozen=True, slots=True)
class BacktestResult:
    baseline: str
    periods: tuple[BacktestPeriod, ...]
    scores: dict[str, MethodScore]

    @property
    def best(self) -> str:
        """The method with the lowest WAPE (the baseline when nothing beats it)."""
        return min(self.scores.values(), key=lambda s: (s.wape, s.method != self.baseline)).method


def backtest_periods(history: DealHistory, kind: str = "month", count: int = 6) -> list[Period]:
    """The last ``count`` periods of ``kind`` that ended on or before ``known_through``."""
    last = period_containing(to_date(history.known_through), kind)
    if last.end_day > history.known_through:
        last = last.shifted(-1)
    chosen = [last.shifted(-k) for k in range(count - 1, -1, -1)]
    return [p for p in chosen if p.start_day > history.first_day]


def score(periods: Sequence[BacktestPeriod], methods: Sequence[str]) -> dict[str, MethodScore]:
    scores: dict[str, MethodScore] = {}
    actual = [p.actual for p in periods]
    for method in methods:
        forecasts = [p.forecasts[method] for p in periods]
        has_interval = all(f.p10 is not None and f.p90 is not None for f in forecasts)
        scores[method] = MethodScore(
            method=method,
            wape=wape([f.point for f in forecasts], actual),
            bias=bias([f.point for f in forecasts], actual),
            coverage_p10_p90=(
                coverage(
                    [f.p10 or 0.0 for f in forecasts], [f.p90 or 0.0 for f in forecasts], actual
                )
                if has_interval and forecasts
                else None
            ),
            periods=len(forecasts),
        )
    return scores


def run_backtest(
    history: DealHistory,
    *,
    kind: str = "month",
    count: int = 6,
    methods: Sequence[str] | None = None,
    settings: ForecastSettings | None = None,
) -> BacktestResult:
    """Replay the last ``count`` periods of ``kind`` with ``methods`` (default: all).

    Raises:
        ValidationError: when the history has no complete period to replay.
    """
    wanted = tuple(methods or METHODS)
    if BASELINE not in wanted:
        wanted = (BASELINE, *wanted)
    periods = backtest_periods(history, kind, count)
    if not periods:
        raise ValidationError("no complete period to backtest: import dated deal history first")
    replayed = []
    for period in periods:
        run = run_forecast(history, period.start_day, period, settings, wanted)
        actual = booked(history, period.start_day, period.end_day)
        replayed.append(BacktestPeriod(period, actual, run.results))
    return BacktestResult(BASELINE, tuple(replayed), score(replayed, wanted))
