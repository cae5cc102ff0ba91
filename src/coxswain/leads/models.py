"""ORM models for leads and their status history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.core.enums import LeadStatus, Segment
from coxswain.db.base import Base, ExternalRefMixin, IdMixin, SoftDeleteMixin, TimestampMixin
from coxswain.db.types import UTCDateTime, enum_check, enum_column_type


class Lead(IdMixin, TimestampMixin, SoftDeleteMixin, ExternalRefMixin, Base):
    """A person or company that showed interest.

    ``received_at`` is when the lead came in. Each lifecycle step has its own timestamp
    (``mql_at``, ``accepted_at``, ``first_touch_at``, ``qualified_at``, ``converted_at``,
    ``disqualified_at``, ``recycled_at``); the full sequence is in ``lead_status_changes``.
    ``segment`` is the lead's market segment as the source names it; ``attributes`` holds
    source fields without a column of their own.
    """

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("external_id", "external_source"),
        enum_check("status", LeadStatus),
        Index("ix_leads_status_received_at", "status", "received_at"),
    )

    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(500))
    industry: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(100), index=True)
    landing_page: Mapped[str | None] = mapped_column(String(500))
    campaign: Mapped[str | None] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(100))
    size_segment: Mapped[str | None] = mapped_column(enum_column_type(Segment))
    status: Mapped[str] = mapped_column(enum_column_type(LeadStatus), default=LeadStatus.NEW.value)
    score: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    sdr_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mql_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_touch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    qualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recycled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_reason: Mapped[str | None] = mapped_column(String(200))
    converted_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    converted_contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    converted_opportunity_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("opportunities.id", ondelete="SET NULL")
    )
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class LeadStatusChange(IdMixin, Base):
    """Append-only: the lead moved from ``from_status`` (NULL on creation) to ``to_status``."""

    __tablename__ = "lead_status_changes"
    __table_args__ = (Index("ix_lead_status_changes_lead_id_changed_at", "lead_id", "changed_at"),)

    lead_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("leads.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(enum_column_type(LeadStatus))
    to_status: Mapped[str] = mapped_column(enum_column_type(LeadStatus))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
