"""The funnel and bottlenecks pages, driven by the analytics service (the same figures as
``coxswain report funnel|bottlenecks``), for what the user may see. The forecast page is
:mod:`coxswain.web.pages.forecast`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from coxswain.analytics.engine.funnel import Cohort
from coxswain.api.deps import AnalyticsDep, SessionDep
from coxswain.auth.principal import Permission
from coxswain.auth.visibility import visible_owner_ids
from coxswain.core.errors import ValidationError
from coxswain.web.choices import filter_choices
from coxswain.web.deps import WebSession, render
from coxswain.web.pages.dashboard import parse_analytics_filters, script_json

router = APIRouter(include_in_schema=False)


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
        **filter_choices(request, session, web),
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
        **filter_choices(request, session, web),
    )
