"""Route many leads in one transaction: a leads file (``route batch``) or the database's
unowned leads (``route pending``).

The pools' rotation rows are locked once for the run, the engine routes every lead in memory
(rules compiled once, availability cached for the run's instant), then the run is written in
a few bulk statements: the run row, one decision per lead with its explanation, the owner
changes of leads that exist in the database (with ownership history and audit events), links
to duplicates, and each pool's final rotation.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from coxswain.auth.principal import Permission, Principal
from coxswain.core.ids import new_id
from coxswain.leads.models import Lead
from coxswain.matching.service import lead_fields
from coxswain.routing import repository
from coxswain.routing.bulk_context import BulkLead, BulkMatcher
from coxswain.routing.engine.decision import Decision
from coxswain.routing.engine.router import Router
from coxswain.routing.enums import DecisionTrigger, DuplicateAction, RunKind
from coxswain.routing.gc_pause import cyclic_gc_paused
from coxswain.routing.models import LeadDuplicate, RoutingDecision, RoutingRun
from coxswain.routing.persistence import (
    Actor,
    bulk_owner_changes,
    decision_values,
    write_rotations,
)
from coxswain.routing.rules_store import LoadedRules
from coxswain.routing.schemas import BatchSummary
from coxswain.routing.state_loader import LoadedState, load_state

CHUNK = 2000
ROUTABLE_STATUSES = ("new", "mql", "accepted", "qualified", "recycled")


def route_bulk(
    session: Session,
    actor: Principal,
    items: Sequence[BulkLead],
    *,
    loaded: LoadedRules,
    as_of: datetime,
    kind: RunKind = RunKind.BATCH,
    dry_run: bool = False,
    file_name: str | None = None,
    warnings: Sequence[str] = (),
) -> tuple[list[Decision], BatchSummary]:
    """Route ``items`` in order; store everything unless ``dry_run``.

    Returns:
        One decision per item (same order) and the run's summary.
    """
    actor.require(Permission.REASSIGN, "route leads")
    started = time.perf_counter()
    compiled = loaded.compiled
    matcher = BulkMatcher(session, compiled)
    reps = set(compiled.rep_emails()) | matcher.owners() | matcher.duplicate_owners()
    loaded_state = load_state(
        session, pools=compiled.pools, reps=reps, as_of=as_of, lock=not dry_run
    )
    router = Router(compiled, loaded_state.state)
    decisions: list[Decision] = []
    with cyclic_gc_paused():
        for item in items:
            context = matcher.context(item)
            decision = router.route(
                item.fields, as_of=item.as_of or as_of, lead_ref=item.ref, context=context
            )
            matcher.remember(item, decision)
            decisions.append(decision)
    run_id = None
    if not dry_run:
        run_id = _store(session, items, decisions, loaded, loaded_state, kind, file_name, as_of,
                        Actor(actor.user_id, actor.label))  # fmt: skip
    summary = summarize(decisions, loaded, run_id, dry_run, warnings, time.perf_counter() - started)
    return decisions, summary


def summarize(
    decisions: Sequence[Decision],
    loaded: LoadedRules,
    run_id: uuid.UUID | None,
    dry_run: bool,
    warnings: Sequence[str],
    seconds: float,
) -> BatchSummary:
    assigned = [d for d in decisions if d.owner]
    return BatchSummary(
        run_id=run_id,
        leads=len(decisions),
        assigned=len(assigned),
        queued=len(decisions) - len(assigned),
        dry_run=dry_run,
        rules_sha256=loaded.compiled.sha256,
        by_rule=dict(Counter(d.rule_label for d in decisions).most_common()),
        by_owner=dict(Counter(d.owner for d in assigned if d.owner).most_common()),
        by_queue=dict(Counter(d.queue for d in decisions if d.queue).most_common()),
        warnings=list(warnings),
        seconds=round(seconds, 3),
    )


def pending_items(session: Session, *, limit: int | None = None) -> list[BulkLead]:
    """Open leads without an owner (new or MQL, queued ones included), oldest first."""
    query = (
        select(Lead)
        .where(
            Lead.owner_id.is_(None),
            Lead.deleted_at.is_(None),
            Lead.status.in_(("new", "mql")),
        )
        .order_by(Lead.received_at, Lead.created_at, Lead.id)
        .limit(limit)
    )
    return [
        BulkLead(lead.external_id or str(lead.id), lead_fields(lead), lead)
        for lead in session.scalars(query)
    ]


def attach_database_leads(session: Session, items: Sequence[BulkLead]) -> list[BulkLead]:
    """Pair file rows with the open database leads of the same external id (owners follow)."""
    refs = sorted({item.ref for item in items})
    found: dict[str, Lead] = {}
    for start in range(0, len(refs), CHUNK):
        rows = session.scalars(
            select(Lead).where(
                Lead.external_id.in_(refs[start : start + CHUNK]),
                Lead.deleted_at.is_(None),
                Lead.status.in_(ROUTABLE_STATUSES),
            )
        )
        for lead in rows:
            found.setdefault(lead.external_id or "", lead)
    return [BulkLead(i.ref, i.fields, found.get(i.ref), i.as_of) for i in items]


def _store(
    session: Session,
    items: Sequence[BulkLead],
    decisions: Sequence[Decision],
    loaded: LoadedRules,
    loaded_state: LoadedState,
    kind: RunKind,
    file_name: str | None,
    as_of: datetime,
    actor: Actor,
) -> uuid.UUID:
    run = _run_row(session, decisions, loaded, kind, file_name, as_of, actor)
    trigger = (DecisionTrigger.BATCH if kind is RunKind.BATCH else DecisionTrigger.ROUTE).value
    _retire_current(session, items)
    rows = [
        decision_values(
            d, lead_id=i.lead.id if i.lead else None,
            previous_owner_id=i.lead.owner_id if i.lead else None, loaded=loaded,
            loaded_state=loaded_state, trigger=trigger, actor=actor, run_id=run.id,
        )
        for i, d in zip(items, decisions, strict=True)
    ]  # fmt: skip
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(RoutingDecision), rows[start : start + CHUNK])
    changes = [
        (i.lead.id, i.lead.owner_id, loaded_state.user_id(d.owner), d)
        for i, d in zip(items, decisions, strict=True)
        if i.lead is not None and i.lead.owner_id != loaded_state.user_id(d.owner)
    ]
    bulk_owner_changes(session, changes, actor)
    _link_duplicates(session, items, decisions, as_of, actor)
    counts = Counter((d.rotation.pool, d.rotation.rep) for d in decisions if d.rotation)
    write_rotations(session, loaded_state.state, loaded_state, dict(counts), as_of)
    session.flush()
    return run.id


def _run_row(
    session: Session,
    decisions: Sequence[Decision],
    loaded: LoadedRules,
    kind: RunKind,
    file_name: str | None,
    as_of: datetime,
    actor: Actor,
) -> RoutingRun:
    assigned = sum(1 for d in decisions if d.owner)
    run = RoutingRun(
        id=new_id(), kind=kind.value, file_name=file_name, rules_sha256=loaded.compiled.sha256,
        rule_set_id=loaded.rule_set_id, started_at=as_of, finished_at=as_of,
        leads=len(decisions), assigned=assigned, queued=len(decisions) - assigned,
        actor_label=actor.label,
    )  # fmt: skip
    session.add(run)
    session.flush()
    return run


def _retire_current(session: Session, items: Sequence[BulkLead]) -> None:
    lead_ids = [i.lead.id for i in items if i.lead is not None]
    refs = [i.ref for i in items if i.lead is None]
    for start in range(0, len(lead_ids), CHUNK):
        session.execute(
            update(RoutingDecision)
            .where(
                RoutingDecision.lead_id.in_(lead_ids[start : start + CHUNK]),
                RoutingDecision.is_current.is_(True),
            )
            .values(is_current=False)
        )
    for start in range(0, len(refs), CHUNK):
        session.execute(
            update(RoutingDecision)
            .where(
                RoutingDecision.lead_ref.in_(refs[start : start + CHUNK]),
                RoutingDecision.lead_id.is_(None),
                RoutingDecision.is_current.is_(True),
            )
            .values(is_current=False)
        )


def _link_duplicates(
    session: Session,
    items: Sequence[BulkLead],
    decisions: Sequence[Decision],
    at: datetime,
    actor: Actor,
) -> None:
    """Link database leads to the database leads they duplicate (file-only leads have the
    link in their explanation)."""
    pairs = []
    for item, decision in zip(items, decisions, strict=True):
        if item.lead is None or decision.duplicate_of is None:
            continue
        original = repository.find_lead(session, decision.duplicate_of.lead_ref)
        if original is not None and original.id != item.lead.id:
            pairs.append((item.lead.id, original.id, decision.duplicate_of.matched_on))
    if not pairs:
        return
    existing = set(
        session.execute(
            select(LeadDuplicate.lead_id, LeadDuplicate.duplicate_of_id).where(
                LeadDuplicate.lead_id.in_([p[0] for p in pairs])
            )
        ).tuples()
    )
    rows = [
        {
            "id": new_id(), "lead_id": lead_id, "duplicate_of_id": original_id,
            "matched_on": matched_on, "action": DuplicateAction.LINKED.value,
            "detected_at": at, "actor_label": actor.label,
        }
        for lead_id, original_id, matched_on in dict.fromkeys(pairs)
        if (lead_id, original_id) not in existing
    ]  # fmt: skip
    if rows:
        session.execute(insert(LeadDuplicate), rows)
