"""ORM models for pipelines, stages and opportunities."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.core.enums import ForecastCategory, OpportunityType, StageCategory
from coxswain.db.base import Base, ExternalRefMixin, IdMixin, SoftDeleteMixin, TimestampMixin
from coxswain.db.types import UTCDateTime, enum_check, enum_column_type


class Pipeline(IdMixin, TimestampMixin, Base):
    __tablename__ = "pipelines"
    __table_args__ = (UniqueConstraint("name"),)

    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)


class Stage(IdMixin, TimestampMixin, Base):
    """A pipeline stage. Logic keys off ``category`` (open / won / lost), never the name.

    ``probability_bp`` is the default win probability in basis points (0..10000).
    """

    __tablename__ = "stages"
    __table_args__ = (
        UniqueConstraint("pipeline_id", "name"),
        UniqueConstraint("pipeline_id", "position"),
        enum_check("category", StageCategory),
        enum_check("forecast_category", ForecastCategory),
        CheckConstraint("probability_bp BETWEEN 0 AND 10000", name="probability_range"),
    )

    pipeline_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pipelines.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    probability_bp: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(enum_column_type(StageCategory))
    forecast_category: Mapped[str] = mapped_column(enum_column_type(ForecastCategory))
    is_active: Mapped[bool] = mapped_column(default=True)


class LostReason(IdMixin, TimestampMixin, Base):
    __tablename__ = "lost_reasons"
    __table_args__ = (UniqueConstraint("name"),)

    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)


class Opportunity(IdMixin, TimestampMixin, SoftDeleteMixin, ExternalRefMixin, Base):
    """A deal. ``status`` mirrors the stage's category; money is ``amount_minor`` + ``currency``.

    Business dates: ``opened_on`` (created in the CRM; unknown for some legacy imports),
    ``engaged_on`` (left the first stage), ``expected_close_on``, ``closed_on`` (won or lost).
    ``version`` increases on every change (optimistic concurrency).
    """

    __tablename__ = "opportunities"
    __table_args__ = (
        UniqueConstraint("external_id", "external_source"),
        enum_check("status", StageCategory),
        enum_check("forecast_category", ForecastCategory),
        enum_check("type", OpportunityType),
        Index("ix_opportunities_status_closed_on", "status", "closed_on"),
        # A rep's list, newest first, walks one index range instead of the whole primary key.
        Index("ix_opportunities_owner_id_id", "owner_id", "id"),
        # The open pipeline by expected close date.
        Index("ix_opportunities_status_expected_close_on", "status", "expected_close_on"),
    )

    name: Mapped[str] = mapped_column(String(300))
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    pipeline_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("pipelines.id"), index=True)
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stages.id"), index=True)
    status: Mapped[str] = mapped_column(enum_column_type(StageCategory))
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))
    probability_bp: Mapped[int | None] = mapped_column(Integer)
    forecast_category: Mapped[str] = mapped_column(enum_column_type(ForecastCategory))
    forecast_category_overridden: Mapped[bool] = mapped_column(default=False)
    type: Mapped[str] = mapped_column(
        enum_column_type(OpportunityType), default=OpportunityType.NEW_BUSINESS.value
    )
    lead_source: Mapped[str | None] = mapped_column(String(100))
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("leads.id", ondelete="SET NULL", use_alter=True), index=True
    )
    lost_reason_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("lost_reasons.id", ondelete="SET NULL")
    )
    opened_on: Mapped[date | None] = mapped_column(Date, index=True)
    engaged_on: Mapped[date | None] = mapped_column(Date)
    expected_close_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    next_step: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class OpportunityLineItem(IdMixin, TimestampMixin, ExternalRefMixin, Base):
    """A product on a deal: ``total_minor = round(quantity × unit_price_minor × (1 − disc))``."""

    __tablename__ = "opportunity_line_items"
    __table_args__ = (UniqueConstraint("external_id", "external_source"),)

    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(1))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    discount_bp: Mapped[int] = mapped_column(Integer, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))


class OpportunityStageChange(IdMixin, Base):
    """Append-only: the deal moved from ``from_stage_id`` (NULL when it entered the pipeline)."""

    __tablename__ = "opportunity_stage_changes"
    __table_args__ = (
        Index(
            "ix_opportunity_stage_changes_opportunity_id_changed_at", "opportunity_id", "changed_at"
        ),
    )

    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("opportunities.id", ondelete="CASCADE")
    )
    from_stage_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("stages.id"))
    to_stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stages.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    external_source: Mapped[str | None] = mapped_column(String(50))
