"""Detect SLA breaches and carry out each policy's escalation steps, once each.

A breach is stored once per lead, milestone and clock (a reassigned lead starts a new accept
clock). Each step fires when ``after`` business time has passed since the deadline, and at
most once per breach. Actions:

- ``notify``: a notification row for the owner, their manager (else their team's manager) or
  named users.
- ``reassign``: route the lead again within its pool (else through the rules), excluding
  the current owner and every earlier owner who breached on this lead; nobody eligible → the
  pool's fallback, as in normal routing.
- ``return_to_queue``: the lead loses its owner and waits in the step's queue (default: the
  rules' fallback queue).

After an action that moves the lead, its later steps wait for the next run (the new owner's
clock governs them).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.auth.principal import Permission, Principal
from coxswain.leads.sla_models import SlaBreach, SlaEscalation
from coxswain.routing.errors import NoActiveRulesError
from coxswain.routing.rules_store import LoadedRules, active_rules
from coxswain.sla import repository
from coxswain.sla.actions import StepContext, execute_step
from coxswain.sla.engine.calendar import BusinessCalendar
from coxswain.sla.engine.evaluation import MilestoneStatus
from coxswain.sla.engine.policies import Policy
from coxswain.sla.schemas import EscalationRead, EscalationReport
from coxswain.sla.service import CalendarBook, evaluate_facts, sla_setup

OPEN_STATUSES = ("new", "mql", "accepted")


def run_escalations(
    session: Session,
    actor: Principal,
    *,
    as_of: datetime,
    rules: LoadedRules | None = None,
) -> EscalationReport:
    """Check every open lead at ``as_of``; store new breaches and run due escalation steps."""
    actor.require(Permission.REASSIGN, "escalate SLA breaches")
    routing = rules if rules is not None else _published(session)
    setup = sla_setup(session, routing)
    book = CalendarBook(session, setup.sla)
    leads = repository.leads_in_window(session, since=None, until=None, statuses=OPEN_STATUSES)
    facts_list = repository.facts_for(session, leads)
    breaches = _existing_breaches(session, [f.lead.id for f in facts_list])
    done = _executed_steps(session, [b.id for b in breaches.values()])
    actions: list[EscalationRead] = []
    open_count, new_count = 0, 0
    for facts in facts_list:
        policy, statuses = evaluate_facts(setup, book, facts, as_of)
        for status in statuses:
            if status.state != "breached" or policy is None:
                continue
            open_count += 1
            assert status.started_at is not None  # a breached clock has started
            key = (facts.lead.id, status.milestone, status.started_at)
            breach = breaches.get(key)
            if breach is None:
                breach = breaches[key] = _new_breach(session, facts, policy, status, as_of)
                new_count += 1
            ctx = StepContext(session, actor, routing, facts, policy, status, breach, as_of)
            calendar = book.for_policy(policy, facts.owner_email)
            moved = _run_steps(ctx, calendar, done.setdefault(breach.id, set()), actions)
            if moved:
                break
    session.flush()
    return EscalationReport(
        as_of=as_of, leads_checked=len(facts_list), breaches_open=open_count,
        new_breaches=new_count, actions=actions,
    )  # fmt: skip


def _published(session: Session) -> LoadedRules | None:
    try:
        return active_rules(session)
    except NoActiveRulesError:
        return None


def _run_steps(
    ctx: StepContext, calendar: BusinessCalendar, done: set[int], actions: list[EscalationRead]
) -> bool:
    """Run the breach's due, not yet executed steps; True when one moved the lead."""
    assert ctx.status.due_at is not None
    for step in ctx.policy.escalations:
        if step.milestone != ctx.status.milestone or step.step in done:
            continue
        fire_at = calendar.add(ctx.status.due_at, step.after)
        if fire_at > ctx.as_of:
            continue
        outcome, decision_id, moved = execute_step(ctx, step)
        ctx.session.add(
            SlaEscalation(
                breach_id=ctx.breach.id, step=step.step, action=step.action,
                executed_at=ctx.as_of, outcome=outcome[:500], decision_id=decision_id,
            )
        )  # fmt: skip
        done.add(step.step)
        actions.append(
            EscalationRead(
                lead_ref=ctx.facts.lead.external_id or str(ctx.facts.lead.id),
                milestone=ctx.status.milestone, policy=ctx.policy.name, step=step.step,
                action=step.action, outcome=outcome,
            )
        )  # fmt: skip
        if moved:
            return True
    return False


def _new_breach(
    session: Session,
    facts: repository.LeadFacts,
    policy: Policy,
    status: MilestoneStatus,
    as_of: datetime,
) -> SlaBreach:
    assert status.started_at is not None
    assert status.due_at is not None
    breach = SlaBreach(
        lead_id=facts.lead.id, milestone=status.milestone, policy_name=policy.name,
        owner_id=facts.lead.owner_id, clock_started_at=status.started_at,
        due_at=status.due_at, detected_at=as_of,
    )  # fmt: skip
    session.add(breach)
    session.flush()
    return breach


def _existing_breaches(
    session: Session, lead_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, str, datetime], SlaBreach]:
    found: dict[tuple[uuid.UUID, str, datetime], SlaBreach] = {}
    for start in range(0, len(lead_ids), repository.CHUNK):
        rows = session.scalars(
            select(SlaBreach).where(
                SlaBreach.lead_id.in_(lead_ids[start : start + repository.CHUNK])
            )
        )
        for row in rows:
            found[(row.lead_id, row.milestone, row.clock_started_at)] = row
    return found


def _executed_steps(session: Session, breach_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, set[int]]:
    done: dict[uuid.UUID, set[int]] = {}
    for start in range(0, len(breach_ids), repository.CHUNK):
        rows = session.execute(
            select(SlaEscalation.breach_id, SlaEscalation.step).where(
                SlaEscalation.breach_id.in_(breach_ids[start : start + repository.CHUNK])
            )
        )
        for breach_id, step in rows:
            done.setdefault(breach_id, set()).add(step)
    return done
