"""The funnel, bottlenecks and forecast pages, driven by the analytics and forecasting
services (the same figures as ``coxswain report funnel|bottlenecks`` and ``coxswain
forecast``), for what the user may see."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from coxswain.analytics.engine.funnel import Cohort
from coxswain.api.deps import AnalyticsDep, ClockDep, ForecastsDep, SessionDep
from coxswain.auth.principal import Permission
from coxswain.auth.visibility import visible_owner_ids
from coxswain.core.errors import ValidationError
from coxswain.forecasting import rollup
from coxswain.forecasting.engine.forecaster import METHODS
from coxswain.forecasting.errors import NoHistoryError
from coxswain.forecasting.schemas import BacktestReport, ForecastReport
from coxswain.web.deps import WebSession, render
from coxswain.web.pages.dashboard import filter_choices, parse_analytics_filters, script_json

router = APIRouter(include_in_schema=False)

PERIOD_KINDS = ("month", "quarter", "year")


def _cohort(request: Request, default: Cohort) -> Cohort:
    raw = request.query_params.get("cohort") or default.value
    try:
        return Cohort(raw)
    except ValueError:
        choices = ", ".join(c.value for c in Cohort)
        raise ValidationError(f"filter cohort: expected one of {choices}") from None


@router.get("/reports/funnel")
def funnel_page(
    request: Request, session: SessionDep, analytics: AnalyticsDep, web: WebSession
) -> Response:
    web.principal.require(Permission.READ, "view the funnel")
    chosen = parse_analytics_filters(request)
    cohort = _cohort(request, Cohort.CREATED)
    owners = visible_owner_ids(session, web.principal)
    report = analytics.funnel(owners, chosen.request(), cohort, None)
    stages = report.funnel.stages
    chart = {
        "steps": [s.stage for s in stages] + ["Won"],
        "reached": [s.reached for s in stages] + [report.funnel.won],
    }
    cohort_select = "".join(
        f'<option value="{c.value}"{" selected" if c is cohort else ""}>{c.value.title()}</option>'
        for c in Cohort
    )
    return render(
        request,
        "funnel.html",
        web,
        active="funnel",
        report=report,
        meta=report.meta,
        filters=chosen,
        cohort_select=f'<label>Cohort <select name="cohort">{cohort_select}</select></label>',
        chart_json=script_json(chart),
        **filter_choices(session, web),
    )


@router.get("/reports/bottlenecks")
def bottlenecks_page(
    request: Request, session: SessionDep, analytics: AnalyticsDep, web: WebSession
) -> Response:
    web.principal.require(Permission.READ, "view bottlenecks")
    chosen = parse_analytics_filters(request)
    owners = visible_owner_ids(session, web.principal)
    report = analytics.bottlenecks(owners, chosen.request(), Cohort.ACTIVE, None, 25)
    return render(
        request,
        "bottlenecks.html",
        web,
        active="bottlenecks",
        report=report,
        meta=report.meta,
        filters=chosen,
        **filter_choices(session, web),
    )


def forecast_chart(report: ForecastReport, backtest: BacktestReport | None) -> dict[str, Any]:
    """The P10/P50/P90 band per method, the cumulative category roll-up and, when there is
    a backtest, each method's error (WAPE)."""
    banded = [m for m in report.methods if m.p10 is not None and m.p90 is not None]
    return {
        "currency": report.currency,
        "methods": [m.method for m in banded],
        "p10": [m.p10 for m in banded],
        "p50": [m.p50 if m.p50 is not None else m.point for m in banded],
        "p90": [m.p90 for m in banded],
        "points": {m.method: m.point for m in report.methods},
        "categories": [c.category for c in report.categories if c.category != "omitted"],
        "cumulative": [c.cumulative for c in report.categories if c.category != "omitted"],
        "wape": {k: v.wape for k, v in (backtest.methods if backtest else {}).items()},
    }


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name) or default
    if value not in allowed:
        raise ValidationError(f"filter {name}: expected one of {', '.join(allowed)}")
    return value


@router.get("/forecast")
def forecast_page(
    request: Request,
    session: SessionDep,
    forecasts: ForecastsDep,
    clock: ClockDep,
    web: WebSession,
) -> Response:
    web.principal.require(Permission.READ, "view the forecast")
    kind = _choice(request, "period_kind", PERIOD_KINDS, "quarter")
    method = _choice(request, "method", METHODS, "ensemble")
    owners = visible_owner_ids(session, web.principal)
    try:
        report = forecasts.forecast(owners, method=method, period_kind=kind)
    except NoHistoryError as exc:
        return render(request, "forecast.html", web, active="forecast", empty=str(exc))
    backtest: BacktestReport | None
    try:
        backtest = forecasts.backtest(owners, periods=6, kind="month")
    except ValidationError as exc:  # too little dated history: show the forecast alone
        backtest, backtest_note = None, str(exc)
    else:
        backtest_note = ""
    rows = rollup.rollup(session, period=report.period, today=clock.now().date(), owner_ids=owners)
    headline = next(m for m in report.methods if m.method == report.method)
    return render(
        request,
        "forecast.html",
        web,
        active="forecast",
        report=report,
        headline=headline,
        backtest=backtest,
        backtest_note=backtest_note,
        rollup=rows,
        kind=kind,
        kinds=PERIOD_KINDS,
        methods=METHODS,
        chart_json=script_json(forecast_chart(report, backtest)),
    )
