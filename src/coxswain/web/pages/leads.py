"""The leads queue with SLA timers, and the routing page (rules and a simulation)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from coxswain.api.deps import ClockDep, SessionDep
from coxswain.auth.listing import PageParams
from coxswain.core.enums import LeadStatus
from coxswain.leads import service
from coxswain.leads.assignment import FIRST_TOUCH_SLA, suggest_owner
from coxswain.leads.schemas import LeadFilters, LeadUpdate
from coxswain.web.deps import CsrfSession, WebSession, render

router = APIRouter(include_in_schema=False)


def _queue(
    request: Request,
    session: SessionDep,
    web: WebSession,
    clock: ClockDep,
    message: str | None = None,
) -> Response:
    show = request.query_params.get("show", "unworked")
    filters = LeadFilters(unworked=True) if show == "unworked" else LeadFilters()
    offset = max(0, int(request.query_params.get("offset", "0") or 0))
    page = service.list_leads(
        session,
        web.principal,
        filters,
        PageParams(limit=50, offset=offset, sort="received_at" if show == "unworked" else None),
    )
    now = clock.now()
    rows = []
    for lead in page.items:
        due = lead.received_at + FIRST_TOUCH_SLA if lead.received_at else None
        rows.append((lead, due, (due - now).total_seconds() if due else None))
    template = "leads_partial.html" if request.headers.get("hx-request") else "leads.html"
    return render(
        request,
        template,
        web,
        active="leads",
        page=page,
        rows=rows,
        show=show,
        now=now,
        sla_hours=FIRST_TOUCH_SLA / timedelta(hours=1),
        message=message,
    )


@router.get("/leads")
def leads_queue(
    request: Request, session: SessionDep, clock: ClockDep, web: WebSession
) -> Response:
    return _queue(request, session, web, clock)


@router.post("/leads/{lead_id}/touch")
def mark_contacted(
    request: Request, session: SessionDep, clock: ClockDep, web: CsrfSession, lead_id: uuid.UUID
) -> Response:
    """Accept the lead: records the first touch and stops its SLA timer."""
    lead = service.update_lead(
        session, web.principal, lead_id, LeadUpdate(status=LeadStatus.ACCEPTED), clock=clock
    )
    return _queue(
        request,
        session,
        web,
        clock,
        message=f"{lead.first_name or ''} {lead.last_name or ''} accepted.",
    )


@router.get("/routing")
def routing_page(request: Request, session: SessionDep, web: WebSession) -> Response:
    page = service.list_leads(
        session, web.principal, LeadFilters(unworked=True), PageParams(limit=25)
    )
    return render(request, "routing.html", web, active="routing", leads=page.items, decision=None)


@router.post("/routing/simulate")
def simulate(
    request: Request, session: SessionDep, web: CsrfSession, lead_id: Annotated[uuid.UUID, Form()]
) -> Response:
    """Who would get this lead, and why (nothing is assigned)."""
    decision = suggest_owner(session, web.principal, lead_id)
    page = service.list_leads(
        session, web.principal, LeadFilters(unworked=True), PageParams(limit=25)
    )
    return render(
        request, "routing.html", web, active="routing", leads=page.items, decision=decision
    )
