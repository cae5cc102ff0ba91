"""ORM models for the audit trail and ownership history (both append-only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.core.clock import utcnow
from coxswain.db.base import Base, IdMixin
from coxswain.db.types import UTCDateTime


class AuditEvent(IdMixin, Base):
    """One change to one record (or one bulk operation when ``entity_id`` is NULL).

    ``action``: ``create`` / ``update`` / ``delete`` / ``import``. ``before`` and ``after`` hold
    the changed fields only (JSON-safe values). ``actor_id`` is NULL for the system or an import;
    ``actor_label`` always names who or what acted (``user:ana@x.com``, ``import:<run>``).
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id", "occurred_at"),)

    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    import_run_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("import_runs.id", ondelete="SET NULL"), index=True
    )


class OwnershipChange(IdMixin, Base):
    """Append-only: ``entity_type``/``entity_id`` passed from one owner to another, effective at."""

    __tablename__ = "ownership_changes"
    __table_args__ = (
        Index("ix_ownership_changes_entity", "entity_type", "entity_id", "changed_at"),
    )

    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    from_user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    to_user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(String(200))


class ImportRun(IdMixin, Base):
    """One ``coxswain import``: the file, the profile and what happened to its rows."""

    __tablename__ = "import_runs"

    entity: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(1000))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    actor_label: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")
    rows_read: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    rejects_file: Mapped[str | None] = mapped_column(String(1000))
