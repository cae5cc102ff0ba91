"""ORM models of routing: published rule sets, pool rotations, decisions, runs, duplicates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.core.clock import utcnow
from coxswain.db.base import Base, IdMixin
from coxswain.db.types import UTCDateTime, enum_check, enum_column_type
from coxswain.routing.enums import DecisionOutcome, DecisionTrigger, DuplicateAction, RunKind


class RoutingRuleSet(IdMixin, Base):
    """A published rules document (YAML/JSON as parsed data). One row is active at a time."""

    __tablename__ = "routing_rule_sets"
    __table_args__ = (UniqueConstraint("version"),)

    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    actor_label: Mapped[str] = mapped_column(String(200))
    source_name: Mapped[str | None] = mapped_column(String(500))


class RoutingPoolState(IdMixin, Base):
    """The lock row and assignment counter of one pool (by name, across rule-set versions).

    Routing a lead locks this row (``SELECT ... FOR UPDATE``) before reading the rotation, so
    concurrent workers take turns and round robin stays exact.
    """

    __tablename__ = "routing_pool_states"
    __table_args__ = (UniqueConstraint("pool_name"),)

    pool_name: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RoutingPoolMember(IdMixin, Base):
    """A rep's place in a pool's rotation: last assignment number and weighted credit."""

    __tablename__ = "routing_pool_members"
    __table_args__ = (UniqueConstraint("pool_name", "user_id"),)

    pool_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    last_sequence: Mapped[int | None] = mapped_column(BigInteger)
    credit: Mapped[int] = mapped_column(Integer, default=0)
    assignments: Mapped[int] = mapped_column(Integer, default=0)


class RoutingRun(IdMixin, Base):
    """One ``coxswain route batch`` (or routing of pending leads): file, rules and counts."""

    __tablename__ = "routing_runs"
    __table_args__ = (enum_check("kind", RunKind),)

    kind: Mapped[str] = mapped_column(enum_column_type(RunKind))
    file_name: Mapped[str | None] = mapped_column(String(1000))
    rules_sha256: Mapped[str] = mapped_column(String(64))
    rule_set_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("routing_rule_sets.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leads: Mapped[int] = mapped_column(Integer, default=0)
    assigned: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    actor_label: Mapped[str] = mapped_column(String(200))


class RoutingDecision(IdMixin, Base):
    """Every assignment with its reason (append-only; ``is_current`` marks the latest per lead).

    ``lead_ref`` is how the lead was named when routed (external id, or the id as text) so
    decisions about leads routed from a file without a row here can still be explained.
    ``explanation`` is :meth:`coxswain.routing.engine.decision.Decision.to_dict`.
    """

    __tablename__ = "routing_decisions"
    __table_args__ = (
        enum_check("outcome", DecisionOutcome),
        enum_check("trigger", DecisionTrigger),
        Index("ix_routing_decisions_owner_id_decided_at", "owner_id", "decided_at"),
        Index("ix_routing_decisions_lead_id_decided_at", "lead_id", "decided_at"),
        Index("ix_routing_decisions_queue_current", "queue_name", "is_current"),
    )

    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("leads.id", ondelete="SET NULL")
    )
    lead_ref: Mapped[str] = mapped_column(String(255), index=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("routing_runs.id", ondelete="SET NULL"), index=True
    )
    rule_set_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("routing_rule_sets.id", ondelete="SET NULL")
    )
    rules_sha256: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(enum_column_type(DecisionTrigger))
    outcome: Mapped[str] = mapped_column(enum_column_type(DecisionOutcome))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    owner_email: Mapped[str | None] = mapped_column(String(320))
    previous_owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    queue_name: Mapped[str | None] = mapped_column(String(200))
    rule_name: Mapped[str | None] = mapped_column(String(200))
    pool_name: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(40))
    pool_sequence: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(1000))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    actor_label: Mapped[str] = mapped_column(String(200))


class LeadDuplicate(IdMixin, Base):
    """``lead_id`` duplicates ``duplicate_of_id``: linked (both kept) or merged (the duplicate
    soft-deleted after its values filled the original's blanks). Never a silent drop."""

    __tablename__ = "lead_duplicates"
    __table_args__ = (
        UniqueConstraint("lead_id", "duplicate_of_id"),
        enum_check("action", DuplicateAction),
    )

    lead_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    duplicate_of_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    matched_on: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(enum_column_type(DuplicateAction))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_label: Mapped[str] = mapped_column(String(200))
