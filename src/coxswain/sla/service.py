"""SLA use cases: compliance and response time per rep, team and source; one lead's clocks;
the leads waiting in a queue. Reads only; ``as_of`` is passed in.

Policies come from the ``sla:`` section of the given or published routing rules, else the
built-in default (:data:`~coxswain.sla.engine.policies.DEFAULT_SLA`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.auth.principal import Permission, Principal
from coxswain.matching.service import lead_fields
from coxswain.people.models import User
from coxswain.routing.engine.model import CompiledRules
from coxswain.routing.engine.router import prepare_facts
from coxswain.routing.errors import NoActiveRulesError
from coxswain.routing.models import RoutingDecision
from coxswain.routing.rules_store import LoadedRules, active_rules
from coxswain.sla import repository
from coxswain.sla.engine.calendar import BusinessCalendar, parse_spans
from coxswain.sla.engine.evaluation import LeadClock, MilestoneStatus, evaluate
from coxswain.sla.engine.policies import DEFAULT_SLA, OWNER_CALENDAR, CompiledSla, Policy
from coxswain.sla.engine.report import Evaluated, GroupSummary, MilestoneSummary, summarize
from coxswain.sla.schemas import (
    LeadSla,
    MilestoneRead,
    MilestoneTotals,
    QueuedLead,
    QueueStatus,
    SlaGroupRow,
    SlaReport,
)

CLOSING_COLUMNS = ("converted_at", "disqualified_at", "recycled_at")


@dataclass(frozen=True, slots=True)
class SlaSetup:
    """The policies in force and the compiled rules their conditions were compiled with."""

    sla: CompiledSla
    rules: CompiledRules | None
    source: str


def sla_setup(session: Session, rules: LoadedRules | None = None) -> SlaSetup:
    """Policies from ``rules``, else the published rules, else the built-in default."""
    if rules is None:
        try:
            rules = active_rules(session)
        except NoActiveRulesError:
            rules = None
    if rules is not None and rules.compiled.sla is not None:
        return SlaSetup(rules.compiled.sla, rules.compiled, f"{rules.source} (sla section)")
    return SlaSetup(DEFAULT_SLA, None, "built-in default (accept 8h, first touch 24h)")


class CalendarBook:
    """Business calendars by name, plus one per owner built from their working hours."""

    def __init__(self, session: Session, sla: CompiledSla) -> None:
        self.sla = sla
        self._owners: dict[str | None, BusinessCalendar] = {}
        self._users = {
            row[0].casefold(): (row[1], row[2])
            for row in session.execute(select(User.email, User.time_zone, User.working_hours))
        }

    def for_policy(self, policy: Policy, owner_email: str | None) -> BusinessCalendar:
        if policy.calendar != OWNER_CALENDAR:
            return self.sla.calendars[policy.calendar]
        key = owner_email.casefold() if owner_email else None
        calendar = self._owners.get(key)
        if calendar is None:
            zone, hours = self._users.get(key or "", ("UTC", None))
            calendar = BusinessCalendar(f"owner {key}", zone or "UTC", parse_spans(hours))
            self._owners[key] = calendar
        return calendar


def clock_of(facts: repository.LeadFacts) -> LeadClock:
    lead = facts.lead
    touches = [t for t in (lead.first_touch_at, facts.first_activity_at) if t is not None]
    closings = [getattr(lead, c) for c in CLOSING_COLUMNS if getattr(lead, c) is not None]
    return LeadClock(
        mql_at=lead.mql_at or lead.received_at,
        assigned_at=facts.assigned_at,
        accepted_at=lead.accepted_at,
        first_touch_at=min(touches) if touches else None,
        closed_at=min(closings) if closings else None,
    )


def evaluate_facts(
    setup: SlaSetup, book: CalendarBook, facts: repository.LeadFacts, as_of: datetime
) -> tuple[Policy | None, tuple[MilestoneStatus, ...]]:
    """The policy that applies to the lead and its milestones at ``as_of``."""
    fields = lead_fields(facts.lead)
    prepared = prepare_facts(setup.rules, fields) if setup.rules is not None else fields
    policy = setup.sla.policy_for(prepared)
    if policy is None:
        return None, ()
    calendar = book.for_policy(policy, facts.owner_email)
    return policy, evaluate(policy, calendar, clock_of(facts), as_of)


def sla_report(
    session: Session,
    actor: Principal,
    *,
    as_of: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    rules: LoadedRules | None = None,
) -> SlaReport:
    """Compliance and response time per rep, team and source for leads MQL'd in the window."""
    actor.require(Permission.READ, "read SLA reports")
    setup = sla_setup(session, rules)
    book = CalendarBook(session, setup.sla)
    leads = repository.leads_in_window(session, since=since, until=until or as_of)
    results: list[Evaluated] = []
    for facts in repository.facts_for(session, leads):
        policy, statuses = evaluate_facts(setup, book, facts, as_of)
        if policy is None:
            continue
        clock = clock_of(facts)
        wall = (
            clock.first_touch_at - clock.mql_at
            if clock.first_touch_at and clock.mql_at and clock.first_touch_at >= clock.mql_at
            else None
        )
        groups = {
            "rep": facts.owner_email or "(unassigned)",
            "team": facts.team or "(no team)",
            "source": facts.lead.source or "(no source)",
            "all": "all leads",
        }
        results.append(Evaluated(groups, policy.name, statuses, wall))
    overall = summarize(results, "all")
    return SlaReport(
        as_of=as_of, since=since, until=until, policies_source=setup.source,
        leads=len(leads), not_covered=len(leads) - len(results),
        overall=_row(overall[0]) if overall else _empty_row(),
        by_rep=[_row(r) for r in summarize(results, "rep")],
        by_team=[_row(r) for r in summarize(results, "team")],
        by_source=[_row(r) for r in summarize(results, "source")],
    )  # fmt: skip


