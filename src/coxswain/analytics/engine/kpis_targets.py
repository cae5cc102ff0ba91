"""KPIs that need numbers from outside the deal tables: pipeline coverage (sales targets)
and forecast accuracy (stored forecast snapshots).

Both read *providers*: functions the service binds at run time (targets from the
application database or an extract; forecast snapshots from the forecasting domain). With
no provider bound, or no data, these KPIs are null.
"""

from __future__ import annotations

import ibis.expr.types as ir

from coxswain.analytics.engine.catalog import (
    Kpi,
    Measure,
    MeasureContext,
    MeasureView,
    Scope,
    Unit,
    Window,
    declare_provider,
    ratio,
    register_kpi,
    register_scope,
)
from coxswain.analytics.engine.dimensions import Fact
from coxswain.analytics.engine.expressions import within
from coxswain.analytics.engine.kpis_deals import open_on
from coxswain.analytics.engine.model import WON
from coxswain.analytics.engine.periods import coverage_quarter, day_number

TARGETS = "targets"
FORECAST = "forecast"
PIPELINE, FORECASTING = "Pipeline", "Forecast"


def _open_in_quarter(t: ir.Table, w: Window) -> ir.BooleanValue:
    """Open on ``as_of`` and expected to close in the coverage quarter."""
    quarter = coverage_quarter(w.as_of)
    expected = within(t.expected_close_day, quarter.start_day, quarter.end_day)
    return open_on(t, day_number(w.as_of)) & expected


def _won_in_quarter(t: ir.Table, w: Window) -> ir.BooleanValue:
    """Won from the coverage quarter's first day up to ``as_of``."""
    quarter = coverage_quarter(w.as_of)
    return (t.status == WON) & within(t.closed_day, quarter.start_day, day_number(w.as_of))


register_scope(
    Scope(
        "coverage",
        Fact.DEALS,
        "expected_close_day",
        lambda t, w: _open_in_quarter(t, w) | _won_in_quarter(t, w),
        (
            Measure("pipeline", lambda t, c: c.sum(t.amount, _open_in_quarter(t, c.window))),
            Measure("won", lambda t, c: c.sum(t.amount, _won_in_quarter(t, c.window))),
        ),
    )
)
declare_provider(TARGETS, Fact.DEALS)
declare_provider(FORECAST, Fact.DEALS)


def _coverage(m: MeasureView) -> float | None:
    target = m[f"{TARGETS}.amount"]
    if target is None:
        return None
    remaining = target - (m["coverage.won"] or 0.0)
    if remaining <= 0:
        return None
    return ratio(m["coverage.pipeline"], remaining)


def _remaining(m: MeasureView) -> float | None:
    target = m[f"{TARGETS}.amount"]
    return None if target is None else max(target - (m["coverage.won"] or 0.0), 0.0)


for _kpi in (
    Kpi(
        "pipeline_coverage",
        "Pipeline coverage",
        Unit.MULTIPLE,
        PIPELINE,
        "open pipeline expected to close in the coverage quarter ÷ (quarter target − won "
        "so far in the quarter)",
        ("coverage", TARGETS),
        _coverage,
        time_groupable=False,
    ),
    Kpi(
        "remaining_target",
        "Remaining target",
        Unit.MONEY,
        PIPELINE,
        "coverage quarter target − won so far in the quarter (not below 0)",
        ("coverage", TARGETS),
        _remaining,
        higher_is_better=False,
        time_groupable=False,
    ),
    Kpi(
        "forecast_accuracy",
        "Forecast accuracy",
        Unit.RATIO,
        FORECASTING,
        "1 − MAPE over the forecast periods ending in the period (not below 0)",
        (FORECAST,),
        lambda m: m[f"{FORECAST}.accuracy"],
        time_groupable=False,
    ),
    Kpi(
        "forecast_mape",
        "Forecast error (MAPE)",
        Unit.RATIO,
        FORECASTING,
        "mean over forecast periods of |forecast − actual| ÷ actual",
        (FORECAST,),
        lambda m: m[f"{FORECAST}.mape"],
        higher_is_better=False,
        time_groupable=False,
    ),
    Kpi(
        "forecast_bias",
        "Forecast bias",
        Unit.RATIO,
        FORECASTING,
        "Σ (forecast − actual) ÷ Σ actual over forecast periods (> 0: over-forecast)",
        (FORECAST,),
        lambda m: m[f"{FORECAST}.bias"],
        higher_is_better=None,
        time_groupable=False,
    ),
):
    register_kpi(_kpi)


__all__ = ["FORECAST", "TARGETS", "MeasureContext"]
