"""ORM model for activities."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.core.enums import ActivityType
from coxswain.db.base import Base, ExternalRefMixin, IdMixin, SoftDeleteMixin, TimestampMixin
from coxswain.db.types import UTCDateTime, enum_check, enum_column_type


class Activity(IdMixin, TimestampMixin, SoftDeleteMixin, ExternalRefMixin, Base):
    """Something a rep did. ``duration_minutes`` is logged time (0 for an e-mail with no timer)."""

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("external_id", "external_source"),
        enum_check("type", ActivityType),
        Index("ix_activities_owner_id_occurred_at", "owner_id", "occurred_at"),
    )

    type: Mapped[str] = mapped_column(enum_column_type(ActivityType))
    subject: Mapped[str | None] = mapped_column(String(300))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[bool] = mapped_column(default=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