def _totals(summary: MilestoneSummary) -> MilestoneTotals:
    return MilestoneTotals(
        on_time=summary.on_time, late=summary.late, missed=summary.missed,
        open=summary.open, compliance=summary.compliance,
    )  # fmt: skip


def _row(row: GroupSummary) -> SlaGroupRow:
    return SlaGroupRow(
        group=row.group, leads=row.leads, accept=_totals(row.accept),
        first_touch=_totals(row.first_touch), median_response_minutes=row.median_response_minutes,
        p90_response_minutes=row.p90_response_minutes,
        median_wall_response_minutes=row.median_wall_response_minutes,
    )  # fmt: skip


def _empty_row() -> SlaGroupRow:
    empty = MilestoneTotals(on_time=0, late=0, missed=0, open=0, compliance=None)
    return SlaGroupRow(
        group="all leads", leads=0, accept=empty, first_touch=empty,
        median_response_minutes=None, p90_response_minutes=None,
        median_wall_response_minutes=None,
    )  # fmt: skip


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 2)


def milestone_read(status: MilestoneStatus) -> MilestoneRead:
    return MilestoneRead(
        milestone=status.milestone, state=status.state,
        target_minutes=status.target.total_seconds() / 60, started_at=status.started_at,
        due_at=status.due_at, completed_at=status.completed_at,
        elapsed_minutes=_minutes(status.elapsed), remaining_minutes=_minutes(status.remaining),
    )  # fmt: skip


def lead_sla(
    session: Session, actor: Principal, lead_ids: Sequence[uuid.UUID], *, as_of: datetime
) -> list[LeadSla]:
    """The SLA clocks of specific leads (for a lead page or an API call)."""
    actor.require(Permission.READ, "read SLA status")
    setup = sla_setup(session)
    book = CalendarBook(session, setup.sla)
    leads = repository.leads_in_window(session, since=None, until=None, lead_ids=lead_ids)
    result = []
    for facts in repository.facts_for(session, leads):
        policy, statuses = evaluate_facts(setup, book, facts, as_of)
        result.append(
            LeadSla(
                lead_id=facts.lead.id, lead_ref=facts.lead.external_id or str(facts.lead.id),
                owner_email=facts.owner_email, source=facts.lead.source,
                policy=policy.name if policy else None,
                milestones=[milestone_read(s) for s in statuses],
            )
        )  # fmt: skip
    return result


def queue_status(session: Session, actor: Principal, queue: str, *, as_of: datetime) -> QueueStatus:
    """Leads waiting in ``queue`` (no owner, current decision queued there), oldest first."""
    actor.require(Permission.READ, "read queues")
    rows = session.scalars(
        select(RoutingDecision)
        .where(
            RoutingDecision.queue_name == queue,
            RoutingDecision.is_current.is_(True),
            RoutingDecision.lead_id.is_not(None),
        )
        .order_by(RoutingDecision.decided_at)
    ).all()
    by_lead = {row.lead_id: row for row in rows}
    setup = sla_setup(session)
    book = CalendarBook(session, setup.sla)
    leads = repository.leads_in_window(
        session, since=None, until=None, lead_ids=[i for i in by_lead if i is not None]
    )
    waiting = []
    for facts in repository.facts_for(session, [lead for lead in leads if lead.owner_id is None]):
        decision = by_lead[facts.lead.id]
        _, statuses = evaluate_facts(setup, book, facts, as_of)
        touch = next((s for s in statuses if s.milestone == "first_touch"), None)
        waiting.append(_queued(facts, decision, touch, as_of))
    waiting.sort(key=lambda item: item.queued_at)
    return QueueStatus(queue=queue, as_of=as_of, leads=waiting)


def _queued(
    facts: repository.LeadFacts, decision: Any, touch: MilestoneStatus | None, as_of: datetime
) -> QueuedLead:
    return QueuedLead(
        lead_id=facts.lead.id, lead_ref=facts.lead.external_id or str(facts.lead.id),
        queued_at=decision.decided_at,
        waiting_minutes=round((as_of - decision.decided_at).total_seconds() / 60, 2),
        reason=decision.reason, first_touch=milestone_read(touch) if touch else None,
    )  # fmt: skip
