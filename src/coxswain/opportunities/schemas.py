"""Pydantic DTOs for opportunities: filters, reads, inputs (inputs forbid unknown fields)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coxswain.core.enums import ForecastCategory, OpportunityType, Segment, StageCategory

MAX_AMOUNT_MINOR = 10**15
CurrencyCode = Field(pattern=r"^[A-Za-z]{3}$")


class OpportunityFilters(BaseModel):
    """Filters for listing; all optional and combined with AND."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str | None = Field(None, max_length=200, description="Part of the name (any case).")
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = Field(None, description="Owners in this team or its sub-teams.")
    account_id: uuid.UUID | None = None
    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    status: StageCategory | None = None
    forecast_category: ForecastCategory | None = None
    segment: Segment | None = Field(None, description="The account's segment.")
    expected_close_from: date | None = None
    expected_close_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    min_amount_minor: int | None = Field(None, ge=0)
    max_amount_minor: int | None = Field(None, ge=0)


class OpportunityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    account_id: uuid.UUID | None
    account_name: str | None = None
    owner_id: uuid.UUID | None
    owner_name: str | None = None
    pipeline_id: uuid.UUID
    stage_id: uuid.UUID
    stage_name: str | None = None
    status: StageCategory
    amount_minor: int
    currency: str
    probability_bp: int | None
    forecast_category: ForecastCategory
    forecast_category_overridden: bool
    type: OpportunityType
    lead_source: str | None
    lost_reason_id: uuid.UUID | None
    opened_on: date | None
    engaged_on: date | None
    expected_close_on: date | None
    closed_on: date | None
    next_step: str | None
    description: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class OpportunityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    amount_minor: int = Field(0, ge=0, le=MAX_AMOUNT_MINOR)
    currency: str = CurrencyCode
    account_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = Field(None, description="Default: the caller.")
    pipeline_id: uuid.UUID | None = Field(None, description="Default: the default pipeline.")
    stage_id: uuid.UUID | None = Field(None, description="Default: the pipeline's first stage.")
    expected_close_on: date | None = None
    type: OpportunityType = OpportunityType.NEW_BUSINESS
    lead_source: str | None = Field(None, max_length=100)
    next_step: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=20_000)


class OpportunityUpdate(BaseModel):
    """Fields to change; ``version`` (or an If-Match header) is the version the change is based
    on. ``stage_id`` and ``owner_id`` go through the stage-move and reassignment rules."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1)
    name: str | None = Field(None, min_length=1, max_length=300)
    amount_minor: int | None = Field(None, ge=0, le=MAX_AMOUNT_MINOR)
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    account_id: uuid.UUID | None = None
    expected_close_on: date | None = None
    type: OpportunityType | None = None
    lead_source: str | None = Field(None, max_length=100)
    next_step: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=20_000)
    probability_bp: int | None = Field(None, ge=0, le=10_000)
    forecast_category: ForecastCategory | None = None
    stage_id: uuid.UUID | None = None
    lost_reason_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _no_explicit_nulls_for_required(self) -> OpportunityUpdate:
        for name in ("name", "amount_minor", "currency", "type", "forecast_category", "stage_id"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def field_changes(self) -> dict[str, Any]:
        """The plain fields the caller set (not version, stage, owner, lost reason)."""
        special = {"version", "stage_id", "owner_id", "lost_reason_id"}
        return {k: getattr(self, k) for k in self.model_fields_set - special}


class StageMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage_id: uuid.UUID
    lost_reason_id: uuid.UUID | None = Field(None, description="Required for a lost stage.")
    version: int | None = Field(None, ge=1)


class Reassignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: uuid.UUID
    reason: str | None = Field(None, max_length=200)
    version: int | None = Field(None, ge=1)


class CloseLost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lost_reason_id: uuid.UUID
    version: int | None = Field(None, ge=1)


class CloseWon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1)


class StageChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    from_stage_id: uuid.UUID | None
    to_stage_id: uuid.UUID
    from_stage_name: str | None = None
    to_stage_name: str | None = None
    changed_at: datetime
    changed_by_id: uuid.UUID | None
    amount_minor: int | None


class BoardCard(BaseModel):
    id: uuid.UUID
    name: str
    account_name: str | None
    owner_name: str | None
    amount_minor: int
    currency: str
    expected_close_on: date | None
    version: int


class BoardColumn(BaseModel):
    stage_id: uuid.UUID
    stage_name: str
    category: StageCategory
    probability_bp: int
    count: int
    amount_minor_by_currency: dict[str, int]
    cards: list[BoardCard]


class Board(BaseModel):
    pipeline_id: uuid.UUID
    pipeline_name: str
    columns: list[BoardColumn]
