"""Routing one lead through the service on SQLite and PostgreSQL: what is stored, and why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from rapidfuzz import fuzz
from routing_world import SYSTEM, T0, World, round_robin
from sqlalchemy import select

from coxswain.audit.models import AuditEvent, OwnershipChange
from coxswain.leads.models import Lead
from coxswain.people.models import UserAbsence
from coxswain.routing.errors import (
    LeadNotFoundError,
    LeadNotRoutableError,
    NoActiveRulesError,
    RulesError,
)
from coxswain.routing.models import (
    LeadDuplicate,
    RoutingDecision,
    RoutingPoolMember,
    RoutingPoolState,
    RoutingRuleSet,
)
from coxswain.routing.service import explain_lead, route_lead


def test_route_stores_decision_owner_history_and_rotation(world: World) -> None:
    ana, ben = world.user("ana@x.com"), world.user("ben@x.com")
    world.publish(round_robin("ana@x.com", "ben@x.com"))
    leads = [world.lead(f"L{i}") for i in range(3)]
    owners = [route_lead(world.session, SYSTEM, lead.id, as_of=T0).decision for lead in leads]
    assert [d.owner_email for d in owners if d] == ["ana@x.com", "ben@x.com", "ana@x.com"]
    assert [lead.owner_id for lead in leads] == [ana.id, ben.id, ana.id]
    first = world.session.scalars(
        select(RoutingDecision).where(RoutingDecision.lead_id == leads[0].id)
    ).one()
    assert (first.rule_name, first.pool_name, first.method, first.pool_sequence) == (
        "Everyone", "Pool", "round_robin", 1,
    )  # fmt: skip
    assert first.explanation["attempts"][0]["candidates"][1]["reason"] == (
        "not next: also never assigned; later in the pool's list"
    )
    change = world.session.scalars(
        select(OwnershipChange).where(OwnershipChange.entity_id == leads[0].id)
    ).one()
    assert (change.from_user_id, change.to_user_id) == (None, ana.id)
    assert change.reason == "routing: Everyone (round_robin)"
    audit = world.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == leads[0].id, AuditEvent.action == "route")
    ).one()
    assert audit.after == {"owner_id": str(ana.id)}
    state = world.session.scalars(select(RoutingPoolState)).one()
    assert state.sequence == 3
    members = {
        m.user_id: (m.last_sequence, m.assignments)
        for m in world.session.scalars(select(RoutingPoolMember))
    }
    assert members == {ana.id: (3, 2), ben.id: (2, 1)}


def test_routing_an_owned_lead_changes_nothing(world: World) -> None:
    world.user("ana@x.com")
    world.publish(round_robin("ana@x.com"))
    lead = world.lead("L1")
    assert route_lead(world.session, SYSTEM, lead.id, as_of=T0).routed
    again = route_lead(world.session, SYSTEM, lead.id, as_of=T0 + timedelta(minutes=1))
    assert not again.routed
    assert again.message == "already owned by ana@x.com; nothing changed"
    assert world.count(RoutingDecision) == 1


def test_errors_for_missing_closed_and_unpublished(world: World) -> None:
    world.user("ana@x.com")
    lead = world.lead("L1")
    with pytest.raises(NoActiveRulesError):
        route_lead(world.session, SYSTEM, lead.id, as_of=T0)
    world.publish(round_robin("ana@x.com"))
    closed = world.lead("L2", status="disqualified")
    with pytest.raises(LeadNotRoutableError, match="lead L2: status disqualified; not routed"):
        route_lead(world.session, SYSTEM, closed.id, as_of=T0)
    with pytest.raises(LeadNotFoundError):
        route_lead(world.session, SYSTEM, world.lead("L3").id.__class__(int=1), as_of=T0)


def test_publishing_versions_and_unknown_reps(world: World) -> None:
    world.user("ana@x.com")
    world.publish(round_robin("ana@x.com"))
    world.publish(round_robin("ana@x.com", pool={"name": "Pool", "method": "load_balanced"}))
    rows = world.session.scalars(select(RoutingRuleSet).order_by(RoutingRuleSet.version)).all()
    assert [(r.version, r.is_active) for r in rows] == [(1, False), (2, True)]
    with pytest.raises(
        RulesError, match=re.escape("pool 'Pool': unknown rep 'zed@x.com' (no such user)")
    ):
        world.publish(round_robin("ana@x.com", "zed@x.com"))


def test_daily_cap_counts_stored_assignments(world: World) -> None:
    world.user("ana@x.com", capacity_per_day=1)
    world.user("ben@x.com")
    world.publish(round_robin("ana@x.com", "ben@x.com"))
    owners = []
    for i in range(4):
        decision = route_lead(world.session, SYSTEM, world.lead(f"L{i}").id, as_of=T0).decision
        owners.append(decision.owner_email if decision else None)
    assert owners == ["ana@x.com", "ben@x.com", "ben@x.com", "ben@x.com"]
    tomorrow = route_lead(
        world.session, SYSTEM, world.lead("L9").id, as_of=T0 + timedelta(days=1)
    ).decision
    assert tomorrow is not None
    assert tomorrow.owner_email == "ana@x.com"


def test_planned_absence_skips_the_rep(world: World) -> None:
    ana = world.user("ana@x.com")
    world.user("ben@x.com")
    world.session.add(
        UserAbsence(
            user_id=ana.id,
            starts_at=T0 - timedelta(hours=1),
            ends_at=T0 + timedelta(days=1),
            reason="PTO",
        )
    )
    world.publish(round_robin("ana@x.com", "ben@x.com"))
    decision = route_lead(world.session, SYSTEM, world.lead("L1").id, as_of=T0).decision
    assert decision is not None
    assert decision.owner_email == "ben@x.com"
    skipped = decision.attempts[0].candidates[-1]
    assert skipped.reason == "absent until 2025-03-05T15:00:00+00:00 (PTO)"


def test_existing_account_goes_to_its_owner(world: World) -> None:
    erin = world.user("erin@x.com")
    world.user("ana@x.com")
    world.account("Acme Corporation", domain="acme.com", owner_id=erin.id)
    world.account("Blue Harbour Logistics Ltd", owner_id=erin.id)
    world.publish(round_robin("ana@x.com"))
    by_domain = world.lead("L1", email="olivia@acme.com")
    by_name = world.lead("L2", company="Blue Harbor Logistics", email="x@gmail.com")
    nothing = world.lead("L3", company="Unrelated Widgets")
    results = [
        route_lead(world.session, SYSTEM, lead.id, as_of=T0).decision
        for lead in (by_domain, by_name, nothing)
    ]
    assert [(d.owner_email, d.method) for d in results if d] == [
        ("erin@x.com", "account_owner"),
        ("erin@x.com", "account_owner"),
        ("ana@x.com", "round_robin"),
    ]
    assert results[1] is not None
    assert results[1].account == {
        "id": str(results[1].account["id"]),
        "name": "Blue Harbour Logistics Ltd",
        "owner": "erin@x.com",
        "matched_on": "company_name_fuzzy (98)",
        # independent: the two names normalised by hand, scored with RapidFuzz
        "score": pytest.approx(
            fuzz.token_sort_ratio("blue harbor logistics", "blue harbour logistics")
        ),
    }


def test_duplicates_are_linked_to_the_original_and_its_owner(world: World) -> None:
    world.user("ana@x.com")
    world.user("ben@x.com")
    world.publish(round_robin("ana@x.com", "ben@x.com"))
    first = world.lead("L1", email="same@corp.com")
    route_lead(world.session, SYSTEM, first.id, as_of=T0)
    second = world.lead("L2", email="Same@corp.com")
    decision = route_lead(world.session, SYSTEM, second.id, as_of=T0).decision
    assert decision is not None
    assert (decision.owner_email, decision.method) == ("ana@x.com", "duplicate_owner")
    link = world.session.scalars(select(LeadDuplicate)).one()
    assert (link.lead_id, link.duplicate_of_id, link.action) == (second.id, first.id, "linked")
    assert second.deleted_at is None


def test_merge_fills_the_original_and_retires_the_copy(world: World) -> None:
    world.user("ana@x.com")
    world.publish(round_robin("ana@x.com", duplicates={"action": "merge"}))
    first = world.lead("L1", email="same@corp.com")
    route_lead(world.session, SYSTEM, first.id, as_of=T0)
    second = world.lead("L2", email="same@corp.com", phone="+1 555 0100", title="CTO")
    decision = route_lead(world.session, SYSTEM, second.id, as_of=T0).decision
    assert decision is not None
    assert decision.steps[-1] == "merged into lead L1 (same email)"
    assert (first.phone, first.title) == ("+1 555 0100", "CTO")
    assert second.deleted_at == T0
    assert world.session.scalars(select(LeadDuplicate)).one().action == "merged"
    actions = set(
        world.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "lead"))
    )
    assert {"merge", "merged_into"} <= actions


def test_explain_finds_the_lead_by_id_or_external_id_and_notes_manual_changes(world: World) -> None:
    world.user("ana@x.com")
    ben = world.user("ben@x.com")
    world.publish(round_robin("ana@x.com"))
    lead = world.lead("L1")
    route_lead(world.session, SYSTEM, lead.id, as_of=T0)
    by_ref = explain_lead(world.session, SYSTEM, "L1")
    by_id = explain_lead(world.session, SYSTEM, str(lead.id))
    assert by_ref.current.id == by_id.current.id
    assert by_ref.note is None
    world.session.execute(Lead.__table__.update().where(Lead.id == lead.id).values(owner_id=ben.id))
    world.session.expire_all()
    assert (
        explain_lead(world.session, SYSTEM, "L1").note
        == "the owner changed after routing: now ben@x.com"
    )
    with pytest.raises(LeadNotFoundError, match="no routing decision for lead 'L404'"):
        explain_lead(world.session, SYSTEM, "L404")
