"""A record's full history for the CLI: audit events, stage moves and owner moves; import runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from coxswain.audit.models import AuditEvent, ImportRun, OwnershipChange
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.db.models import Base, OpportunityStageChange, Stage, User
from coxswain.imports.engine.schema import entity_spec
from coxswain.imports.resolver import as_uuid


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "actor": self.actor,
            "detail": self.detail,
        }


def find_record(session: Session, entity: str, key: str) -> tuple[str, uuid.UUID]:
    """The table and id of the record ``key`` names (Coxswain id or external id)."""
    spec = entity_spec(entity)
    table: Table = Base.metadata.tables[spec.table]
    if "external_id" not in table.c:
        raise ValidationError(f"{spec.name} records have no history of their own")
    conditions = [table.c.external_id == key]
    as_id = as_uuid(key)
    if as_id is not None:
        conditions.append(table.c.id == as_id)
    ids = session.scalars(select(table.c.id).where(or_(*conditions))).all()
    if not ids:
        raise NotFoundError(f"no {spec.name} record with id or external id {key!r}")
    if len(ids) > 1:
        raise ValidationError(f"{key!r} names {len(ids)} {spec.name} records; use the Coxswain id")
    return spec.table, ids[0]


def record_history(session: Session, entity: str, key: str) -> list[HistoryEntry]:
    """Every change to one record, oldest first: audit events, stage and owner moves."""
    table, record_id = find_record(session, entity, key)
    entries = [
        HistoryEntry(e.occurred_at, e.action, e.actor_label, {"before": e.before, "after": e.after})
        for e in session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == table, AuditEvent.entity_id == record_id
            )
        )
    ]
    users: dict[uuid.UUID | None, str] = {u.id: u.full_name for u in session.scalars(select(User))}
    for change in session.scalars(
        select(OwnershipChange).where(
            OwnershipChange.entity_type == table, OwnershipChange.entity_id == record_id
        )
    ):
        detail = {
            "from": users.get(change.from_user_id),
            "to": users.get(change.to_user_id),
            "reason": change.reason,
        }
        entries.append(
            HistoryEntry(change.changed_at, "owner", users.get(change.changed_by_id) or "", detail)
        )
    if table == "opportunities":
        stages: dict[uuid.UUID | None, str] = {s.id: s.name for s in session.scalars(select(Stage))}
        for move in session.scalars(
            select(OpportunityStageChange).where(OpportunityStageChange.opportunity_id == record_id)
        ):
            moved: dict[str, Any] = {
                "from": stages.get(move.from_stage_id) if move.from_stage_id else None,
                "to": stages.get(move.to_stage_id),
                "amount_minor": move.amount_minor,
            }
            entries.append(
                HistoryEntry(move.changed_at, "stage", users.get(move.changed_by_id) or "", moved)
            )
    return sorted(entries, key=lambda e: e.at)


def import_runs(session: Session, *, limit: int = 20) -> list[ImportRun]:
    return list(
        session.scalars(select(ImportRun).order_by(ImportRun.started_at.desc()).limit(limit))
    )
