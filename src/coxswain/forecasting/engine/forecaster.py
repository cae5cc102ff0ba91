"""Run every forecasting method at one cut-off for one period.

A forecast for period ``P`` at cut-off ``as_of`` (a day number: the first day *not* known) is
``closed + pipeline + new business``:

* ``closed``: won in ``P`` before the cut-off (0 when the period has not started);
* ``pipeline``: expected won amount of the open pipeline inside the rest of ``P``
  (a pipeline method's per-deal chances, see :mod:`.base`);
* ``new business``: deals not yet created that will be won inside ``P`` (run rate of the
  ``new`` series, :mod:`.run_rate`), for the methods that model it.

Methods (names are stable; the CLI and the backtest use them):

==================  ========================================================================
stage_weighted      baseline: amount × stage probability (:mod:`.stage_weighted`)
stage_win_rates     amount × smoothed historical stage win rate (:mod:`.win_rates`)
cycle_classic       amount × min(age / average cycle, 1) (:mod:`.sales_cycle`)
cycle_survival      amount × P(won inside the period | stage, days in stage) + new business
win_probability     survival chances redistributed by gradient-boosting P(win) + new
run_rate_naive      seasonal naive on total bookings
run_rate            statsforecast AutoETS on total bookings (80 % interval)
monte_carlo         simulation of cycle_survival's chances with slip and a common shock
ensemble            weighted mean of (cycle_survival + new business) and run_rate
==================  ========================================================================

Interval widths are calibrated on the method's own errors at up to ``calibration_periods``
earlier periods (rolling origin: each refit with only what was known at that earlier
cut-off, so no later outcome leaks in); see :func:`past_forecasts`. The ensemble weights its
two parts by their inverse mean squared log error over those periods (Bates–Granger),
shrunk towards equal weights (:func:`combination_weight`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from coxswain.core.errors import ValidationError
from coxswain.forecasting.engine.base import PipelineMethod, Window, expected_bookings, window_for
from coxswain.forecasting.engine.calendar import Period, period_containing, to_date
from coxswain.forecasting.engine.history import DealHistory, FloatArray
from coxswain.forecasting.engine.run_rate import (
    RunRatePrediction,
    booking_series,
    run_rate_forecast,
)
from coxswain.forecasting.engine.sales_cycle import ClassicCycle, SurvivalCycle
from coxswain.forecasting.engine.snapshot import OpenPipeline, booked, pipeline_as_of
from coxswain.forecasting.engine.stage_weighted import StageWeighted
from coxswain.forecasting.engine.win_rates import StageWinRates

BASELINE = "stage_weighted"
Z80 = 1.2815515655446004  # standard normal 90th percentile


def _win_probability() -> PipelineMethod:
    from coxswain.scoring.engine.win_method import WinProbabilityMethod

    return WinProbabilityMethod()


PIPELINE_METHODS: dict[str, Callable[[], PipelineMethod]] = {
    "stage_weighted": StageWeighted,
    "stage_win_rates": StageWinRates,
    "cycle_classic": ClassicCycle,
    "cycle_survival": SurvivalCycle,
    "win_probability": _win_probability,
}
WITH_NEW_BUSINESS = frozenset({"cycle_survival", "win_probability"})
OTHER_METHODS = ("run_rate_naive", "run_rate", "monte_carlo", "ensemble")
METHODS: tuple[str, ...] = (*PIPELINE_METHODS, *OTHER_METHODS)


@dataclass(frozen=True, slots=True)
class ForecastSettings:
    """Knobs of a forecast run (defaults are what the CLI uses).

    Attributes:
        simulations: Monte Carlo simulations.
        seed: random seed (simulations and model training).
        slip_sd_days: standard deviation of the common close-date slip, in days.
        calibration_periods: earlier periods used to calibrate interval widths (0 = none).
        default_sigma: log-scale spread used when fewer than 2 earlier errors exist.
    """

    simulations: int = 10_000
    seed: int = 0
    slip_sd_days: float = 7.0
    calibration_periods: int = 6
    default_sigma: float = 0.3


@dataclass(frozen=True, slots=True)
class MethodForecast:
    """One method's forecast of bookings for the period (reporting currency).

    ``point`` is the forecast; ``p10``/``p50``/``p90`` are set for methods with intervals.
    """

    method: str
    point: float
    closed: float
    pipeline: float
    new_business: float
    p10: float | None = None
    p50: float | None = None
    p90: float | None = None


@dataclass(frozen=True, eq=False)
class ForecastRun:
    """Every requested method at one cut-off, plus the per-deal chances behind them."""

    as_of: int
    period: Period
    pipeline: OpenPipeline
    results: dict[str, MethodForecast]
    chances: dict[str, FloatArray] = field(default_factory=dict)
    sigma: float = 0.0


def _horizon(period: Period, as_of: int) -> tuple[int, float]:
    """Periods ahead of the last complete one, and the share of ``period`` still ahead."""
    current = period_containing(to_date(as_of), period.kind)
    steps = 0
    while current.start < period.start:
        current, steps = current.shifted(1), steps + 1
    share = window_for(period, as_of).days / period.days
    return steps + 1, share


def _run_rates(history: DealHistory, as_of: int, period: Period) -> dict[str, RunRatePrediction]:
    series = booking_series(history, as_of, period.kind)
    h, share = _horizon(period, as_of)
    out: dict[str, RunRatePrediction] = {}
    for key, values, model in (
        ("total_naive", series.total, "seasonal_naive"),
        ("total", series.total, "auto_ets"),
        ("new", series.new, "auto_ets"),
    ):
        p = run_rate_forecast(values, period.kind, model=model, h=h)
        out[key] = RunRatePrediction(p.mean * share, p.low * share, p.high * share, p.model)
    return out


def past_forecasts(
    history: DealHistory, as_of: int, period: Period, methods: Sequence[str], count: int
) -> tuple[list[float], dict[str, list[float]]]:
    """Actuals and forecasts of ``methods`` at up to ``count`` earlier periods.

    Each earlier period ended before ``as_of`` and is forecast from its own start, fitting
    only on what was known then (rolling origin), so no outcome after ``as_of`` is used.
    """
    actuals: list[float] = []
    forecasts: dict[str, list[float]] = {m: [] for m in methods}
    current = period_containing(to_date(as_of), period.kind)
    for step in range(count, 0, -1):
        earlier = current.shifted(-step)
        if earlier.end_day >= as_of or earlier.start_day <= history.first_day:
            continue
        run = run_forecast(
            history, earlier.start_day, earlier, ForecastSettings(calibration_periods=0), methods
        )
        actuals.append(booked(history, earlier.start_day, earlier.end_day))
        for method in methods:
            forecasts[method].append(run.results[method].point)
    return actuals, forecasts


def log_errors(actuals: Sequence[float], forecasts: Sequence[float]) -> list[float]:
    """``log(actual / forecast)`` where both are positive."""
    return [
        float(np.log(a / f)) for a, f in zip(actuals, forecasts, strict=True) if a > 0 and f > 0
    ]


def combination_weight(errors_a: list[float], errors_b: list[float]) -> float:
    """Weight of forecast A in ``w * A + (1 - w) * B``: inverse mean squared log error
    (Bates–Granger), shrunk towards 0.5 by two pseudo-periods; 0.5 with < 2 errors each."""
    n = min(len(errors_a), len(errors_b))
    if n < 2:
        return 0.5
    mse_a = float(np.mean(np.square(errors_a))) + 1e-6
    mse_b = float(np.mean(np.square(errors_b))) + 1e-6
    raw = (1 / mse_a) / (1 / mse_a + 1 / mse_b)
    return (n * raw + 2 * 0.5) / (n + 2)


def _sigma(errors: list[float], default: float) -> float:
    """Root mean square of log errors (bias included), in [0.05, 1.5]; ``default`` if < 2."""
    if len(errors) < 2:
        return default
    return float(np.clip(np.sqrt(np.mean(np.square(errors))), 0.05, 1.5))


def _shock(errors: list[float], default: float) -> tuple[float, float]:
    """Location and spread of the Monte Carlo shock from earlier log errors.

    The location is their mean shrunk towards 0 by two pseudo-periods (``n / (n + 2)``): a
    pipeline model that was 20 % high for six periods is pulled down by ~15 %. The spread is
    their standard deviation around it, in [0.05, 1.5]; ``(0, default)`` with < 2 errors.
    """
    if len(errors) < 2:
        return 0.0, default
    n = len(errors)
    location = float(np.mean(errors)) * n / (n + 2)
    spread = float(np.sqrt(np.mean(np.square(np.asarray(errors) - location))))
    return location, float(np.clip(spread, 0.05, 1.5))


def run_forecast(
    history: DealHistory,
    as_of: int,
    period: Period,
    settings: ForecastSettings | None = None,
    methods: Sequence[str] | None = None,
) -> ForecastRun:
    """Forecast ``period`` at cut-off ``as_of`` with ``methods`` (default: all).

    Raises:
        ValidationError: an unknown method name, or a period that ended before the cut-off
            (its bookings are known: nothing to forecast).
    """
    settings = settings or ForecastSettings()
    wanted = tuple(methods or METHODS)
    unknown = [m for m in wanted if m not in METHODS]
    if unknown:
        raise ValidationError(
            f"unknown method {unknown[0]!r}; expected one of {', '.join(METHODS)}"
        )
    closed = booked(history, period.start_day, as_of - 1) if as_of > period.start_day else 0.0
    pipeline = pipeline_as_of(history, as_of)
    window = window_for(period, as_of)
    needs = set(wanted)
    if needs & {"monte_carlo", "ensemble"}:
        needs.add("cycle_survival")
    fitted: dict[str, PipelineMethod] = {}
    chances: dict[str, FloatArray] = {}
    for name, factory in PIPELINE_METHODS.items():
        if name in needs:
            fitted[name] = factory().fit(history, as_of)
            chances[name] = fitted[name].predict(pipeline, window)
    rates = _run_rates(history, as_of, period)
    results: dict[str, MethodForecast] = {}
    for name, chance in chances.items():
        new = rates["new"].mean if name in WITH_NEW_BUSINESS else 0.0
        expected = expected_bookings(pipeline, chance)
        results[name] = MethodForecast(name, closed + expected + new, closed, expected, new)
    for key, name in (("total_naive", "run_rate_naive"), ("total", "run_rate")):
        p = rates[key]
        results[name] = MethodForecast(
            name,
            closed + p.mean,
            closed,
            0.0,
            p.mean,
            closed + p.low,
            closed + p.mean,
            closed + p.high,
        )
    sigma = 0.0
    if needs & {"monte_carlo", "ensemble"}:
        sigma = _add_simulated(results, history, pipeline, window, period, settings, fitted, rates)
    return ForecastRun(
        as_of=as_of,
        period=period,
        pipeline=pipeline,
        results={m: results[m] for m in wanted},
        chances=chances,
        sigma=sigma,
    )


def _add_simulated(
    results: dict[str, MethodForecast],
    history: DealHistory,
    pipeline: OpenPipeline,
    window: Window,
    period: Period,
    settings: ForecastSettings,
    fitted: dict[str, PipelineMethod],
    rates: dict[str, RunRatePrediction],
) -> float:
    """Add ``monte_carlo`` and ``ensemble``; returns the calibrated shock sigma."""
    from coxswain.forecasting.engine.monte_carlo import simulate_bookings, slip_distribution

    survival = fitted["cycle_survival"]
    assert isinstance(survival, SurvivalCycle)
    as_of = pipeline.as_of
    actuals: list[float] = []
    past: dict[str, list[float]] = {"cycle_survival": [], "run_rate": []}
    if settings.calibration_periods > 0:
        actuals, past = past_forecasts(
            history, as_of, period, ("cycle_survival", "run_rate"), settings.calibration_periods
        )
    pipeline_errors = log_errors(actuals, past["cycle_survival"])
    location, sigma = _shock(pipeline_errors, settings.default_sigma)
    slips, weights = slip_distribution(settings.slip_sd_days)
    table = np.vstack([survival.shifted(pipeline, window, slip) for slip in slips])
    base = results["cycle_survival"]
    simulation = simulate_bookings(
        table,
        pipeline.amount,
        slip_weights=weights,
        sigma=sigma,
        location=location,
        new_business=base.new_business,
        simulations=settings.simulations,
        seed=settings.seed,
    )
    closed = base.closed
    results["monte_carlo"] = MethodForecast(
        "monte_carlo",
        closed + simulation.p50,
        closed,
        float(simulation.pipeline_totals.mean()),
        base.new_business,
        closed + simulation.p10,
        closed + simulation.p50,
        closed + simulation.p90,
    )
    weight = combination_weight(pipeline_errors, log_errors(actuals, past["run_rate"]))
    combined = [weight * a + (1 - weight) * b for a, b in zip(*past.values(), strict=True)]
    spread = _sigma(log_errors(actuals, combined), settings.default_sigma)
    ahead = weight * (base.pipeline + base.new_business) + (1 - weight) * rates["total"].mean
    low, high = ahead * np.exp(-Z80 * spread), ahead * np.exp(Z80 * spread)
    results["ensemble"] = MethodForecast(
        "ensemble",
        closed + ahead,
        closed,
        weight * base.pipeline,
        weight * base.new_business + (1 - weight) * rates["total"].mean,
        closed + float(low),
        closed + ahead,
        closed + float(high),
    )
    return sigma
