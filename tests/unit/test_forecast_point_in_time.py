"""No leakage: what happens after a cut-off never changes what the methods see at it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coxswain.forecasting.engine.calendar import day, parse_period
from coxswain.forecasting.engine.forecaster import ForecastSettings, run_forecast
from coxswain.forecasting.engine.history import LOST, OPEN, WON, DealHistory
from coxswain.forecasting.engine.run_rate import booking_series
from coxswain.forecasting.engine.snapshot import pipeline_as_of
from coxswain.forecasting.engine.synthetic import synthetic_history

CHEAP = ("stage_weighted", "stage_win_rates", "cycle_classic", "cycle_survival", "run_rate_naive")


def rewrite_future(history: DealHistory, cut_off: int, seed: int) -> DealHistory:
    """The same past, another future: every deal that closes on or after the cut-off (or is
    still open) gets a random outcome on a random later day."""
    rng = np.random.default_rng(seed)
    future = (history.closed >= cut_off) & (history.opened < cut_off)
    outcome = history.outcome.copy()
    closed = history.closed.copy()
    rows = np.flatnonzero(future)
    outcome[rows] = rng.choice([WON, LOST, OPEN], rows.size)
    closed[rows] = np.where(
        outcome[rows] == OPEN, history.closed[rows], cut_off + rng.integers(0, 90, rows.size)
    )
    stage = history.stage.copy()
    stage[rows] = np.where(outcome[rows] == WON, 4, np.where(outcome[rows] == LOST, 5, stage[rows]))
    past_events = history.events_day < cut_off
    return replace(
        history,
        outcome=outcome,
        closed=closed,
        stage=stage,
        events_deal=history.events_deal[past_events],
        events_stage=history.events_stage[past_events],
        events_day=history.events_day[past_events],
        events_amount=history.events_amount[past_events],
    )


def _points(history: DealHistory, cut_off: int, methods: tuple[str, ...]) -> dict[str, float]:
    period = parse_period("2024-10")
    run = run_forecast(
        history, cut_off, period, ForecastSettings(calibration_periods=2, simulations=200), methods
    )
    return {m: r.point for m, r in run.results.items()}


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_a_different_future_gives_the_same_forecast(history_seed: int, future_seed: int) -> None:
    history = synthetic_history(600, end=date(2024, 12, 31), days=500, seed=history_seed)
    cut_off = day(date(2024, 10, 1))
    other = rewrite_future(history, cut_off, future_seed)
    assert _points(history, cut_off, CHEAP) == _points(other, cut_off, CHEAP)
    a, b = pipeline_as_of(history, cut_off), pipeline_as_of(other, cut_off)
    assert a.rows.tolist() == b.rows.tolist()
    assert a.stage.tolist() == b.stage.tolist()
    assert (
        booking_series(history, cut_off).total.tolist()
        == booking_series(other, cut_off).total.tolist()
    )


def test_a_deal_won_after_the_cut_off_changes_nothing_for_every_method() -> None:
    history = synthetic_history(1_200, end=date(2024, 12, 31), days=600, seed=7)
    cut_off = day(date(2024, 10, 1))
    open_then = np.flatnonzero((history.opened < cut_off) & (history.closed >= cut_off))
    lost = replace(history, outcome=history.outcome.copy(), stage=history.stage.copy())
    won = replace(history, outcome=history.outcome.copy(), stage=history.stage.copy())
    lost.outcome[open_then], won.outcome[open_then] = LOST, WON
    lost.stage[open_then], won.stage[open_then] = 5, 4
    methods = (*CHEAP, "win_probability", "run_rate", "monte_carlo", "ensemble")
    assert _points(lost, cut_off, methods) == _points(won, cut_off, methods)
