"""``/routing``: route a lead, explain a decision; the rule set, its versions, drafts checked
and simulated before they are published.

Thin adapter over ``coxswain.routing``. Routing a lead needs the right to reassign (managers,
sales ops, admins); reading rules needs read access; routing or explaining a lead the caller
may not see answers 404. Checking, simulating and publishing a draft need the right to
configure routing (sales ops, admins): reps and managers cannot edit rules.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as FastPath

from coxswain.api.deps import ClockDep, CurrentUser, SessionDep
from coxswain.api.errors import CREATED
from coxswain.api.schemas import ERROR_RESPONSES
from coxswain.auth.principal import Permission
from coxswain.leads.service import get_lead
from coxswain.routing.drafts import (
    check_draft,
    publish_draft,
    rule_set_detail,
    rule_set_versions,
    simulate_draft,
)
from coxswain.routing.schemas import (
    Explanation,
    RouteResult,
    RulesDraft,
    RuleSetDetail,
    RuleSetRead,
    RulesValidation,
    SimulationReport,
    SimulationRequest,
)
from coxswain.routing.service import explain_lead, route_lead

router = APIRouter(prefix="/routing", tags=["routing"], responses=ERROR_RESPONSES)


@router.post("/leads/{lead_id}/route", response_model=RouteResult)
def route(
    session: SessionDep, clock: ClockDep, user: CurrentUser, lead_id: uuid.UUID
) -> RouteResult:
    """Route one unowned lead with the published rules; the decision is stored and explained.
    Reps answer 403; a lead the caller may not see answers 404 (unowned leads are seen by
    sales ops and admins)."""
    user.require(Permission.REASSIGN, "route leads")
    get_lead(session, user, lead_id)
    return route_lead(session, user, lead_id, as_of=clock.now())


@router.get("/leads/{lead_id}/explain", response_model=Explanation)
def explain(session: SessionDep, user: CurrentUser, lead_id: uuid.UUID) -> Explanation:
    """Why the lead went where it went: the matched rule, the pool, the candidates."""
    get_lead(session, user, lead_id)
    return explain_lead(session, user, str(lead_id))


@router.get("/rules", response_model=RuleSetDetail)
def current_rules(session: SessionDep, user: CurrentUser) -> RuleSetDetail:
    """The published, active rule set with its document (404 when nothing is published)."""
    return rule_set_detail(session, user, None)


@router.get("/rules/versions", response_model=list[RuleSetRead])
def versions(session: SessionDep, user: CurrentUser) -> list[RuleSetRead]:
    """Every published version, newest first."""
    return rule_set_versions(session, user)


@router.get("/rules/versions/{version}", response_model=RuleSetDetail)
def version_detail(
    session: SessionDep, user: CurrentUser, version: Annotated[int, FastPath(ge=1, le=2**31 - 1)]
) -> RuleSetDetail:
    return rule_set_detail(session, user, version)


@router.post("/rules/validate", response_model=RulesValidation)
def validate_draft(session: SessionDep, user: CurrentUser, draft: RulesDraft) -> RulesValidation:
    """Check a draft (``yaml`` text or a parsed ``document``) without storing it.

    Answers 200 either way: ``valid`` is false with the one-line ``error``, the ``where``
    (item or key) and, for YAML text, the ``line`` at fault.
    """
    return check_draft(session, user, draft).validation


@router.post("/rules/simulate", response_model=SimulationReport)
def simulate(
    session: SessionDep, clock: ClockDep, user: CurrentUser, body: SimulationRequest
) -> SimulationReport:
    """Replay the leads received in the last ``days`` under the draft and under the published
    rules: each rep's share and load, per rule and queue, and how many owners would change.
    Nothing is written. An invalid draft answers 422."""
    return simulate_draft(session, user, body, as_of=clock.now(), days=body.days, limit=body.limit)


@router.post("/rules/publish", response_model=RuleSetRead, status_code=CREATED)
def publish(
    session: SessionDep, clock: ClockDep, user: CurrentUser, draft: RulesDraft
) -> RuleSetRead:
    """Validate the draft and make it the next, active version (422 when it is invalid)."""
    return publish_draft(session, user, draft, at=clock.now())
