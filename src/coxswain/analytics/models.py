"""ORM models of analytics: sales targets (quota), which pipeline coverage divides by, and
the change marker of the model tables kept between runs."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.db.base import Base, IdMixin, TimestampMixin
from coxswain.db.types import enum_check, enum_column_type


class TargetScope(StrEnum):
    COMPANY = "company"
    TEAM = "team"
    REP = "rep"


class SalesTarget(IdMixin, TimestampMixin, Base):
    """A sales target: ``amount_minor`` in ``currency`` to win from ``period_start`` to
    ``period_end`` (both included), for the company, a team (its whole subtree) or a rep.

    Exactly one of ``team_id`` / ``user_id`` is set for team and rep targets; neither for a
    company target. A window that covers part of the period gets a pro-rated share (by days).
    """

    __tablename__ = "sales_targets"
    __table_args__ = (
        enum_check("scope", TargetScope),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint(
            "(scope = 'company' AND team_id IS NULL AND user_id IS NULL)"
            " OR (scope = 'team' AND team_id IS NOT NULL AND user_id IS NULL)"
            " OR (scope = 'rep' AND user_id IS NOT NULL AND team_id IS NULL)",
            name="scope_owner",
        ),
        Index("ix_sales_targets_period", "period_start", "period_end"),
    )

    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(enum_column_type(TargetScope))
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))


class AnalyticsChanges(Base):
    """One row whose ``generation`` SQLite triggers bump on every update or delete of a
    table the analytics model reads (migration ``0007_analytics_changes``).

    With each table's largest rowid (which every insert raises) it is an exact marker of
    "has the data changed?": the model tables kept between report runs
    (``analytics/sources/model_files.py``) are found by it. PostgreSQL keeps the row but
    no triggers (its reports store no model between runs).
    """

    __tablename__ = "analytics_changes"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
