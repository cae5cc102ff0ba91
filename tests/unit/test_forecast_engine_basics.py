"""Hand-computed checks of the small forecasting pieces: periods, metrics, methods, planner."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from coxswain.core.errors import ValidationError
from coxswain.forecasting.engine.base import Window, expected_bookings, window_for
from coxswain.forecasting.engine.calendar import day, parse_period, period_containing
from coxswain.forecasting.engine.history import (
    DealRecord,
    StageEventRecord,
    StageRecord,
    build_history,
)
from coxswain.forecasting.engine.metrics import (
    bias,
    brier,
    coverage,
    reliability_table,
    roc_auc,
    wape,
)
from coxswain.forecasting.engine.planner import FunnelInputs, plan_funnel
from coxswain.forecasting.engine.run_rate import SeasonalNaiveRunRate, booking_series, season_length
from coxswain.forecasting.engine.sales_cycle import ClassicCycle
from coxswain.forecasting.engine.snapshot import pipeline_as_of
from coxswain.forecasting.engine.stage_weighted import StageWeighted
from coxswain.forecasting.engine.win_rates import StageWinRates

STAGES = [
    StageRecord("p", "Sales", "Proposal", 1, 0.55, "open", "best_case"),
    StageRecord("n", "Sales", "Negotiation", 2, 0.80, "open", "commit"),
    StageRecord("w", "Sales", "Won", 3, 1.0, "won", "closed"),
    StageRecord("l", "Sales", "Lost", 4, 0.0, "lost", "omitted"),
]


def test_periods_parse_and_shift() -> None:
    q4 = parse_period("2017-Q4")
    assert (q4.start, q4.end, q4.days, q4.months) == (date(2017, 10, 1), date(2017, 12, 31), 92, 3)
    assert parse_period("2017-11").shifted(2).label == "2018-01"
    assert parse_period("2017").end == date(2017, 12, 31)
    assert period_containing(date(2017, 5, 17), "quarter").label == "2017-Q2"
    for bad in ("2017-13", "Q4", "2017-Q5", ""):
        with pytest.raises(ValidationError, match="expected YYYY-MM"):
            parse_period(bad)


def test_window_is_the_rest_of_the_period() -> None:
    november = parse_period("2017-11")
    assert window_for(november, day(date(2017, 11, 11))) == Window(0, 19)
    assert window_for(november, day(date(2017, 10, 1))) == Window(31, 60)
    assert window_for(november, day(date(2017, 12, 2))).days == 0


def test_metrics_by_hand() -> None:
    assert wape([110, 90], [100, 100]) == pytest.approx(0.1)
    assert bias([120, 100], [100, 100]) == pytest.approx(0.1)
    assert coverage([90, 90, 90], [110, 110, 110], [100, 120, 90]) == pytest.approx(2 / 3)
    # 2 positives, 2 negatives; pairs (pos > neg): (0.8>0.1), (0.8>0.4), (0.35>0.1) = 3 of 4
    assert roc_auc([1, 0, 1, 0], [0.8, 0.1, 0.35, 0.4]) == pytest.approx(0.75)
    assert roc_auc([1, 1], [0.2, 0.3]) != roc_auc([1, 1], [0.2, 0.3])  # NaN: one class
    assert brier([1, 0], [0.5, 0.5]) == pytest.approx(0.25)
    table = reliability_table([1, 0, 1, 1], [0.05, 0.08, 0.95, 1.0])
    assert [(b.count, b.observed_rate) for b in table] == [(2, 0.5), (2, 1.0)]


def _two_deal_history() -> tuple[object, int]:
    deals = [
        DealRecord("a", "Sales", "p", 10_000, date(2024, 1, 1)),
        DealRecord("b", "Sales", "n", 4_000, date(2024, 1, 1)),
    ]
    events = [
        StageEventRecord("a", "p", date(2024, 1, 1)),
        StageEventRecord("b", "p", date(2024, 1, 1)),
        StageEventRecord("b", "n", date(2024, 1, 20)),
    ]
    history = build_history(deals, STAGES, events, known_through=date(2024, 3, 31))
    return history, day(date(2024, 2, 1))


def test_stage_weighted_worked_example() -> None:
    history, cut_off = _two_deal_history()
    pipeline = pipeline_as_of(history, cut_off)  # type: ignore[arg-type]
    chance = StageWeighted().fit(history, cut_off).predict(pipeline, Window(0, 28))  # type: ignore[arg-type]
    assert expected_bookings(pipeline, chance) == pytest.approx(10_000 * 0.55 + 4_000 * 0.80)


def test_win_rates_shrink_small_counts() -> None:
    # 4 closed deals went through Proposal, 3 won; 16 more closed in Negotiation only, 3 won
    deals, events = [], []
    for i in range(20):
        won = i < 3 or 4 <= i < 7
        stage = "p" if i < 4 else "n"
        deals.append(
            DealRecord(
                f"d{i}", "Sales", "w" if won else "l", 100, date(2024, 1, 1), date(2024, 1, 10)
            )
        )
        events.append(StageEventRecord(f"d{i}", stage, date(2024, 1, 1)))
        events.append(StageEventRecord(f"d{i}", "w" if won else "l", date(2024, 1, 10)))
    history = build_history(deals, STAGES, events, known_through=date(2024, 3, 31))
    model = StageWinRates(prior_strength=20).fit(history, day(date(2024, 2, 1)))
    overall = 6 / 20
    pipe_rate = (6 + 20 * overall) / (20 + 20)
    proposal = (3 + 20 * pipe_rate) / (4 + 20)
    assert model.rates[0, 0] == pytest.approx((3 + 20 * proposal) / (4 + 20))


def test_classic_cycle_rule_four_months_one_in() -> None:
    deals = [
        DealRecord(f"w{i}", "Sales", "w", 1, date(2023, 1, 1), date(2023, 5, 1)) for i in range(3)
    ]
    deals.append(DealRecord("open", "Sales", "p", 1000, date(2023, 8, 1)))
    history = build_history(deals, STAGES, known_through=date(2023, 12, 31))
    cut_off = day(date(2023, 8, 31))  # 30 days in; won cycle = 120 days
    model = ClassicCycle().fit(history, cut_off)
    assert model.average_cycle_days == 120
    chance = model.predict(pipeline_as_of(history, cut_off), Window(0, 30))
    assert chance.tolist() == [pytest.approx(0.25)]


def test_seasonal_naive_and_season_choice() -> None:
    model = SeasonalNaiveRunRate(season=3).fit(np.array([5.0, 7, 9, 6, 8, 10]))
    assert model.predict(1).mean == 6.0
    assert model.predict(2).mean == 8.0
    assert (season_length("month", 30), season_length("month", 5), season_length("month", 3)) == (
        12,
        3,
        1,
    )


def test_booking_series_counts_complete_months_only() -> None:
    deals = [
        DealRecord("a", "Sales", "w", 100, date(2024, 1, 5), date(2024, 1, 20)),  # new in Jan
        DealRecord("b", "Sales", "w", 50, date(2023, 12, 5), date(2024, 1, 25)),
        DealRecord("c", "Sales", "w", 70, date(2024, 2, 1), date(2024, 2, 3)),
        DealRecord("d", "Sales", "w", 999, date(2024, 3, 1), date(2024, 3, 2)),  # month not over
    ]
    history = build_history(deals, STAGES, known_through=date(2024, 3, 31))
    series = booking_series(history, day(date(2024, 3, 10)), "month")
    assert [p.label for p in series.periods] == ["2024-01", "2024-02"]
    assert series.total.tolist() == [150, 70]
    assert series.new.tolist() == [100, 70]


def test_funnel_planner_worked_example() -> None:
    plan = plan_funnel(
        FunnelInputs(
            target=1_000_000,
            months=3,
            average_deal_size=20_000,
            win_rate=0.25,
            lead_conversion_rate=0.10,
            reps=5,
            pipeline_expected=400_000,
            pipeline_amount=1_500_000,
            stage_names=("Proposal", "Negotiation"),
            stage_conversion=(0.5, 0.5),
        )
    )
    assert (plan.gap, plan.deals_needed, plan.opportunities_needed, plan.leads_needed) == (
        600_000,
        30,
        120,
        1200,
    )
    assert plan.opportunities_per_month == 40
    assert plan.leads_per_rep_per_month == 80
    assert plan.pipeline_coverage == pytest.approx(1.5)
    assert not plan.covered
    assert [(s.stage, s.deals_entering) for s in plan.stages] == [
        ("Proposal", 120),
        ("Negotiation", 60),
    ]
    with pytest.raises(ValidationError, match="win rate"):
        plan_funnel(FunnelInputs(1, 1, 1, 0.0, None, 1))
