"""Pydantic DTOs of the SLA domain for the API, web and CLI adapters."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class MilestoneRead(BaseModel):
    """One SLA milestone of a lead. Minutes are business minutes on the policy's calendar."""

    milestone: str
    state: str = Field(description="met, met_late, breached, due, stopped or not_started")
    target_minutes: float
    started_at: datetime | None
    due_at: datetime | None
    completed_at: datetime | None
    elapsed_minutes: float | None
    remaining_minutes: float | None


class LeadSla(BaseModel):
    lead_id: uuid.UUID
    lead_ref: str
    owner_email: str | None
    source: str | None
    policy: str | None
    milestones: list[MilestoneRead]


class MilestoneTotals(BaseModel):
    on_time: int
    late: int
    missed: int
    open: int
    compliance: float | None = Field(description="on time / (on time + late + missed), 0..1")


class SlaGroupRow(BaseModel):
    group: str
    leads: int
    accept: MilestoneTotals
    first_touch: MilestoneTotals
    median_response_minutes: float | None = Field(description="business minutes to first touch")
    p90_response_minutes: float | None
    median_wall_response_minutes: float | None = Field(description="clock minutes MQL → touch")


class SlaReport(BaseModel):
    as_of: datetime
    since: datetime | None
    until: datetime | None
    policies_source: str
    leads: int
    not_covered: int = Field(description="leads no policy applies to")
    overall: SlaGroupRow
    by_rep: list[SlaGroupRow]
    by_team: list[SlaGroupRow]
    by_source: list[SlaGroupRow]


class QueuedLead(BaseModel):
    lead_id: uuid.UUID
    lead_ref: str
    queued_at: datetime
    waiting_minutes: float
    reason: str
    first_touch: MilestoneRead | None


class QueueStatus(BaseModel):
    queue: str
    as_of: datetime
    leads: list[QueuedLead]


class EscalationRead(BaseModel):
    lead_ref: str
    milestone: str
    policy: str
    step: int
    action: str
    outcome: str


class EscalationReport(BaseModel):
    as_of: datetime
    leads_checked: int
    breaches_open: int
    new_breaches: int
    actions: list[EscalationRead]
