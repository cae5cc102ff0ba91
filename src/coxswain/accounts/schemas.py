"""Pydantic DTOs for accounts and contacts (inputs forbid unknown fields)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from coxswain.core.enums import Segment


class AccountFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str | None = Field(None, max_length=200, description="Part of the name or domain.")
    segment: Segment | None = None
    industry: str | None = Field(None, max_length=100)
    owner_id: uuid.UUID | None = None
    country: str | None = Field(None, max_length=100)


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    domain: str | None
    website: str | None
    industry: str | None
    segment: Segment | None
    employees: int | None
    annual_revenue_minor: int | None
    annual_revenue_currency: str | None
    country: str | None
    state: str | None
    city: str | None
    owner_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class AccountWrite(BaseModel):
    """Create (``name`` required) or update (only the fields sent)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=300)
    domain: str | None = Field(None, max_length=255)
    website: str | None = Field(None, max_length=500)
    industry: str | None = Field(None, max_length=100)
    segment: Segment | None = None
    employees: int | None = Field(None, ge=0, le=10_000_000)
    annual_revenue_minor: int | None = Field(None, ge=0, le=10**17)
    annual_revenue_currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    country: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=100)
    owner_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID | None
    first_name: str | None
    last_name: str
    email: str | None
    phone: str | None
    title: str | None
    owner_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ContactWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: uuid.UUID | None = None
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=100)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=50)
    title: str | None = Field(None, max_length=200)
    owner_id: uuid.UUID | None = None
