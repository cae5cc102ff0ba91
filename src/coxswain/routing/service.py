"""Routing use cases the adapters call: route a lead, re-route it, explain a decision.

Every function takes the acting :class:`~coxswain.auth.principal.Principal`, never commits,
and takes ``as_of`` (the adapters read the clock). See docs/engines/routing.md.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coxswain.auth.principal import Permission, Principal
from coxswain.leads.models import Lead
from coxswain.matching.service import link_duplicate, merge_duplicate
from coxswain.people.models import User
from coxswain.routing import repository
from coxswain.routing.context import MatchedContext, Plan, match_context, routing_plan
from coxswain.routing.engine.candidates import MEMBER_METHODS
from coxswain.routing.engine.decision import Decision
from coxswain.routing.engine.router import LeadContext, decide
from coxswain.routing.enums import DecisionTrigger
from coxswain.routing.errors import LeadNotFoundError, LeadNotRoutableError
from coxswain.routing.models import RoutingDecision
from coxswain.routing.persistence import UNKNOWN, Actor, StoredDecision, record_decision
from coxswain.routing.repository import LeadRow
from coxswain.routing.rules_store import LoadedRules, active_rules
from coxswain.routing.schemas import (
    CandidateRead,
    DecisionRead,
    Explanation,
    PoolAttemptRead,
    RouteResult,
)
from coxswain.routing.state_loader import LoadedState, load_state, lock_more


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.user_id, principal.label)


def route_lead(
    session: Session,
    actor: Principal,
    lead_id: uuid.UUID,
    *,
    as_of: datetime,
    rules: LoadedRules | None = None,
) -> RouteResult:
    """Route one open, unowned lead and store the decision (idempotent for owned leads).

    The lead row and the pools' rotation rows are locked until the caller commits, so
    concurrent callers never assign a lead twice and round robin stays exact.

    Raises:
        LeadNotFoundError: no such lead (or it was deleted).
        LeadNotRoutableError: the lead is converted or disqualified.
        NoActiveRulesError: nothing published and no ``rules`` given.
    """
    actor.require(Permission.REASSIGN, "route leads")
    lead = repository.lock_lead(session, lead_id)
    if lead is None:
        raise LeadNotFoundError(f"lead {lead_id}: not found")
    if lead.status in repository.CLOSED_STATUSES:
        raise LeadNotRoutableError(f"lead {lead_ref(lead)}: status {lead.status}; not routed")
    if lead.owner_id is not None:
        current = repository.decisions_for(session, lead_id=lead.id, lead_ref=lead_ref(lead))
        owner = session.get(User, lead.owner_id)
        message = f"already owned by {owner.email if owner else lead.owner_id}; nothing changed"
        return RouteResult(
            routed=False, message=message, decision=_read(current[0]) if current else None
        )
    loaded = rules or active_rules(session, lead.rules_head)
    row = route_locked(session, lead, loaded, as_of=as_of, actor=actor_of(actor))
    return RouteResult(routed=True, message=row.reason, decision=_read(row))


def lead_ref(lead: Lead | LeadRow) -> str:
    return lead.external_id or str(lead.id)


def route_locked(
    session: Session,
    lead: LeadRow,
    loaded: LoadedRules,
    *,
    as_of: datetime,
    actor: Actor,
    trigger: str = DecisionTrigger.ROUTE.value,
    exclude: frozenset[str] = frozenset(),
    pool: str | None = None,
    reason: str | None = None,
    previous_decision: uuid.UUID | str | None = UNKNOWN,
) -> StoredDecision:
    """Decide and store for a lead the caller has locked (``pool`` set: re-route within it).

    Only the first pool of the lead's chain is locked up front; a decision that falls back
    to another pool locks that one too and is made again (see :func:`_decide_locked`).
    """
    fields = lead.fields
    matched = match_context(session, loaded.compiled, fields, lead.id)
    context = dataclasses.replace(matched.context, exclude=exclude, pool=pool, reason=reason)
    plan = routing_plan(loaded.compiled, fields, context)
    first = plan.pools[:1]
    reps = (plan.reps - set().union(*plan.pool_reps.values())) | exclude
    reps |= plan.pool_reps[first[0]] if first else set()
    rotating = bool(first) and loaded.compiled.pools[first[0]].method in MEMBER_METHODS
    loaded_state = load_state(
        session, pools=first, reps=reps, as_of=as_of, lock=True,
        open_leads=plan.open_leads, capped_members=plan.capped_members, one_statement=rotating,
    )  # fmt: skip
    decision = _decide_locked(
        session, loaded, loaded_state, plan, fields, lead_ref(lead), context, as_of
    )
    decision = _handle_duplicate(session, lead, matched, decision, as_of, actor, pool is None)
    return record_decision(
        session, decision, lead=lead, loaded=loaded, loaded_state=loaded_state,
        trigger=trigger, actor=actor, previous_decision=previous_decision,
    )  # fmt: skip


def _decide_locked(
    session: Session,
    loaded: LoadedRules,
    loaded_state: LoadedState,
    plan: Plan,
    fields: dict[str, Any],
    ref: str,
    context: LeadContext,
    as_of: datetime,
) -> Decision:
    """Decide with the first pool locked; when the decision lands in a fallback pool, lock
    that pool too, re-read it and decide again (fallbacks form no cycle: no deadlock)."""
    decision = decide(
        loaded.compiled, fields, loaded_state.state, as_of=as_of, lead_ref=ref, context=context
    )
    for _ in plan.pools:
        pool = decision.rotation.pool if decision.rotation is not None else None
        if pool is None or pool in loaded_state.locked:
            break
        lock_more(session, loaded_state, pool, plan.pool_reps[pool], as_of, plan.capped_members)
        decision = decide(
            loaded.compiled, fields, loaded_state.state, as_of=as_of, lead_ref=ref, context=context
        )
    return decision


def _handle_duplicate(
    session: Session,
    row: LeadRow,
    matched: MatchedContext,
    decision: Decision,
    as_of: datetime,
    actor: Actor,
    first_routing: bool,
) -> Decision:
    """Link (or merge, as configured) a lead to the open lead it duplicates; never drop it."""
    original, matched_on = matched.original, matched.matched_on
    if original is None or matched_on is None or not first_routing:
        return decision
    lead = session.get(Lead, row.id)
    assert lead is not None  # locked by the caller
    if matched.merge:
        merge_duplicate(
            session, lead=lead, original=original, matched_on=matched_on, at=as_of,
            actor_label=actor.label, actor_id=actor.user_id,
        )  # fmt: skip
        step = f"merged into lead {lead_ref(original)} (same {matched_on})"
        return dataclasses.replace(decision, step_facts=(*decision.step_facts, step))
    link_duplicate(
        session, lead=lead, original=original, matched_on=matched_on, at=as_of,
        actor_label=actor.label,
    )  # fmt: skip
    return decision


def explain_lead(session: Session, actor: Principal, reference: str) -> Explanation:
    """The current decision about a lead (by id, external id or batch reference) and its
    history; notes an owner changed outside routing since.

    Raises:
        LeadNotFoundError: no decision names that lead.
    """
    actor.require(Permission.READ, "read routing decisions")
    lead = repository.find_lead(session, reference)
    ref = lead_ref(lead) if lead is not None else reference
    rows = repository.decisions_for(session, lead_id=lead.id if lead else None, lead_ref=ref)
    if not rows and lead is not None and ref != reference:
        rows = repository.decisions_for(session, lead_id=None, lead_ref=reference)
    if not rows:
        raise LeadNotFoundError(f"no routing decision for lead {reference!r}")
    current = next((row for row in rows if row.is_current), rows[0])
    owner_email, note = None, None
    if lead is not None:
        owner = session.get(User, lead.owner_id) if lead.owner_id else None
        owner_email = owner.email if owner else None
        if lead.owner_id != current.owner_id:
            note = f"the owner changed after routing: now {owner_email or 'nobody'}"
    return Explanation(
        lead_ref=ref,
        lead_id=lead.id if lead else None,
        current=_read(current),
        history=[_read(row) for row in rows],
        current_owner_email=owner_email,
        note=note,
    )


def _read(row: RoutingDecision | StoredDecision) -> DecisionRead:
    explanation = row.explanation or {}
    attempts = [
        PoolAttemptRead(
            pool=a["pool"], method=a["method"], outcome=a["outcome"],
            candidates=[CandidateRead(**c) for c in a["candidates"]],
        )
        for a in explanation.get("attempts", [])
    ]  # fmt: skip
    return DecisionRead(
        id=row.id, lead_id=row.lead_id, lead_ref=row.lead_ref, trigger=row.trigger,
        outcome=row.outcome, owner_id=row.owner_id, owner_email=row.owner_email,
        queue=row.queue_name, rule=row.rule_name, pool=row.pool_name, method=row.method,
        reason=row.reason, steps=list(explanation.get("steps", [])), attempts=attempts,
        territories=list(explanation.get("territories", [])),
        account=explanation.get("account"), duplicate_of=explanation.get("duplicate_of"),
        pool_sequence=row.pool_sequence, rules_sha256=row.rules_sha256,
        decided_at=row.decided_at, is_current=row.is_current, actor_label=row.actor_label,
    )  # fmt: skip


read_decision = _read
