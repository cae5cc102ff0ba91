"""Routing queries on leads, rule sets and decisions, and the lead's row lock. Never commits.

Serialisation: routing a lead locks the lead row here and the state row of the pool it uses
(:mod:`coxswain.routing.pool_rows`; ``SELECT ... FOR UPDATE`` on PostgreSQL). SQLite has no
row locks; :func:`take_write_lock` makes the transaction's first statement a write, which
takes SQLite's database write lock at once (the engine's plain ``BEGIN`` would otherwise start
a read snapshot that fails to upgrade when another writer got there first).
Reps' profiles and loads: :mod:`coxswain.routing.rep_queries`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from coxswain.db.engine import is_sqlite
from coxswain.db.types import UTCDateTime
from coxswain.leads.models import Lead
from coxswain.routing import pg_direct
from coxswain.routing.engine.fields import LEAD_FIELDS
from coxswain.routing.models import RoutingDecision, RoutingRuleSet

CLOSED_STATUSES = ("converted", "disqualified")


def take_write_lock(session: Session) -> None:
    """On SQLite, take the database write lock now (a no-op write); nothing on PostgreSQL."""
    if is_sqlite(session):
        session.execute(text("UPDATE routing_pool_states SET sequence = sequence WHERE 1 = 0"))


@dataclass(slots=True)
class LeadRow:
    """A lead locked for this transaction, read as plain values (no ORM object)."""

    id: uuid.UUID
    external_id: str | None
    owner_id: uuid.UUID | None
    status: str
    fields: dict[str, Any]
    rules_head: tuple[Any, int, str] | None = None


def lock_lead(session: Session, lead_id: uuid.UUID) -> LeadRow | None:
    """The lead, locked for this transaction (``None`` when missing or deleted).

    Read as columns rather than an ORM object (a routed lead's hottest statement), with the
    active rule set's head; on PostgreSQL straight on the driver (:mod:`pg_direct`). Its
    current decision is retired later with an ``UPDATE``, never read here: a row joined to a
    ``FOR UPDATE`` that had to wait would come from the snapshot taken before the wait.
    """
    if is_sqlite(session):
        take_write_lock(session)
        row = session.connection().execute(_LOCK_LEAD, {"lead_id": lead_id}).one_or_none()
        if row is None:
            return None
        values = row._asdict()
    else:
        rows = pg_direct.fetch_all(session, _LOCK_LEAD_PG, {"lead_id": lead_id})
        if not rows:
            return None
        values = rows[0]._asdict()
        for name in _TIMESTAMPS:
            values[name] = pg_direct.as_utc(values[name])
    head = (values.pop("rules_id"), values.pop("rules_version"), values.pop("rules_sha256"))
    return LeadRow(
        id=values.pop("id"), external_id=values["external_id"], owner_id=values.pop("owner_id"),
        status=values["status"], fields=values, rules_head=head if head[0] is not None else None,
    )  # fmt: skip


# Hot-path statements are built once (bind parameters), so each call skips building and
# hashing the statement: a large share of a routed lead's client CPU otherwise.
_ACTIVE = RoutingRuleSet.is_active.is_(True)
_LOCK_LEAD = (
    select(
        Lead.id,
        Lead.owner_id,
        *(getattr(Lead, name) for name in LEAD_FIELDS),
        select(RoutingRuleSet.id).where(_ACTIVE).scalar_subquery().label("rules_id"),
        select(RoutingRuleSet.version).where(_ACTIVE).scalar_subquery().label("rules_version"),
        select(RoutingRuleSet.sha256).where(_ACTIVE).scalar_subquery().label("rules_sha256"),
    )
    .where(Lead.id == bindparam("lead_id"), Lead.deleted_at.is_(None))
    .with_for_update()
)
_LOCK_LEAD_PG = pg_direct.prepare(_LOCK_LEAD)
_TIMESTAMPS = tuple(
    name for name in LEAD_FIELDS if isinstance(getattr(Lead, name).type, UTCDateTime)
)


def find_lead(session: Session, reference: str) -> Lead | None:
    """A lead by id (UUID text) or external id (the most recent one when several sources)."""
    try:
        lead = session.get(Lead, uuid.UUID(reference))
    except ValueError:
        lead = None
    if lead is not None:
        return lead
    return session.scalars(
        select(Lead).where(Lead.external_id == reference).order_by(Lead.created_at.desc())
    ).first()


_ACTIVE_HEAD = select(RoutingRuleSet.id, RoutingRuleSet.version, RoutingRuleSet.sha256).where(
    RoutingRuleSet.is_active.is_(True)
)


def active_rule_set_head(session: Session) -> tuple[Any, int, str] | None:
    """``(id, version, sha256)`` of the active rule set, without its document."""
    row = session.execute(_ACTIVE_HEAD).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def active_rule_set(session: Session) -> RoutingRuleSet | None:
    return session.scalars(
        select(RoutingRuleSet).where(RoutingRuleSet.is_active.is_(True))
    ).one_or_none()


def next_rule_set_version(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(RoutingRuleSet.version), 0))) or 0) + 1


def retire_decision(session: Session, decision_id: uuid.UUID) -> None:
    session.execute(
        update(RoutingDecision).where(RoutingDecision.id == decision_id).values(is_current=False)
    )


def mark_previous_not_current(
    session: Session, *, lead_id: uuid.UUID | None, lead_ref: str
) -> None:
    if lead_id is not None:
        session.connection().execute(_RETIRE_FOR_LEAD, {"b_lead_id": lead_id})
        return
    session.execute(
        update(RoutingDecision)
        .where(
            RoutingDecision.lead_ref == lead_ref,
            RoutingDecision.lead_id.is_(None),
            RoutingDecision.is_current.is_(True),
        )
        .values(is_current=False)
    )


_RETIRE_FOR_LEAD = (
    update(RoutingDecision)
    .where(RoutingDecision.lead_id == bindparam("b_lead_id"), RoutingDecision.is_current.is_(True))
    .values(is_current=False)
)


def decisions_for(
    session: Session, *, lead_id: uuid.UUID | None, lead_ref: str
) -> list[RoutingDecision]:
    """Every decision about the lead, newest first."""
    condition: Any = RoutingDecision.lead_ref == lead_ref
    if lead_id is not None:
        condition = (RoutingDecision.lead_id == lead_id) | condition
    return list(
        session.scalars(
            select(RoutingDecision)
            .where(condition)
            .order_by(RoutingDecision.decided_at.desc(), RoutingDecision.id.desc())
        )
    )
