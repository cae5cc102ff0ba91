"""Pydantic DTOs for users and teams (inputs forbid unknown fields)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from coxswain.core.enums import Role, Segment


class UserRead(BaseModel):
    """A user as others see them (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    title: str | None
    role: Role
    manager_id: uuid.UUID | None
    team_id: uuid.UUID | None
    segment: Segment | None
    region: str | None
    time_zone: str
    is_active: bool
    out_of_office: bool
    capacity_per_day: int | None
    capacity_per_week: int | None
    hire_date: date | None
    has_password: bool = False
    created_at: datetime
    updated_at: datetime


class UserFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str | None = Field(None, max_length=200, description="Part of the name or e-mail.")
    role: Role | None = None
    team_id: uuid.UUID | None = None
    is_active: bool | None = None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    full_name: str = Field(min_length=1, max_length=200)
    role: Role = Role.REP
    password: str | None = Field(None, min_length=10, max_length=200)
    title: str | None = Field(None, max_length=200)
    manager_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    segment: Segment | None = None
    region: str | None = Field(None, max_length=100)
    time_zone: str = Field("UTC", max_length=64)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(None, min_length=1, max_length=200)
    role: Role | None = None
    title: str | None = Field(None, max_length=200)
    manager_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    segment: Segment | None = None
    region: str | None = Field(None, max_length=100)
    is_active: bool | None = None
    out_of_office: bool | None = None
    capacity_per_day: int | None = Field(None, ge=0, le=10_000)
    capacity_per_week: int | None = Field(None, ge=0, le=50_000)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=10, max_length=200)


class TeamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    manager_id: uuid.UUID | None
    manager_name: str | None = None
    region: str | None
    segment: Segment | None
    members: int = 0


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    parent_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    region: str | None = Field(None, max_length=100)
    segment: Segment | None = None


class TeamUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    parent_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    region: str | None = Field(None, max_length=100)
    segment: Segment | None = None
