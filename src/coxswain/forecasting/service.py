"""Forecasting use cases: forecast a period, backtest every method, plan the funnel.

Services load the dated history (:mod:`.repository`), run the pure engine and return the
DTOs of :mod:`.schemas`. They never commit. The cut-off defaults to the day after the last
day the data describes, or today when that is earlier (a database of 2017 deals is
forecast as of the start of 2018, not as of today).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import asdict
from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from coxswain.core.clock import Clock, SystemClock
from coxswain.currencies.service import reporting_currency
from coxswain.forecasting import repository
from coxswain.forecasting.engine.backtest import run_backtest
from coxswain.forecasting.engine.base import window_for
from coxswain.forecasting.engine.calendar import (
    Period,
    day,
    parse_period,
    period_containing,
    to_date,
)
from coxswain.forecasting.engine.forecaster import (
    METHODS,
    ForecastRun,
    ForecastSettings,
    MethodForecast,
    run_forecast,
)
from coxswain.forecasting.engine.history import DealHistory
from coxswain.forecasting.engine.planner import FunnelInputs, learn_funnel, plan_funnel
from coxswain.forecasting.engine.snapshot import OpenPipeline
from coxswain.forecasting.errors import NoHistoryError
from coxswain.forecasting.schemas import (
    BacktestPeriodRead,
    BacktestReport,
    CategoryRead,
    DealForecastRead,
    FactorRead,
    ForecastReport,
    MethodForecastRead,
    MethodScoreRead,
    PlanReport,
    StageNeedRead,
)

DEFAULT_METHOD = "ensemble"
CATEGORY_ORDER = ("closed", "commit", "best_case", "pipeline", "omitted")
TOP_DEALS = 20


def default_as_of(history: DealHistory, clock: Clock | None = None) -> date:
    """The day after ``known_through``, or today when that is earlier."""
    today = (clock or SystemClock()).now().date()
    return min(today, to_date(history.known_through + 1))


def _load(session: Session, owner_ids: Collection[uuid.UUID] | None = None) -> DealHistory:
    history = repository.load_history(session, owner_ids)
    if history.size == 0:
        where = "in the database" if owner_ids is None else "that you may see"
        raise NoHistoryError(f"no opportunities {where}: import or generate some first")
    return history


def _read(result: MethodForecast) -> MethodForecastRead:
    return MethodForecastRead(
        method=result.method,
        point=result.point,
        closed=result.closed,
        pipeline=result.pipeline,
        new_business=result.new_business,
        p10=result.p10,
        p50=result.p50,
        p90=result.p90,
    )


def categories(history: DealHistory, pipeline: OpenPipeline, period: Period) -> list[CategoryRead]:
    """Amounts per forecast category: won in the period so far, open deals by category.

    Live, each deal's own category (with overrides) counts; at a past cut-off, the stage's
    category then. Open deals expected to close after the period are left out.
    """
    won = (
        (history.outcome == 1)
        & (history.closed >= period.start_day)
        & (history.closed <= period.end_day)
    )
    won &= history.closed < pipeline.as_of
    amounts = dict.fromkeys(CATEGORY_ORDER, 0.0)
    counts = dict.fromkeys(CATEGORY_ORDER, 0)
    amounts["closed"], counts["closed"] = float(history.amount[won].sum()), int(won.sum())
    for position, row in enumerate(pipeline.rows):
        expected = int(pipeline.expected_close[position])
        if pipeline.live and expected > period.end_day and expected > -(1 << 39):
            continue
        own = history.forecast_category[row] if pipeline.live else ""
        category = own or history.stages.forecast_category[pipeline.stage[position]]
        if category == "closed":
            category = "commit"
        amounts[category] = amounts.get(category, 0.0) + float(pipeline.amount[position])
        counts[category] = counts.get(category, 0) + 1
    rows, running = [], 0.0
    for category in CATEGORY_ORDER:
        running += amounts[category] if category != "omitted" else 0.0
        cumulative = running if category != "omitted" else amounts[category]
        rows.append(
            CategoryRead(
                category=category,
                amount=amounts[category],
                cumulative=cumulative,
                deals=counts[category],
            )
        )
    return rows


def _deals(history: DealHistory, run: ForecastRun, method: str) -> list[DealForecastRead]:
    chance = run.chances.get(method, run.chances.get("cycle_survival"))
    pipeline = run.pipeline
    if chance is None or pipeline.size == 0:
        return []
    expected = pipeline.amount * chance
    top = np.argsort(-expected, kind="stable")[:TOP_DEALS]
    factors = _factors(history, run, top) if method == "win_probability" else {}
    return [
        DealForecastRead(
            opportunity_id=history.keys[pipeline.rows[i]],
            stage=history.stages.names[pipeline.stage[i]],
            amount=float(pipeline.amount[i]),
            chance=float(chance[i]),
            expected=float(expected[i]),
            win_probability=factors.get(int(i), (None, []))[0],
            factors=factors.get(int(i), (None, []))[1],
        )
        for i in top
    ]


def _factors(
    history: DealHistory, run: ForecastRun, positions: np.ndarray
) -> dict[int, tuple[float, list[FactorRead]]]:
    from coxswain.scoring.engine.win_model import WinModel

    model = WinModel().fit(history, run.as_of)
    rows = run.pipeline.rows[positions]
    probability = model.predict(history, rows, run.as_of)
    explained = model.explain(history, rows, run.as_of)
    return {
        int(p): (
            float(probability[k]),
            [FactorRead(feature=f.feature, effect=f.effect) for f in explained[k]],
        )
        for k, p in enumerate(positions)
    }


def forecast(
    session: Session,
    *,
    period: str | None = None,
    method: str | None = None,
    as_of: date | None = None,
    clock: Clock | None = None,
    settings: ForecastSettings | None = None,
    methods: Sequence[str] | None = None,
    period_kind: str = "month",
    owner_ids: Collection[uuid.UUID] | None = None,
) -> ForecastReport:
    """Forecast ``period`` (default: the month of the cut-off) with every method.

    ``method`` picks the headline method and its deal list (default ``ensemble``); when
    given, only that method (and what it needs) is computed. ``methods`` limits the methods
    computed otherwise (the headline is always included). Without ``period``, the
    ``period_kind`` (month, quarter or year) containing the cut-off is forecast.
    ``owner_ids`` restricts the deals to those owners (a caller's visibility).
    """
    history = _load(session, owner_ids)
    cut_off = as_of or default_as_of(history, clock)
    chosen = parse_period(period) if period else period_containing(cut_off, period_kind)
    headline = method or DEFAULT_METHOD
    wanted: Sequence[str] = (
        (headline,) if method else tuple(dict.fromkeys([*(methods or METHODS), headline]))
    )
    run = run_forecast(history, day(cut_off), chosen, settings, wanted)
    return ForecastReport(
        period=chosen.label,
        period_start=chosen.start,
        period_end=chosen.end,
        as_of=cut_off,
        currency=reporting_currency(session),
        method=headline,
        methods=[_read(r) for r in run.results.values()],
        categories=categories(history, run.pipeline, chosen),
        deals=_deals(history, run, headline),
        open_deals=run.pipeline.size,
    )


def backtest(
    session: Session,
    *,
    periods: int = 6,
    kind: str = "month",
    methods: Sequence[str] | None = None,
    settings: ForecastSettings | None = None,
    owner_ids: Collection[uuid.UUID] | None = None,
) -> BacktestReport:
    """Replay the last ``periods`` complete periods of ``kind`` with every method (over the
    deals of ``owner_ids`` when given)."""
    history = _load(session, owner_ids)
    result = run_backtest(history, kind=kind, count=periods, methods=methods, settings=settings)

    def finite(value: float) -> float | None:
        return None if np.isnan(value) else float(value)

    return BacktestReport(
        baseline=result.baseline,
        best=result.best,
        currency=reporting_currency(session),
        methods={
            name: MethodScoreRead(
                wape=finite(s.wape),
                bias=finite(s.bias),
                coverage_p10_p90=s.coverage_p10_p90,
                periods=s.periods,
            )
            for name, s in result.scores.items()
        },
        periods=[
            BacktestPeriodRead(
                period=p.period.label,
                actual=p.actual,
                forecasts={k: _read(v) for k, v in p.forecasts.items()},
            )
            for p in result.periods
        ],
    )


def plan(
    session: Session,
    *,
    target: float,
    period: str,
    as_of: date | None = None,
    clock: Clock | None = None,
) -> PlanReport:
    """The funnel needed to reach ``target`` in ``period`` and whether the pipeline covers it."""
    history = _load(session)
    cut_off = as_of or default_as_of(history, clock)
    chosen = parse_period(period)
    run = run_forecast(
        history, day(cut_off), chosen, ForecastSettings(calibration_periods=0), ("cycle_survival",)
    )
    result = run.results["cycle_survival"]
    learned = learn_funnel(history, day(cut_off))
    conversion = repository.lead_conversion_rate(session, cut_off)
    share = window_for(chosen, day(cut_off)).days / chosen.days
    months = max(1, round(chosen.months * share))
    inputs = FunnelInputs(
        target=target,
        months=months,
        average_deal_size=learned.average_deal_size,
        win_rate=learned.win_rate,
        lead_conversion_rate=conversion,
        reps=learned.reps,
        closed=result.closed,
        pipeline_expected=result.pipeline,
        pipeline_amount=float(run.pipeline.amount.sum()),
        stage_names=learned.stage_names,
        stage_conversion=learned.stage_conversion,
    )
    funnel = plan_funnel(inputs)
    figures = {k: v for k, v in asdict(funnel).items() if k != "stages"}
    return PlanReport(
        period=chosen.label,
        as_of=cut_off,
        currency=reporting_currency(session),
        target=target,
        closed=result.closed,
        pipeline_amount=inputs.pipeline_amount,
        pipeline_expected=result.pipeline,
        average_deal_size=learned.average_deal_size,
        win_rate=learned.win_rate,
        lead_conversion_rate=conversion,
        reps=learned.reps,
        months=months,
        stages=[
            StageNeedRead(
                stage=s.stage,
                conversion_to_next=s.conversion_to_next,
                deals_entering=None if s.deals_entering < 0 else s.deals_entering,
            )
            for s in funnel.stages
        ],
        **figures,
    )


def forecast_chart_data(report: ForecastReport) -> dict[str, object]:
    """What the HTML report draws: the P10/P50/P90 band per method and the category bars."""
    return {
        "period": report.period,
        "currency": report.currency,
        "as_of": report.as_of.isoformat(),
        "band": [
            {
                "method": m.method,
                "p10": m.p10,
                "p50": m.p50 if m.p50 is not None else m.point,
                "p90": m.p90,
            }
            for m in report.methods
        ],
        "categories": [
            {"category": c.category, "amount": c.amount, "cumulative": c.cumulative}
            for c in report.categories
        ],
    }
