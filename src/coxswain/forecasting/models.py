"""ORM models for forecast calls, manager adjustments and weekly forecast snapshots.

Tables (all append-only except that nothing is ever updated in place):

* ``forecast_calls``: a person's call for a period (commit / best case / pipeline amounts);
  a resubmission is a new row, the latest ``submitted_at`` counts.
* ``forecast_call_adjustments``: a manager's adjustment of a call; the latest counts.
* ``forecast_snapshots``: one row per weekly snapshot (``week_of`` = the Monday).
* ``forecast_snapshot_deals``: every open or in-period deal as known at the snapshot.
* ``forecast_snapshot_calls``: every effective call as known at the snapshot.
* ``forecast_snapshot_predictions``: the system forecasts (method, P10/P50/P90) then.

Amounts are integer minor units of ``currency`` (the reporting currency when written).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.core.enums import ForecastCategory, StageCategory
from coxswain.db.base import Base, IdMixin
from coxswain.db.types import UTCDateTime, enum_check, enum_column_type


class ForecastCall(IdMixin, Base):
    """A call: what ``user_id`` expects to book in the period, per forecast category.

    ``team_id`` is set when a manager calls for a whole team (NULL: the person's own deals).
    Amounts are *not* cumulative: ``best_case_minor`` is the upside beyond commit.
    """

    __tablename__ = "forecast_calls"
    __table_args__ = (
        Index("ix_forecast_calls_user_id_period", "user_id", "period"),
        Index("ix_forecast_calls_period_submitted_at", "period", "submitted_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    commit_minor: Mapped[int] = mapped_column(BigInteger)
    best_case_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    pipeline_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))
    note: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )


class ForecastCallAdjustment(IdMixin, Base):
    """A manager's override of a call's amounts (the call itself is kept unchanged)."""

    __tablename__ = "forecast_call_adjustments"

    call_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("forecast_calls.id", ondelete="CASCADE"), index=True
    )
    adjusted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    commit_minor: Mapped[int] = mapped_column(BigInteger)
    best_case_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    pipeline_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str | None] = mapped_column(String(500))
    adjusted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ForecastSnapshot(IdMixin, Base):
    """One weekly snapshot. ``week_of`` is the Monday of the week; ``taken_at`` the instant;
    ``as_of`` the first day *not* known to the data at that instant."""

    __tablename__ = "forecast_snapshots"
    __table_args__ = (UniqueConstraint("week_of"),)

    week_of: Mapped[date] = mapped_column(Date)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))


class ForecastSnapshotDeal(IdMixin, Base):
    """A deal as it stood at the snapshot (open deals and those closed in the week).

    ``amount_minor`` is converted to the snapshot's reporting ``currency``.
    """

    __tablename__ = "forecast_snapshot_deals"
    __table_args__ = (
        enum_check("status", StageCategory),
        enum_check("forecast_category", ForecastCategory),
    )

    snapshot_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("forecast_snapshots.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stages.id"))
    status: Mapped[str] = mapped_column(enum_column_type(StageCategory))
    forecast_category: Mapped[str] = mapped_column(enum_column_type(ForecastCategory))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))
    probability_bp: Mapped[int | None] = mapped_column(Integer)
    expected_close_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)


class ForecastSnapshotCall(IdMixin, Base):
    """A call as effective at the snapshot (after the latest adjustment then)."""

    __tablename__ = "forecast_snapshot_calls"

    snapshot_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("forecast_snapshots.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("forecast_calls.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("teams.id", ondelete="SET NULL")
    )
    period: Mapped[str] = mapped_column(String(10))
    commit_minor: Mapped[int] = mapped_column(BigInteger)
    best_case_minor: Mapped[int] = mapped_column(BigInteger)
    pipeline_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))
    adjusted: Mapped[bool] = mapped_column(default=False)


class ForecastSnapshotPrediction(IdMixin, Base):
    """A system forecast at the snapshot: ``method``'s point and P10/P50/P90 for ``period``."""

    __tablename__ = "forecast_snapshot_predictions"
    __table_args__ = (UniqueConstraint("snapshot_id", "period", "method"),)

    snapshot_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("forecast_snapshots.id", ondelete="CASCADE")
    )
    period: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(40))
    point_minor: Mapped[int] = mapped_column(BigInteger)
    p10_minor: Mapped[int | None] = mapped_column(BigInteger)
    p50_minor: Mapped[int | None] = mapped_column(BigInteger)
    p90_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))
