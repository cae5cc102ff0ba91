"""The leads queue with SLA timers, a lead's page (clocks, routing explanation, account match)
and the steps that stop the clocks (accept, first touch) or route an unowned lead."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError

from coxswain.api.deps import ClockDep, SessionDep
from coxswain.api.errors import SEE_OTHER
from coxswain.auth.principal import Permission
from coxswain.core.errors import ValidationError
from coxswain.leads.service import get_lead
from coxswain.matching.service import match_lead
from coxswain.routing.errors import LeadNotFoundError
from coxswain.routing.schemas import Explanation
from coxswain.routing.service import explain_lead, route_lead
from coxswain.sla import handoff
from coxswain.sla.board import QueueQuery, lead_queue
from coxswain.sla.service import lead_sla
from coxswain.web.deps import CsrfSession, WebSession, render

router = APIRouter(include_in_schema=False)
QUERY_KEYS = ("show", "breach", "queue", "owner_id", "unassigned", "sort", "offset")


def _query(request: Request) -> QueueQuery:
    raw = {k: v for k in QUERY_KEYS if (v := request.query_params.get(k)) not in (None, "")}
    try:
        return QueueQuery.model_validate(raw)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise ValidationError(f"{first['loc'][0]}: {first['msg']}") from None


def _link(query: QueueQuery, **changes: Any) -> str:
    values = query.model_dump(exclude_defaults=True) | changes
    values = {k: v for k, v in values.items() if v not in (None, "", False)}
    values.pop("limit", None)
    return "/leads" + (f"?{urlencode(values)}" if values else "")


def _queue(
    request: Request,
    session: SessionDep,
    web: WebSession,
    clock: ClockDep,
    message: str | None = None,
) -> Response:
    query = _query(request)
    now = clock.now()
    board = lead_queue(session, web.principal, query, as_of=now)
    template = "leads_partial.html" if request.headers.get("hx-request") else "leads.html"
    return render(
        request, template, web, active="leads", board=board, query=query, now=now,
        link=lambda **changes: _link(query, **changes), message=message,
        here=_link(query), qs=_link(query).removeprefix("/leads"),
    )  # fmt: skip


@router.get("/leads")
def leads_queue(
    request: Request, session: SessionDep, clock: ClockDep, web: WebSession
) -> Response:
    return _queue(request, session, web, clock)


@router.post("/leads/{lead_id}/accept")
def accept(
    request: Request, session: SessionDep, clock: ClockDep, web: CsrfSession, lead_id: uuid.UUID
) -> Response:
    """The owner takes the lead: stops its accept timer."""
    lead = handoff.accept_lead(session, web.principal, lead_id, at=clock.now())
    name = f"{lead.first_name or ''} {lead.last_name or ''}".strip() or str(lead.id)
    return _queue(request, session, web, clock, message=f"{name} accepted.")


@router.post("/leads/{lead_id}/touch")
def first_touch(
    request: Request, session: SessionDep, clock: ClockDep, web: CsrfSession, lead_id: uuid.UUID
) -> Response:
    """The first call or e-mail: stops the first-touch timer (and accepts the lead if needed)."""
    lead = handoff.record_first_touch(session, web.principal, lead_id, at=clock.now())
    name = f"{lead.first_name or ''} {lead.last_name or ''}".strip() or str(lead.id)
    return _queue(request, session, web, clock, message=f"First touch of {name} recorded.")


def _explanation(session: SessionDep, web: WebSession, lead_id: uuid.UUID) -> Explanation | None:
    try:
        return explain_lead(session, web.principal, str(lead_id))
    except LeadNotFoundError:
        return None


@router.get("/leads/{lead_id}")
def lead_page(
    request: Request, session: SessionDep, clock: ClockDep, web: WebSession, lead_id: uuid.UUID
) -> Response:
    """One lead: its SLA timers, why it was routed where it was, the account it matches."""
    lead = get_lead(session, web.principal, lead_id)
    sla = lead_sla(session, web.principal, [lead_id], as_of=clock.now())
    return render(
        request, "lead.html", web, active="leads", lead=lead, sla=sla[0] if sla else None,
        explanation=_explanation(session, web, lead_id),
        match=match_lead(session, web.principal, lead_id),
        can_route=web.principal.can(Permission.REASSIGN),
        message=request.query_params.get("message"),
    )  # fmt: skip


@router.post("/leads/{lead_id}/route")
def route(session: SessionDep, clock: ClockDep, web: CsrfSession, lead_id: uuid.UUID) -> Response:
    """Route an unowned lead with the published rules, then show its page."""
    web.principal.require(Permission.REASSIGN, "route leads")
    get_lead(session, web.principal, lead_id)
    result = route_lead(session, web.principal, lead_id, as_of=clock.now())
    message = urlencode({"message": result.message})
    return RedirectResponse(f"/leads/{lead_id}?{message}", status_code=SEE_OTHER)
