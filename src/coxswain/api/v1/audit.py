"""Audit trail output shared by the record routers (each checks visibility first)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from coxswain.audit.service import history_of


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_label: str
    action: str
    entity_type: str
    entity_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def audit_of(session: Session, entity_type: str, entity_id: uuid.UUID) -> list[AuditEventOut]:
    return [
        AuditEventOut.model_validate(e)
        for e in history_of(session, entity_type=entity_type, entity_id=entity_id)
    ]
