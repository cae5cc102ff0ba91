"""ORM models for people and teams."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.core.enums import Role, Segment
from coxswain.db.base import Base, ExternalRefMixin, IdMixin, SoftDeleteMixin, TimestampMixin
from coxswain.db.types import UTCDateTime, enum_check, enum_column_type


class Team(IdMixin, TimestampMixin, SoftDeleteMixin, ExternalRefMixin, Base):
    """A node of the sales organisation (region, team, pod). ``parent_id`` makes the tree."""

    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("name"),
        UniqueConstraint("external_id", "external_source"),
        enum_check("segment", Segment),
    )

    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("teams.id", ondelete="RESTRICT"), index=True
    )
    manager_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    region: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(enum_column_type(Segment))


class User(IdMixin, TimestampMixin, SoftDeleteMixin, ExternalRefMixin, Base):
    """Anyone who uses Coxswain or owns records: reps, managers, sales ops, finance, admins.

    ``capacity_per_day`` / ``capacity_per_week`` cap lead assignments (NULL = no cap).
    ``working_hours`` maps weekday (``mon``..``sun``) to ``[["09:00", "17:00"], ...]`` in
    ``time_zone`` (an IANA name).
    """

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("email"),
        UniqueConstraint("external_id", "external_source"),
        enum_check("role", Role),
        enum_check("segment", Segment),
    )

    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(enum_column_type(Role), default=Role.REP.value)
    manager_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    segment: Mapped[str | None] = mapped_column(enum_column_type(Segment))
    region: Mapped[str | None] = mapped_column(String(100))
    capacity_per_day: Mapped[int | None] = mapped_column(Integer)
    capacity_per_week: Mapped[int | None] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    working_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(default=True)
    out_of_office: Mapped[bool] = mapped_column(default=False)
    hire_date: Mapped[date | None] = mapped_column(Date)
    password_hash: Mapped[str | None] = mapped_column(String(255))


class UserAbsence(IdMixin, TimestampMixin, Base):
    """A planned absence (holiday, leave) from ``starts_at`` to ``ends_at`` (UTC, end exclusive)."""

    __tablename__ = "user_absences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(200))
