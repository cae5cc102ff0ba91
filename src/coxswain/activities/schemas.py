"""Pydantic DTOs for activities (inputs forbid unknown fields)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from coxswain.core.enums import ActivityType


class ActivityFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ActivityType | None = None
    owner_id: uuid.UUID | None = None
    opportunity_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


class ActivityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type: ActivityType
    subject: str | None
    occurred_at: datetime
    duration_minutes: int
    completed: bool
    owner_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    account_id: uuid.UUID | None
    opportunity_id: uuid.UUID | None
    created_at: datetime


class ActivityWrite(BaseModel):
    """Create (``type`` and ``occurred_at`` required) or update (only the fields sent)."""

    model_config = ConfigDict(extra="forbid")

    type: ActivityType | None = None
    subject: str | None = Field(None, max_length=300)
    occurred_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(None, ge=0, le=24 * 60)
    completed: bool | None = None
    lead_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    opportunity_id: uuid.UUID | None = None
