"""The dashboard, the funnel report and the forecast page."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError

from coxswain.api.deps import ClockDep, EngineDep, SessionDep
from coxswain.auth.listing import PageParams
from coxswain.core.errors import ValidationError
from coxswain.opportunities.reporting import ReportFilters
from coxswain.opportunities.reports import dashboard
from coxswain.opportunities.views import forecast, funnel
from coxswain.people.schemas import UserFilters
from coxswain.people.service import list_teams, list_users
from coxswain.web.deps import WebSession, render

router = APIRouter(include_in_schema=False)


def parse_filters(request: Request) -> ReportFilters:
    """Report filters from the query string; empty fields mean 'all'."""
    raw = {k: v for k, v in request.query_params.items() if v and k in ReportFilters.model_fields}
    try:
        return ReportFilters(**raw)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise ValidationError(f"filter {first['loc'][0]}: {first['msg']}") from None


def filter_choices(session: Any, web: Any) -> dict[str, Any]:
    """Teams and reps for the filter bar (reps limited to what the user may see)."""
    from coxswain.auth.visibility import visibility_for

    visible = visibility_for(session, web.principal)
    users = list_users(
        session, web.principal, UserFilters(is_active=True), PageParams(limit=200)
    ).items
    reps = [u for u in users if visible.allows(u.id)]
    return {"teams": list_teams(session, web.principal), "reps": reps}


@router.get("/")
def dashboard_page(
    request: Request, session: SessionDep, clock: ClockDep, engine: EngineDep, web: WebSession
) -> Response:
    chosen = parse_filters(request)
    data = dashboard(session, web.principal, chosen, clock=clock, cache_key=str(engine.url))
    charts = {
        "months": data.months,
        "won": data.won_by_month,
        "lost": data.lost_by_month,
        "created": data.created_by_month,
        "currency": data.currency,
        "stages": [s[0] for s in data.open_by_stage],
        "stage_amounts": [s[2] for s in data.open_by_stage],
        "stage_counts": [s[1] for s in data.open_by_stage],
        "sparklines": {c.key: c.sparkline for c in data.cards},
    }
    return render(
        request,
        "dashboard.html",
        web,
        active="dashboard",
        data=data,
        filters=chosen,
        charts_json=json.dumps(charts),
        **filter_choices(session, web),
    )


@router.get("/reports/funnel")
def funnel_page(
    request: Request, session: SessionDep, clock: ClockDep, web: WebSession
) -> Response:
    chosen = parse_filters(request)
    data = funnel(session, web.principal, chosen, today=clock.now().date())
    chart = {"steps": [s.stage for s in data.steps], "reached": [s.reached for s in data.steps]}
    return render(
        request,
        "funnel.html",
        web,
        active="funnel",
        data=data,
        filters=chosen,
        chart_json=json.dumps(chart),
        **filter_choices(session, web),
    )


@router.get("/forecast")
def forecast_page(
    request: Request, session: SessionDep, clock: ClockDep, web: WebSession
) -> Response:
    chosen = parse_filters(request)
    data = forecast(session, web.principal, chosen, today=clock.now().date())
    chart = {
        "rollup": [[name, value] for name, value in data.rollup],
        "range": [data.p10, data.p50, data.p90],
        "months": [m[0] for m in data.months],
        "p10": [m[1] for m in data.months],
        "p50": [m[2] for m in data.months],
        "p90": [m[3] for m in data.months],
        "currency": data.currency,
    }
    return render(
        request,
        "forecast.html",
        web,
        active="forecast",
        data=data,
        filters=chosen,
        chart_json=json.dumps(chart),
        **filter_choices(session, web),
    )
