"""``/kpis``, ``/reports/funnel`` and ``/reports/bottlenecks``: the analytics service
(the same definitions as ``coxswain kpis`` and ``coxswain report``) over what the caller sees.

A rep's figures cover their own deals, leads and activities; a manager's, their subtree;
sales ops, finance and admins, everything. Company targets and stored forecasts only feed
the KPIs of callers who see everything (coverage and forecast accuracy are null otherwise).
Results are cached for 30 s per visibility and query (see ``coxswain.analytics.live``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.funnel import Cohort
from coxswain.analytics.requests import FilterInput, ReportRequest
from coxswain.api.deps import AnalyticsDep, CurrentUser, SessionDep
from coxswain.api.schemas import ERROR_RESPONSES, json_body
from coxswain.auth.principal import Permission
from coxswain.auth.visibility import visible_owner_ids

router = APIRouter(tags=["analytics"], responses=ERROR_RESPONSES)

Names = Annotated[list[str] | None, Query(description="Repeat to keep several (names).")]


class KpiEntry(BaseModel):
    """One KPI, as ``coxswain kpis --json`` prints it."""

    model_config = ConfigDict(extra="allow")

    value: float | None
    previous: float | None
    change: float | None
    unit: str
    label: str
    by: dict[str, float | None] | None = Field(default=None, description="when `by` is given")


async def report_request(
    start: Annotated[
        date | None, Query(alias="from", description="First day (default: 12 months to as-of).")
    ] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day.")] = None,
    rep: Names = None,
    team: Names = None,
    region: Names = None,
    territory: Names = None,
    product: Names = None,
    segment: Names = None,
    source: Names = None,
    deal_type: Annotated[list[str] | None, Query(alias="type")] = None,
) -> ReportRequest:
    """The period and filters, as ``coxswain kpis --from/--to/--rep/--team/...`` take them."""
    filters = FilterInput.of(
        rep=rep,
        team=team,
        region=region,
        territory=territory,
        product=product,
        segment=segment,
        source=source,
        deal_type=deal_type,
    )
    return ReportRequest(start, end, None, filters, True)


RequestDep = Annotated[ReportRequest, Depends(report_request)]


def _public(data: dict[str, Any]) -> dict[str, Any]:
    """A report's JSON without the database location (``meta.source``)."""
    data["meta"].pop("source", None)
    return data


@router.get("/kpis", response_model=None, responses={200: {"model": dict[str, KpiEntry]}})
def kpis(
    session: SessionDep,
    user: CurrentUser,
    analytics: AnalyticsDep,
    request: RequestDep,
    by: Dimension | None = None,
    kpi: Annotated[list[str] | None, Query(description="Only these KPI slugs.")] = None,
    pipeline: Names = None,
) -> Response:
    """Every KPI (or ``kpi=``) for the period and the previous one: the object
    ``coxswain kpis --json`` prints, keyed by KPI slug (definitions: docs/metrics.md)."""
    user.require(Permission.READ, "read KPIs")
    owners = visible_owner_ids(session, user)
    filters = replace(request.filters, pipelines=tuple(pipeline or ()))
    grouped = ReportRequest(request.start, request.end, by, filters, True)
    return json_body(analytics.kpis(owners, grouped, kpi).contract())


@router.get("/reports/funnel", response_model=dict[str, Any])
def funnel(
    session: SessionDep,
    user: CurrentUser,
    analytics: AnalyticsDep,
    request: RequestDep,
    cohort: Cohort = Cohort.CREATED,
    pipeline: Annotated[str | None, Query(description="Default: the one with most deals.")] = None,
) -> Response:
    """Stage-to-stage conversion, drop-off, values and time in stage (``coxswain report
    funnel --json``) for the period and the previous one."""
    user.require(Permission.READ, "read the funnel")
    owners = visible_owner_ids(session, user)
    report = analytics.funnel(owners, request, cohort, pipeline)
    return json_body(_public(report.to_json()))


@router.get("/reports/bottlenecks", response_model=dict[str, Any])
def bottlenecks(
    session: SessionDep,
    user: CurrentUser,
    analytics: AnalyticsDep,
    request: RequestDep,
    cohort: Cohort = Cohort.ACTIVE,
    pipeline: Annotated[str | None, Query(description="Default: the one with most deals.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> Response:
    """Ranked stages where deals stall or are lost, against peers and the previous period
    (``coxswain report bottlenecks --json``)."""
    user.require(Permission.READ, "read bottlenecks")
    owners = visible_owner_ids(session, user)
    report = analytics.bottlenecks(owners, request, cohort, pipeline, limit)
    return json_body(_public(report.to_json()))
