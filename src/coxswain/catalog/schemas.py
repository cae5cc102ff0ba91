"""Pydantic DTOs for products (inputs forbid unknown fields)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    code: str | None
    family: str | None
    is_recurring: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ProductWrite(BaseModel):
    """Create (``name`` required) or update (only the fields sent)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    code: str | None = Field(None, max_length=100)
    family: str | None = Field(None, max_length=100)
    is_recurring: bool | None = None
    is_active: bool | None = None
