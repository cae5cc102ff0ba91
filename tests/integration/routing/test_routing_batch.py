"""Batch runs, pending runs and what-if simulations against the database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from routing_world import SYSTEM, T0, World, round_robin
from sqlalchemy import select

from coxswain.audit.models import OwnershipChange
from coxswain.leads.models import Lead
from coxswain.routing import bulk
from coxswain.routing.bulk_context import BulkLead
from coxswain.routing.enums import RunKind
from coxswain.routing.files import read_leads_file, write_routing_csv
from coxswain.routing.models import (
    LeadDuplicate,
    RoutingDecision,
    RoutingPoolMember,
    RoutingPoolState,
    RoutingRun,
)
from coxswain.routing.rules_store import load_rules, validate_rules
from coxswain.routing.service import explain_lead
from coxswain.routing.simulation import simulate, simulate_leads

TABLES = (
    RoutingDecision,
    RoutingRun,
    RoutingPoolState,
    RoutingPoolMember,
    LeadDuplicate,
    OwnershipChange,
)


def leads_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text("lead_id,email,country,employees\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def items(path: Path) -> list[BulkLead]:
    return [BulkLead(row.ref, row.fields) for row in read_leads_file(path).rows]


def document() -> dict[str, Any]:
    return {
        "fallback_queue": "Unassigned",
        "pools": [{"name": "US", "members": ["ana@x.com", "ben@x.com"]}],
        "rules": [{"name": "US", "when": {"country": "US"}, "pool": "US"}],
    }


def test_batch_keeps_input_order_stores_decisions_and_moves_database_leads(
    world: World, tmp_path: Path
) -> None:
    ana, ben = world.user("ana@x.com"), world.user("ben@x.com")
    known = world.lead("B2", email="b2@corp.com", country="US")
    path = leads_file(
        tmp_path,
        ["B1,b1@corp.com,US,10", "B2,b2@corp.com,US,20", "B3,b3@corp.com,BR,30",
         "B4,B1@corp.com,US,10", "B5,b5@corp.com,US,lots"],
    )  # fmt: skip
    loaded = load_rules(world.session, document(), "rules")
    batch = bulk.attach_database_leads(world.session, items(path))
    decisions, summary = bulk.route_bulk(
        world.session, SYSTEM, batch, loaded=loaded, as_of=T0, file_name=str(path)
    )
    out = tmp_path / "out.csv"
    write_routing_csv(out, decisions)
    assert out.read_text(encoding="utf-8").splitlines() == [
        "lead_id,owner,rule,method",
        "B1,ana@x.com,US,round_robin",
        "B2,ben@x.com,US,round_robin",
        "B3,,Unassigned,fallback",
        "B4,ana@x.com,duplicate of B1,duplicate_owner",
        "B5,ana@x.com,US,round_robin",
    ]
    assert (summary.leads, summary.assigned, summary.queued) == (5, 4, 1)
    world.session.expire_all()
    assert world.session.get(Lead, known.id).owner_id == ben.id  # type: ignore[union-attr]
    assert world.count(RoutingDecision) == 5
    assert world.count(RoutingDecision, RoutingDecision.lead_id.is_not(None)) == 1
    run = world.session.scalars(select(RoutingRun)).one()
    assert (run.kind, run.leads, run.assigned, run.queued) == ("batch", 5, 4, 1)
    explanation = explain_lead(world.session, SYSTEM, "B4")
    assert explanation.current.reason == "duplicate of lead B1 (same email), which ana@x.com owns"
    assert ana.id != ben.id


def test_a_second_batch_continues_the_rotation(world: World, tmp_path: Path) -> None:
    world.user("ana@x.com")
    world.user("ben@x.com")
    loaded = load_rules(world.session, document(), "rules")
    first = bulk.route_bulk(
        world.session, SYSTEM, items(leads_file(tmp_path, ["X1,,US,1"])), loaded=loaded, as_of=T0
    )
    second = bulk.route_bulk(
        world.session,
        SYSTEM,
        items(leads_file(tmp_path, ["X2,,US,1", "X3,,US,1"])),
        loaded=loaded,
        as_of=T0,
    )
    assert [d.owner for d in first[0] + second[0]] == ["ana@x.com", "ben@x.com", "ana@x.com"]
    again = explain_lead(world.session, SYSTEM, "X1")
    assert again.current.pool_sequence == 1


def test_dry_run_stores_nothing(world: World, tmp_path: Path) -> None:
    world.user("ana@x.com")
    world.user("ben@x.com")
    loaded = load_rules(world.session, document(), "rules")
    before = [world.count(table) for table in TABLES]
    decisions, summary = bulk.route_bulk(
        world.session, SYSTEM, items(leads_file(tmp_path, ["D1,,US,1", "D2,,US,1"])),
        loaded=loaded, as_of=T0, dry_run=True,
    )  # fmt: skip
    assert [d.owner for d in decisions] == ["ana@x.com", "ben@x.com"]
    assert summary.run_id is None
    assert [world.count(table) for table in TABLES] == before


def test_pending_routes_unowned_open_leads_oldest_first(world: World) -> None:
    world.user("ana@x.com")
    world.user("ben@x.com")
    loaded = world.publish(round_robin("ana@x.com", "ben@x.com"))
    newer = world.lead("P2", received_at=T0)
    older = world.lead("P1", received_at=T0 - timedelta(days=1))
    world.lead("P3", status="disqualified")
    owned = world.lead("P4", owner_id=world.user("cy@x.com").id)
    pending = bulk.pending_items(world.session)
    assert [item.ref for item in pending] == ["P1", "P2"]
    decisions, _ = bulk.route_bulk(
        world.session, SYSTEM, pending, loaded=loaded, as_of=T0, kind=RunKind.PENDING
    )
    assert [d.owner for d in decisions] == ["ana@x.com", "ben@x.com"]
    world.session.expire_all()
    assert {lead.external_id: lead.owner_id is not None for lead in (newer, older, owned)} == {
        "P2": True, "P1": True, "P4": True,
    }  # fmt: skip
    assert world.count(OwnershipChange) == 2


def test_simulation_compares_shares_and_changes_nothing(world: World, tmp_path: Path) -> None:
    world.user("ana@x.com")
    world.user("ben@x.com")
    current = world.publish(round_robin("ana@x.com", "ben@x.com"))
    proposed_doc = round_robin(
        pool={"method": "weighted_round_robin",
              "members": [{"rep": "ana@x.com", "weight": 3}, {"rep": "ben@x.com", "weight": 1}]}
    )  # fmt: skip
    proposed = load_rules(world.session, proposed_doc, "proposed.yaml")
    rows = [f"S{i},,US,1" for i in range(8)]
    before = [world.count(table) for table in TABLES]
    report = simulate(
        world.session, SYSTEM, items(leads_file(tmp_path, rows)), proposed=proposed,
        current=current, as_of=T0, replay=False,
    )  # fmt: skip
    assert [world.count(table) for table in TABLES] == before
    shares = {r.rep: (r.current_leads, r.proposed_leads, r.delta) for r in report.reps}
    # current: a b a b a b a b; proposed (3:1 smooth): a a b a | a a b a
    assert shares == {"ana@x.com": (4, 6, 2), "ben@x.com": (4, 2, -2)}
    # position by position: a/a b/a a/b b/a a/a b/a a/b b/a → 6 differ
    assert report.owner_changes == 6
    assert report.rules == {"Everyone": (8, 8)}


def test_service_functions_for_the_api(world: World) -> None:
    world.user("ana@x.com")
    world.user("ben@x.com")
    bad = validate_rules(world.session, SYSTEM, round_robin("ana@x.com", "zed@x.com"))
    assert (bad.valid, bad.error_code) == (False, "routing_rules_invalid")
    assert bad.error == "rules: pool 'Pool': unknown rep 'zed@x.com' (no such user)"
    good = validate_rules(world.session, SYSTEM, round_robin("ana@x.com", "ben@x.com"))
    assert (good.valid, good.rules, good.pools) == (True, 1, 1)
    report = simulate_leads(
        world.session, SYSTEM, [{"external_id": "A"}, {"external_id": "B"}, {"lead_id": "C"}],
        proposed=round_robin("ana@x.com", "ben@x.com"), as_of=T0,
    )  # fmt: skip
    assert report.current_source == "(no current rules)"
    assert {r.rep: r.proposed_leads for r in report.reps} == {"ana@x.com": 2, "ben@x.com": 1}
