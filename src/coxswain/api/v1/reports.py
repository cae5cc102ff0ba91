"""``/reports``: the dashboard KPIs, the funnel and the forecast, for what the caller sees."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from coxswain.api.deps import ClockDep, CurrentUser, EngineDep, SessionDep
from coxswain.api.schemas import ERROR_RESPONSES
from coxswain.opportunities.reporting import ReportFilters
from coxswain.opportunities.reports import dashboard
from coxswain.opportunities.views import forecast, funnel

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)


class PeriodOut(BaseModel):
    kind: str
    start: date
    end: date
    label: str


class KpiOut(BaseModel):
    key: str
    label: str
    unit: str
    value: float | None
    previous: float | None
    change: float | None
    higher_is_better: bool
    sparkline: list[float | None]


class DashboardOut(BaseModel):
    period: PeriodOut
    previous: PeriodOut
    currency: str
    computed_at: datetime
    kpis: list[KpiOut]
    months: list[str]
    won_by_month: list[float]
    lost_by_month: list[float]
    created_by_month: list[float]
    open_by_stage: list[tuple[str, int, float]]
    top_reps: list[tuple[str, int, float]]
    missing_rates: list[str]


def _period(p: Any) -> PeriodOut:
    return PeriodOut(kind=p.kind.value, start=p.start, end=p.end, label=p.label)


@router.get("/dashboard", response_model=DashboardOut)
def dashboard_kpis(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    engine: EngineDep,
    filters: Annotated[ReportFilters, Query()],
) -> DashboardOut:
    """KPIs for the period (vs the previous one, with 12-month sparklines) and the trends;
    cached 30 s per visibility and filters. Definitions: docs/api.md."""
    d = dashboard(session, user, filters, clock=clock, cache_key=str(engine.url))
    kpis = [
        KpiOut(
            key=c.key,
            label=c.label,
            unit=c.unit,
            value=c.value,
            previous=c.previous,
            change=c.change,
            higher_is_better=c.higher_is_better,
            sparkline=c.sparkline,
        )
        for c in d.cards
    ]
    return DashboardOut(
        period=_period(d.period),
        previous=_period(d.previous),
        currency=d.currency,
        computed_at=d.computed_at,
        kpis=kpis,
        months=d.months,
        won_by_month=d.won_by_month,
        lost_by_month=d.lost_by_month,
        created_by_month=d.created_by_month,
        open_by_stage=d.open_by_stage,
        top_reps=d.top_reps,
        missing_rates=d.missing_rates,
    )


class FunnelStepOut(BaseModel):
    stage: str
    reached: int
    conversion_from_previous: float | None
    drop_off: float | None


class FunnelOut(BaseModel):
    period: PeriodOut
    pipeline_name: str
    deals: int
    steps: list[FunnelStepOut]


@router.get("/funnel", response_model=FunnelOut)
def stage_funnel(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    filters: Annotated[ReportFilters, Query()],
    pipeline_id: uuid.UUID | None = None,
) -> FunnelOut:
    """Deals opened in the period: how many reached each stage and the drop-off between steps."""
    f = funnel(session, user, filters, pipeline_id=pipeline_id, today=clock.now().date())
    return FunnelOut(
        period=_period(f.period),
        pipeline_name=f.pipeline_name,
        deals=f.deals,
        steps=[FunnelStepOut(**asdict(s)) for s in f.steps],
    )


class ForecastOut(BaseModel):
    period: PeriodOut
    currency: str
    won: float
    by_category: dict[str, float]
    rollup: list[tuple[str, float]]
    weighted: float
    p10: float
    p50: float
    p90: float
    months: list[tuple[str, float, float, float]]
    open_deals: int
    method: str


@router.get("/forecast", response_model=ForecastOut)
def period_forecast(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    filters: Annotated[ReportFilters, Query()],
) -> ForecastOut:
    """Category roll-up (closed → commit → best case → pipeline) and the P10/P50/P90 range."""
    v = forecast(session, user, filters, today=clock.now().date())
    data = asdict(v)
    data["period"] = _period(v.period)
    return ForecastOut(**data)
