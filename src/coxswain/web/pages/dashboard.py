"""The dashboard: KPI cards, trends and top reps from the analytics service (the same
figures as ``coxswain kpis``), for what the user may see; plus the report filter helpers
the pipeline pages share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError

from coxswain.analytics.live import DASHBOARD_KPIS, DashboardView
from coxswain.analytics.requests import FilterInput, ReportRequest
from coxswain.analytics.schemas import change
from coxswain.api.deps import AnalyticsDep, SessionDep
from coxswain.auth.principal import Permission
from coxswain.auth.visibility import visible_owner_ids
from coxswain.core.errors import ValidationError
from coxswain.opportunities.reporting import ReportFilters
from coxswain.web.choices import filter_choices
from coxswain.web.deps import WebSession, render

router = APIRouter(include_in_schema=False)


def parse_filters(request: Request) -> ReportFilters:
    """Pipeline-board filters from the query string; empty fields mean 'all'."""
    raw = {k: v for k, v in request.query_params.items() if v and k in ReportFilters.model_fields}
    try:
        return ReportFilters(**raw)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise ValidationError(f"filter {first['loc'][0]}: {first['msg']}") from None


@dataclass(frozen=True, slots=True)
class AnalyticsFilters:
    """The analytics filter bar: a period (default: 12 months to the data's as-of date)
    and a team, rep and segment by name (empty: all)."""

    start: date | None = None
    end: date | None = None
    team: str = ""
    rep: str = ""
    segment: str = ""

    def request(self) -> ReportRequest:
        filters = FilterInput(
            reps=(self.rep,) if self.rep else (),
            teams=(self.team,) if self.team else (),
            segments=(self.segment,) if self.segment else (),
        )
        return ReportRequest(self.start, self.end, None, filters, True)


def _day(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name) or None
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"filter {name}: expected a date as YYYY-MM-DD") from None


def parse_analytics_filters(request: Request) -> AnalyticsFilters:
    """The analytics filter bar from the query string (``from``, ``to``, ``team``, ...)."""
    params = request.query_params
    return AnalyticsFilters(
        start=_day(request, "from"),
        end=_day(request, "to"),
        team=params.get("team", "").strip(),
        rep=params.get("rep", "").strip(),
        segment=params.get("segment", "").strip(),
    )


def script_json(data: object) -> str:
    """JSON safe to embed in a ``<script type="application/json">`` (no ``</script>``)."""
    return json.dumps(data).replace("<", "\\u003c")


UNITS = {"money": "money", "ratio": "percent", "days": "days", "count": "count"}


def cards(view: DashboardView) -> list[dict[str, Any]]:
    """One card per dashboard KPI: value, previous, change and how to colour it."""
    out = []
    for slug in DASHBOARD_KPIS:
        item = view.kpis.value(slug)
        value = item.values[0]
        previous = item.values[1] if len(item.values) > 1 else None
        out.append(
            {
                "key": slug,
                "label": item.kpi.label,
                "unit": UNITS.get(item.kpi.unit.value, "count"),
                "value": value,
                "change": change(value, previous),
                "higher_is_better": item.kpi.higher_is_better,
            }
        )
    return out


def dashboard_charts(view: DashboardView) -> dict[str, Any]:
    return {
        "months": view.months,
        "currency": view.kpis.meta.currency,
        "sparklines": {slug: view.trends.get(slug, []) for slug in DASHBOARD_KPIS},
        "won": view.trends.get("won_deals", []),
        "lost": view.trends.get("lost_deals", []),
        "won_value": view.trends.get("won_value", []),
        "created": view.trends.get("created_value", []),
        "reps": [name for name, _ in view.top_reps],
        "rep_values": [value for _, value in view.top_reps],
    }


@router.get("/")
def dashboard_page(
    request: Request, session: SessionDep, analytics: AnalyticsDep, web: WebSession
) -> Response:
    web.principal.require(Permission.READ, "view the dashboard")
    chosen = parse_analytics_filters(request)
    view = analytics.dashboard(visible_owner_ids(session, web.principal), chosen.request())
    return render(
        request,
        "dashboard.html",
        web,
        active="dashboard",
        data=view,
        meta=view.kpis.meta,
        cards=cards(view),
        filters=chosen,
        charts_json=script_json(dashboard_charts(view)),
        **filter_choices(request, session, web),
    )
