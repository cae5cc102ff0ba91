"""The three escalation actions: notify, reassign, return to queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.auth.principal import Principal
from coxswain.leads.sla_models import SlaBreach, SlaNotification
from coxswain.people.models import Team, User
from coxswain.routing import repository as routing_repository
from coxswain.routing.engine.decision import Decision
from coxswain.routing.engine.state import RoutingState
from coxswain.routing.enums import DecisionTrigger
from coxswain.routing.persistence import Actor, record_decision
from coxswain.routing.rules_store import LoadedRules
from coxswain.routing.service import lead_ref, route_locked
from coxswain.routing.state_loader import LoadedState
from coxswain.sla import repository
from coxswain.sla.engine.durations import format_duration
from coxswain.sla.engine.evaluation import MilestoneStatus
from coxswain.sla.engine.policies import Escalation, Policy

VERBS = {"accept": "accepted", "first_touch": "touched"}


@dataclass(frozen=True, slots=True)
class StepContext:
    session: Session
    actor: Principal
    routing: LoadedRules | None
    facts: repository.LeadFacts
    policy: Policy
    status: MilestoneStatus
    breach: SlaBreach
    as_of: datetime

    @property
    def describe(self) -> str:
        due = self.status.due_at
        when = f"{due:%Y-%m-%d %H:%M} UTC" if due else "?"
        return (
            f"SLA breach: lead {lead_ref(self.facts.lead)} not {VERBS[self.status.milestone]} "
            f"by {when} ({self.policy.name}, within {format_duration(self.status.target)})"
        )


def execute_step(ctx: StepContext, step: Escalation) -> tuple[str, uuid.UUID | None, bool]:
    """Carry out ``step``: ``(outcome text, decision id, whether the lead moved)``."""
    if step.action == "notify":
        return _notify(ctx, step), None, False
    if ctx.routing is None:
        return f"skipped {step.action}: no routing rules are published", None, False
    if step.action == "reassign":
        return _reassign(ctx)
    return _return_to_queue(ctx, step)


def _notify(ctx: StepContext, step: Escalation) -> str:
    recipients = _recipients(ctx.session, ctx.facts.lead.owner_id, step.notify)
    for user_id in recipients:
        ctx.session.add(
            SlaNotification(
                recipient_id=user_id, lead_id=ctx.facts.lead.id, breach_id=ctx.breach.id,
                kind=f"sla_{ctx.status.milestone}", message=ctx.describe[:1000],
                created_at=ctx.as_of,
            )
        )  # fmt: skip
    if not recipients:
        return "notified nobody (no owner, manager or named user found)"
    return f"notified {len(recipients)} user(s)"


def _recipients(
    session: Session, owner_id: uuid.UUID | None, targets: tuple[str, ...]
) -> list[uuid.UUID]:
    found: list[uuid.UUID] = []
    owner = session.get(User, owner_id) if owner_id else None
    for target in targets:
        if target == "owner" and owner is not None:
            found.append(owner.id)
        elif target == "manager" and owner is not None:
            manager = owner.manager_id
            if manager is None and owner.team_id is not None:
                team = session.get(Team, owner.team_id)
                manager = team.manager_id if team else None
            if manager is not None:
                found.append(manager)
        elif "@" in target:
            user_id = session.scalar(select(User.id).where(User.email == target))
            if user_id is not None:
                found.append(user_id)
    return list(dict.fromkeys(found))


def _breached_owners(ctx: StepContext) -> frozenset[str]:
    """E-mails of everyone who breached on this lead (they should not get it back)."""
    rows = ctx.session.scalars(
        select(User.email)
        .join(SlaBreach, SlaBreach.owner_id == User.id)
        .where(SlaBreach.lead_id == ctx.facts.lead.id)
    )
    owners = {email.casefold() for email in rows}
    if ctx.facts.owner_email:
        owners.add(ctx.facts.owner_email.casefold())
    return frozenset(owners)


def _reassign(ctx: StepContext) -> tuple[str, uuid.UUID | None, bool]:
    assert ctx.routing is not None
    lead = routing_repository.lock_lead(ctx.session, ctx.facts.lead.id)
    if lead is None:
        return "skipped reassign: the lead is gone", None, False
    decision = ctx.facts.decision
    pool = (
        decision.pool_name
        if decision and decision.pool_name in ctx.routing.compiled.pools
        else None
    )
    row = route_locked(
        ctx.session, lead, ctx.routing, as_of=ctx.as_of,
        actor=Actor(ctx.actor.user_id, ctx.actor.label),
        trigger=DecisionTrigger.REASSIGN.value, exclude=_breached_owners(ctx), pool=pool,
        reason=ctx.describe,
    )  # fmt: skip
    target = row.owner_email or f"queue {row.queue_name!r}"
    return f"reassigned to {target}", row.id, True


def _return_to_queue(ctx: StepContext, step: Escalation) -> tuple[str, uuid.UUID | None, bool]:
    assert ctx.routing is not None
    lead = routing_repository.lock_lead(ctx.session, ctx.facts.lead.id)
    if lead is None:
        return "skipped return to queue: the lead is gone", None, False
    queue = step.queue or ctx.routing.compiled.fallback_queue
    decision = Decision(
        lead_ref=lead_ref(lead), decided_at=ctx.as_of, owner=None, queue=queue, rule=None,
        rule_index=None, pool=None, method="queue", why=f"{ctx.describe}; returned to {queue!r}",
        step_facts=(ctx.describe, f"escalation step {step.step}: return to queue {queue!r}"),
    )  # fmt: skip
    row = record_decision(
        ctx.session, decision, lead=lead, loaded=ctx.routing,
        loaded_state=LoadedState(RoutingState(), {}),
        trigger=DecisionTrigger.RETURN_TO_QUEUE.value,
        actor=Actor(ctx.actor.user_id, ctx.actor.label),
    )  # fmt: skip
    return f"returned to queue {queue!r}", row.id, True
