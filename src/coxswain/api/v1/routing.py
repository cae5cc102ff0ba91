"""``/routing``: route a lead with the published rules, and explain a routing decision.

Thin adapter over ``coxswain.routing.service`` (the routing engineer's domain): routing needs
the right to reassign (managers, sales ops, admins); explaining needs read access.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from coxswain.api.deps import ClockDep, CurrentUser, SessionDep
from coxswain.api.schemas import ERROR_RESPONSES
from coxswain.leads.service import get_lead
from coxswain.routing.schemas import Explanation, RouteResult
from coxswain.routing.service import explain_lead, route_lead

router = APIRouter(prefix="/routing", tags=["routing"], responses=ERROR_RESPONSES)


@router.post("/leads/{lead_id}/route", response_model=RouteResult)
def route(
    session: SessionDep, clock: ClockDep, user: CurrentUser, lead_id: uuid.UUID
) -> RouteResult:
    """Route one unowned lead with the published rules; the decision is stored and explained."""
    return route_lead(session, user, lead_id, as_of=clock.now())


@router.get("/leads/{lead_id}/explain", response_model=Explanation)
def explain(session: SessionDep, user: CurrentUser, lead_id: uuid.UUID) -> Explanation:
    """Why the lead went where it went: the matched rule, the pool, the candidates."""
    get_lead(session, user, lead_id)
    return explain_lead(session, user, str(lead_id))
