"""Store decisions: the decision row with its explanation, the owner change with its history
(``ownership_changes`` and an audit event), and the pool rotation. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from coxswain.audit.models import AuditEvent, OwnershipChange
from coxswain.core.ids import new_id
from coxswain.db.engine import is_sqlite
from coxswain.leads.models import Lead
from coxswain.routing import pool_rows, repository
from coxswain.routing.engine.decision import Decision
from coxswain.routing.engine.state import RoutingState
from coxswain.routing.enums import DecisionOutcome
from coxswain.routing.models import RoutingDecision
from coxswain.routing.persistence_pg import write_decision
from coxswain.routing.pool_rows import MemberRow
from coxswain.routing.repository import LeadRow
from coxswain.routing.rules_store import LoadedRules
from coxswain.routing.state_loader import LoadedState

ENTITY = "lead"


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID | None
    label: str


def decision_values(
    decision: Decision,
    *,
    lead_id: uuid.UUID | None,
    previous_owner_id: uuid.UUID | None,
    loaded: LoadedRules,
    loaded_state: LoadedState,
    trigger: str,
    actor: Actor,
    run_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The ``routing_decisions`` row for ``decision`` as a dict (for bulk inserts too)."""
    return {
        "id": new_id(),
        "lead_id": lead_id,
        "lead_ref": decision.lead_ref[:255],
        "run_id": run_id,
        "rule_set_id": loaded.rule_set_id,
        "rules_sha256": loaded.compiled.sha256,
        "trigger": trigger,
        "outcome": (DecisionOutcome.ASSIGNED if decision.owner else DecisionOutcome.QUEUED).value,
        "owner_id": loaded_state.user_id(decision.owner),
        "owner_email": decision.owner,
        "previous_owner_id": previous_owner_id,
        "queue_name": decision.queue,
        "rule_name": decision.rule,
        "pool_name": decision.pool,
        "method": decision.method,
        "pool_sequence": decision.rotation.sequence if decision.rotation else None,
        "reason": decision.reason[:1000],
        "explanation": decision.to_dict(),
        "decided_at": decision.decided_at,
        "is_current": True,
        "actor_label": actor.label,
    }


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """A ``routing_decisions`` row just written, as plain values (building an ORM object
    costs more than the rest of the bookkeeping of a routed lead)."""

    id: uuid.UUID
    lead_id: uuid.UUID | None
    lead_ref: str
    run_id: uuid.UUID | None
    rule_set_id: uuid.UUID | None
    rules_sha256: str
    trigger: str
    outcome: str
    owner_id: uuid.UUID | None
    owner_email: str | None
    previous_owner_id: uuid.UUID | None
    queue_name: str | None
    rule_name: str | None
    pool_name: str | None
    method: str
    pool_sequence: int | None
    reason: str
    explanation: dict[str, Any]
    decided_at: datetime
    is_current: bool
    actor_label: str


UNKNOWN = "unknown"
_INSERT_DECISION = insert(RoutingDecision)


def record_decision(
    session: Session,
    decision: Decision,
    *,
    lead: LeadRow | None,
    loaded: LoadedRules,
    loaded_state: LoadedState,
    trigger: str,
    actor: Actor,
    previous_decision: uuid.UUID | str | None = UNKNOWN,
) -> StoredDecision:
    """Store one decision, move the lead to its new owner and advance the pool's rotation.

    Args:
        previous_decision: the lead's current decision id when the caller knows it (``None``:
            it has none), else :data:`UNKNOWN` and it is looked up.

    Returns:
        The stored row's values (the insert went through Core, one statement).
    """
    lead_id = lead.id if lead is not None else None
    values = decision_values(
        decision,
        lead_id=lead_id,
        previous_owner_id=lead.owner_id if lead is not None else None,
        loaded=loaded,
        loaded_state=loaded_state,
        trigger=trigger,
        actor=actor,
    )
    if not is_sqlite(session) and lead is not None and previous_decision == UNKNOWN:
        _write_in_one_statement(session, decision, values, lead, loaded_state, actor)
        return StoredDecision(**values)
    if previous_decision == UNKNOWN:
        repository.mark_previous_not_current(session, lead_id=lead_id, lead_ref=decision.lead_ref)
    elif isinstance(previous_decision, uuid.UUID):
        repository.retire_decision(session, previous_decision)
    session.connection().execute(_INSERT_DECISION, [values])
    if lead is not None:
        set_owner(session, lead, values["owner_id"], decision, actor)
    if decision.rotation is not None:
        changed = _advance_rotation(decision, loaded_state)
        pool_row = loaded_state.pool_rows[decision.rotation.pool]
        pool_rows.save_rotation(session, [pool_row], changed, decision.decided_at)
    return StoredDecision(**values)


def _write_in_one_statement(
    session: Session,
    decision: Decision,
    values: dict[str, Any],
    lead: LeadRow,
    loaded_state: LoadedState,
    actor: Actor,
) -> None:
    owner_id = values["owner_id"]
    owner_rows = None
    if lead.owner_id != owner_id:
        change = [(lead.id, lead.owner_id, owner_id, decision)]
        owner_rows = (_ownership_rows(change, actor)[0], _audit_rows(change, actor)[0])
    pool_row, changed = None, []
    if decision.rotation is not None:
        changed = _advance_rotation(decision, loaded_state)
        pool_row = loaded_state.pool_rows[decision.rotation.pool]
    write_decision(
        session, values=values, lead=lead, retire=True, owner_rows=owner_rows,
        pool=pool_row, members=changed,
    )  # fmt: skip
    if pool_row is not None:
        pool_row.written = pool_row.sequence
    for member in changed:
        member.dirty = False
    if owner_rows is not None:
        _expire_loaded_lead(session, lead.id)
        lead.owner_id = owner_id


