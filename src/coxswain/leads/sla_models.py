"""ORM models of the lead SLA: breaches, the escalation steps taken, and notifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.db.base import Base, IdMixin
from coxswain.db.types import UTCDateTime, enum_check, enum_column_type


class SlaMilestone(StrEnum):
    ACCEPT = "accept"
    FIRST_TOUCH = "first_touch"


class EscalationAction(StrEnum):
    NOTIFY = "notify"
    REASSIGN = "reassign"
    RETURN_TO_QUEUE = "return_to_queue"


class SlaBreach(IdMixin, Base):
    """A milestone missed on one lead, once per clock (``clock_started_at``): a reassigned lead
    starts a new accept clock and can breach again with its new owner."""

    __tablename__ = "sla_breaches"
    __table_args__ = (
        UniqueConstraint("lead_id", "milestone", "clock_started_at"),
        enum_check("milestone", SlaMilestone),
    )

    lead_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    milestone: Mapped[str] = mapped_column(enum_column_type(SlaMilestone))
    policy_name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    clock_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlaEscalation(IdMixin, Base):
    """An escalation step carried out for a breach (each step at most once)."""

    __tablename__ = "sla_escalations"
    __table_args__ = (
        UniqueConstraint("breach_id", "step"),
        enum_check("action", EscalationAction),
    )

    breach_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sla_breaches.id", ondelete="CASCADE")
    )
    step: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(enum_column_type(EscalationAction))
    executed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(500))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("routing_decisions.id", ondelete="SET NULL")
    )


class SlaNotification(IdMixin, Base):
    """A message for a user about a lead (an SLA breach); ``read_at`` NULL until seen."""

    __tablename__ = "sla_notifications"
    __table_args__ = (Index("ix_sla_notifications_recipient_read", "recipient_id", "read_at"),)

    recipient_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE")
    )
    lead_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    breach_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("sla_breaches.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
