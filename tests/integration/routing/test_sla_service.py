"""SLA reports, escalations and lifecycle steps on real databases, with hand-computed clocks.

Calendar: New York, Monday-Friday 09:00-17:00. T0 is Tuesday 10:00 New York.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from routing_world import SYSTEM, T0, World, round_robin
from sqlalchemy import select

from coxswain.audit.models import AuditEvent, OwnershipChange
from coxswain.leads.models import LeadStatusChange
from coxswain.leads.sla_models import SlaBreach, SlaEscalation, SlaNotification
from coxswain.people.models import User
from coxswain.routing.errors import LeadNotRoutableError
from coxswain.routing.models import RoutingDecision
from coxswain.routing.service import route_lead
from coxswain.sla import handoff
from coxswain.sla.escalation import run_escalations
from coxswain.sla.service import lead_sla, queue_status, sla_report

SLA: dict[str, Any] = {
    "calendars": [{"name": "NY", "time_zone": "America/New_York"}],
    "policies": [
        {
            "name": "Hot", "when": {"score": {"gte": 80}}, "calendar": "NY",
            "accept_within": "1h", "first_touch_within": "2h",
            "escalations": [
                {"milestone": "accept", "after": "0m", "action": "notify", "notify": ["owner", "manager"]},
                {"milestone": "accept", "after": "1h", "action": "reassign"},
            ],
        },
        {
            "name": "Standard", "calendar": "NY", "accept_within": "4h", "first_touch_within": "8h",
            "escalations": [{"milestone": "first_touch", "action": "return_to_queue"}],
        },
    ],
}  # fmt: skip


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def org(world: World) -> dict[str, User]:
    maria = world.user("maria@x.com", role="manager")
    return {
        "maria": maria,
        "ana": world.user("ana@x.com", manager_id=maria.id),
        "ben": world.user("ben@x.com", manager_id=maria.id),
    }


def test_report_compliance_and_response_time(world: World) -> None:
    users = org(world)
    world.publish(round_robin("ana@x.com", "ben@x.com", sla=SLA))
    ana, ben = users["ana"].id, users["ben"].id
    world.lead("R1", owner_id=ana, accepted_at=T0 + hours(0.5), first_touch_at=T0 + hours(1))
    world.lead("R2", owner_id=ana, accepted_at=T0 + hours(5), first_touch_at=T0 + hours(6))
    world.lead("R3", owner_id=ben, source="partner")
    report = sla_report(world.session, SYSTEM, as_of=T0 + hours(9))
    overall = report.overall
    assert (overall.accept.on_time, overall.accept.late, overall.accept.missed) == (1, 1, 1)
    assert overall.accept.compliance == pytest.approx(1 / 3)
    assert (overall.first_touch.on_time, overall.first_touch.open) == (2, 1)
    assert overall.first_touch.compliance == 1.0
    assert overall.median_response_minutes == pytest.approx(210)  # of 60 and 360
    assert {r.group: r.leads for r in report.by_rep} == {"ana@x.com": 2, "ben@x.com": 1}
    assert {r.group: r.leads for r in report.by_source} == {"(no source)": 2, "partner": 1}
    assert report.policies_source == "rule set v1 (sla section)"


def test_escalation_notifies_then_reassigns_once(world: World) -> None:
    org(world)
    world.publish(round_robin("ana@x.com", "ben@x.com", sla=SLA))
    hot = world.lead("H1", score=90)
    assert route_lead(world.session, SYSTEM, hot.id, as_of=T0).decision.owner_email == "ana@x.com"  # type: ignore[union-attr]
    quiet = run_escalations(world.session, SYSTEM, as_of=T0 + hours(0.5))
    assert (quiet.breaches_open, quiet.actions) == (0, [])
    # 11:30: accept was due 11:00 → breach; notify (due + 0) fires, reassign (due + 1h) waits.
    first = run_escalations(world.session, SYSTEM, as_of=T0 + hours(1.5))
    assert [(a.lead_ref, a.step, a.action, a.outcome) for a in first.actions] == [
        ("H1", 1, "notify", "notified 2 user(s)")
    ]
    assert world.count(SlaNotification) == 2
    again = run_escalations(world.session, SYSTEM, as_of=T0 + hours(1.5))
    assert (again.new_breaches, again.actions) == (0, [])
    # 12:30: the reassign step is due; ana breached, so ben gets the lead.
    second = run_escalations(world.session, SYSTEM, as_of=T0 + hours(2.5))
    assert [(a.step, a.action, a.outcome) for a in second.actions] == [
        (2, "reassign", "reassigned to ben@x.com")
    ]
    world.session.refresh(hot)
    decision = world.session.scalars(
        select(RoutingDecision).where(RoutingDecision.lead_id == hot.id, RoutingDecision.is_current)
    ).one()
    assert (decision.trigger, decision.owner_email) == ("reassign", "ben@x.com")
    assert decision.explanation["steps"][0].startswith("SLA breach: lead H1 not accepted by")
    excluded = [
        c for c in decision.explanation["attempts"][0]["candidates"] if c["rep"] == "ana@x.com"
    ]
    assert excluded[0]["verdict"] == "skipped"
    assert world.count(SlaBreach) == 1
    assert world.count(SlaEscalation) == 2
    # ben's own accept clock started at 12:30 New York: nothing is overdue at 13:00.
    assert run_escalations(world.session, SYSTEM, as_of=T0 + hours(3)).actions == []


def test_first_touch_breach_returns_the_lead_to_the_queue(world: World) -> None:
    org(world)
    world.publish(round_robin("ana@x.com", "ben@x.com", sla=SLA))
    lead = world.lead("S1", score=10)
    route_lead(world.session, SYSTEM, lead.id, as_of=T0)
    # Standard: first touch within 8 business hours of MQL → due Wednesday 10:00 New York.
    clocks = lead_sla(world.session, SYSTEM, [lead.id], as_of=T0 + hours(1))[0]
    touch = next(m for m in clocks.milestones if m.milestone == "first_touch")
    assert touch.due_at == T0 + hours(24)
    report = run_escalations(world.session, SYSTEM, as_of=T0 + hours(25))
    assert [(a.milestone, a.action, a.outcome) for a in report.actions] == [
        ("first_touch", "return_to_queue", "returned to queue 'Unassigned'")
    ]
    world.session.refresh(lead)
    assert lead.owner_id is None
    waiting = queue_status(world.session, SYSTEM, "Unassigned", as_of=T0 + hours(26))
    assert [item.lead_ref for item in waiting.leads] == ["S1"]
    assert waiting.leads[0].waiting_minutes == 60


def test_lifecycle_steps_and_their_history(world: World) -> None:
    org(world)
    world.publish(round_robin("ana@x.com", sla=SLA))
    lead = world.lead("C1")
    route_lead(world.session, SYSTEM, lead.id, as_of=T0)
    touched = handoff.record_first_touch(world.session, SYSTEM, lead.id, at=T0 + hours(1))
    assert touched.status.value == "accepted"
    assert (lead.accepted_at, lead.first_touch_at) == (T0 + hours(1), T0 + hours(1))
    with pytest.raises(LeadNotRoutableError, match="cannot move from accepted to accepted"):
        handoff.accept_lead(world.session, SYSTEM, lead.id, at=T0 + hours(2))
    handoff.qualify_lead(world.session, SYSTEM, lead.id, at=T0 + hours(3))
    with pytest.raises(Exception, match="disqualifying a lead needs a reason"):
        handoff.disqualify_lead(world.session, SYSTEM, lead.id, reason=" ", at=T0 + hours(4))
    handoff.recycle_lead(world.session, SYSTEM, lead.id, at=T0 + hours(4))
    assert (lead.status, lead.owner_id, lead.recycled_at) == ("recycled", None, T0 + hours(4))
    moves = world.session.execute(
        select(LeadStatusChange.from_status, LeadStatusChange.to_status)
        .where(LeadStatusChange.lead_id == lead.id)
        .order_by(LeadStatusChange.changed_at)
    ).all()
    assert [tuple(m) for m in moves] == [
        ("mql", "accepted"),
        ("accepted", "qualified"),
        ("qualified", "recycled"),
    ]
    assert world.count(OwnershipChange, OwnershipChange.entity_id == lead.id) == 2
    actions = list(
        world.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == lead.id))
    )
    assert {"route", "first_touch", "qualify", "recycle"} <= set(actions)