def set_owner(
    session: Session, lead: LeadRow, owner_id: uuid.UUID | None, decision: Decision, actor: Actor
) -> None:
    """Give ``lead`` to ``owner_id`` (``None``: back to a queue) with its history rows.

    A Core ``UPDATE`` (the lead was read as columns); a loaded ORM copy of the lead in this
    session, if any, is expired so it reads the new owner.
    """
    if lead.owner_id == owner_id:
        return
    bulk_owner_history(session, [(lead.id, lead.owner_id, owner_id, decision)], actor)
    params = {"b_id": lead.id, "b_owner": owner_id, "b_at": decision.decided_at}
    session.connection().execute(_SET_OWNER, params)
    _expire_loaded_lead(session, lead.id)
    lead.owner_id = owner_id


def _expire_loaded_lead(session: Session, lead_id: uuid.UUID) -> None:
    """An ORM copy of the lead in this session, if any, reads the new owner next time."""
    loaded = session.identity_map.get(session.identity_key(Lead, lead_id))
    if loaded is not None:
        session.expire(loaded, ["owner_id", "updated_at"])


_SET_OWNER = (
    update(Lead)
    .where(Lead.id == bindparam("b_id"))
    .values(owner_id=bindparam("b_owner"), updated_at=bindparam("b_at"))
)


def _ownership_reason(decision: Decision) -> str:
    where = decision.rule or decision.queue or decision.method
    return f"routing: {where} ({decision.method})"[:200]


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _advance_rotation(decision: Decision, loaded_state: LoadedState) -> list[MemberRow]:
    """Move the pool's counter and the members' turns/credits in memory; the changed rows."""
    update_ = decision.rotation
    assert update_ is not None
    pool_row = loaded_state.pool_rows[update_.pool]
    pool_row.sequence = update_.sequence
    credits = dict(update_.credits or ())
    changed = []
    for email in {update_.rep, *credits}:
        member = _member_row(loaded_state, update_.pool, email)
        if member is None:
            continue
        if email == update_.rep:
            member.last_sequence = update_.sequence
            member.assignments += 1
        if email in credits:
            member.credit = credits[email]
        member.dirty = True
        changed.append(member)
    return changed


def _member_row(loaded_state: LoadedState, pool: str, email: str) -> MemberRow | None:
    user_id = loaded_state.user_id(email)
    if user_id is None:
        return None
    key = (pool, user_id)
    row = loaded_state.member_rows.get(key)
    if row is None:
        row = MemberRow(None, pool, user_id, None, 0, 0)
        loaded_state.member_rows[key] = row
    return row


def write_rotations(
    session: Session,
    state: RoutingState,
    loaded_state: LoadedState,
    counts: dict[tuple[str, str], int],
    at: datetime,
) -> None:
    """After a batch: every pool's final position and each member's last turn and credit."""
    for pool, row in loaded_state.pool_rows.items():
        rotation = state.rotations.get(pool)
        if rotation is None or rotation.sequence == row.sequence:
            continue
        row.sequence = rotation.sequence
        for email in set(rotation.last) | set(rotation.credit):
            member = _member_row(loaded_state, pool, email)
            if member is None:
                continue
            member.last_sequence = rotation.last.get(email, member.last_sequence)
            member.credit = rotation.credit.get(email, member.credit)
            member.assignments += counts.get((pool, email), 0)
            member.dirty = True
    pool_rows.save_rotation(
        session, loaded_state.pool_rows.values(), loaded_state.member_rows.values(), at
    )


def bulk_owner_changes(
    session: Session,
    changes: Sequence[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None, Decision]],
    actor: Actor,
) -> None:
    """``(lead id, old owner, new owner, decision)`` for many leads, in three statements."""
    if not changes:
        return
    session.execute(
        update(Lead),
        [
            {"id": lead_id, "owner_id": new, "updated_at": d.decided_at}
            for lead_id, _, new, d in changes
        ],
    )
    bulk_owner_history(session, changes, actor)


def bulk_owner_history(
    session: Session,
    changes: Sequence[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None, Decision]],
    actor: Actor,
) -> None:
    """The ``ownership_changes`` row and the audit event of each owner change."""
    connection = session.connection()
    connection.execute(insert(OwnershipChange), _ownership_rows(changes, actor))
    connection.execute(insert(AuditEvent), _audit_rows(changes, actor))


Change = tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None, Decision]


def _ownership_rows(changes: Sequence[Change], actor: Actor) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(), "entity_type": ENTITY, "entity_id": lead_id, "from_user_id": old,
            "to_user_id": new, "changed_at": d.decided_at, "changed_by_id": actor.user_id,
            "reason": _ownership_reason(d),
        }
        for lead_id, old, new, d in changes
    ]  # fmt: skip


def _audit_rows(changes: Sequence[Change], actor: Actor) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(), "occurred_at": d.decided_at, "actor_id": actor.user_id,
            "actor_label": actor.label, "action": "route", "entity_type": ENTITY,
            "entity_id": lead_id, "before": {"owner_id": _text(old)},
            "after": {"owner_id": _text(new)},
        }
        for lead_id, old, new, d in changes
    ]  # fmt: skip
