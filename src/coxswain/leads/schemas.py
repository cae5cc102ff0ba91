"""Pydantic DTOs for leads (inputs forbid unknown fields)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from coxswain.core.enums import LeadStatus, Segment


class LeadFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str | None = Field(None, max_length=200, description="Part of name, e-mail or company.")
    status: LeadStatus | None = None
    owner_id: uuid.UUID | None = None
    source: str | None = Field(None, max_length=100)
    unworked: bool | None = Field(None, description="True: not yet touched by a rep.")
    received_from: datetime | None = None
    received_to: datetime | None = None


class LeadRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    title: str | None
    company: str | None
    industry: str | None
    country: str | None
    source: str | None
    campaign: str | None
    segment: str | None
    size_segment: Segment | None
    status: LeadStatus
    score: int | None
    owner_id: uuid.UUID | None
    owner_name: str | None = None
    sdr_id: uuid.UUID | None
    received_at: datetime | None
    first_touch_at: datetime | None
    qualified_at: datetime | None
    converted_at: datetime | None
    disqualified_reason: str | None
    created_at: datetime
    updated_at: datetime


class LeadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=50)
    title: str | None = Field(None, max_length=200)
    company: str | None = Field(None, max_length=300)
    industry: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=100)
    source: str | None = Field(None, max_length=100)
    campaign: str | None = Field(None, max_length=200)
    segment: str | None = Field(None, max_length=100)
    size_segment: Segment | None = None
    score: int | None = Field(None, ge=0, le=1000)
    owner_id: uuid.UUID | None = Field(None, description="Default: unassigned (the queue).")


class LeadUpdate(BaseModel):
    """Fields to change. ``status`` and ``owner_id`` follow the status and reassignment rules."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=50)
    title: str | None = Field(None, max_length=200)
    company: str | None = Field(None, max_length=300)
    industry: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=100)
    source: str | None = Field(None, max_length=100)
    campaign: str | None = Field(None, max_length=200)
    score: int | None = Field(None, ge=0, le=1000)
    status: LeadStatus | None = None
    disqualified_reason: str | None = Field(None, max_length=200)
    owner_id: uuid.UUID | None = None


class LeadStatusMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: LeadStatus
    reason: str | None = Field(None, max_length=200, description="Required to disqualify.")


class LeadReassignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: uuid.UUID
    reason: str | None = Field(None, max_length=200)


class LeadStatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: LeadStatus | None
    to_status: LeadStatus
    changed_at: datetime
    changed_by_id: uuid.UUID | None
