"""The audit trail: write one event per change (actor, before/after), read a record's history.

``before`` and ``after`` hold only the fields that changed, as JSON-safe values (UUIDs and dates
as ISO strings, Decimals as strings). Events are append-only: nothing here updates or deletes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.audit.models import AuditEvent


def json_safe(value: Any) -> Any:
    """``value`` as something ``json.dumps`` accepts, keeping its meaning."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    return str(value)


def apply_changes(
    record: object, changes: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set each changed attribute on ``record``; return (before, after) of those that differed."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, new in changes.items():
        old = getattr(record, field)
        if old == new:
            continue
        before[field] = json_safe(old)
        after[field] = json_safe(new)
        setattr(record, field, new)
    return before, after


def snapshot(record: object, fields: tuple[str, ...]) -> dict[str, Any]:
    """The JSON-safe values of ``fields`` (the ``after`` of a creation, ``before`` of a delete)."""
    return {field: json_safe(getattr(record, field)) for field in fields}


def record_change(
    session: Session,
    *,
    actor_id: uuid.UUID | None,
    actor_label: str,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    occurred_at: datetime,
) -> AuditEvent:
    """Append one audit event (``action``: create, update, delete or a named action)."""
    event = AuditEvent(
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=dict(before) if before else None,
        after=dict(after) if after else None,
    )
    session.add(event)
    return event


def history_of(
    session: Session, *, entity_type: str, entity_id: uuid.UUID, limit: int = 200
) -> list[AuditEvent]:
    """The record's audit events, newest first (at most ``limit``)."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
