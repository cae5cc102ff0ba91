"""Pydantic DTOs of routing for the API, web and CLI adapters (inputs forbid extra fields)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_RULES_TEXT = 1_000_000


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RulesPublish(_Input):
    """A rules document (the parsed YAML/JSON, see docs/routing.md) to validate or publish."""

    document: dict[str, Any]
    source_name: str | None = Field(None, max_length=500)


class RulesDraft(_Input):
    """A draft rules document: YAML (or JSON) text, or the parsed document; exactly one."""

    yaml: str | None = Field(None, max_length=MAX_RULES_TEXT, description="the rules as text")
    document: dict[str, Any] | None = None
    source_name: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _one_of(self) -> RulesDraft:
        if (self.yaml is None) == (self.document is None):
            raise ValueError("give exactly one of yaml (text) and document (parsed)")
        return self


class SimulationRequest(RulesDraft):
    """A draft to replay on the leads received in the ``days`` before now (newest ``limit``)."""

    days: int = Field(30, ge=1, le=366)
    limit: int = Field(2000, ge=1, le=20_000)


class RulesValidation(BaseModel):
    valid: bool
    error: str | None = None
    error_code: str | None = None
    where: str | None = Field(None, description="the item or key at fault, when known")
    line: int | None = Field(None, description="1-based line of the YAML text, when known")
    rules: int = 0
    pools: int = 0
    warnings: list[str] = Field(default_factory=list)


class RuleSetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    name: str
    sha256: str
    is_active: bool
    published_at: datetime
    actor_label: str
    source_name: str | None


class RuleSetDetail(RuleSetRead):
    """A stored version with its document (as published)."""

    document: dict[str, Any]


class CandidateRead(BaseModel):
    rep: str
    verdict: str = Field(description="chosen, eligible (but beaten) or skipped")
    reason: str


class PoolAttemptRead(BaseModel):
    pool: str
    method: str
    outcome: str
    candidates: list[CandidateRead]


class DecisionRead(BaseModel):
    """One stored routing decision with its full explanation."""

    id: uuid.UUID
    lead_id: uuid.UUID | None
    lead_ref: str
    trigger: str
    outcome: str = Field(description="assigned or queued")
    owner_id: uuid.UUID | None
    owner_email: str | None
    queue: str | None
    rule: str | None
    pool: str | None
    method: str
    reason: str
    steps: list[str]
    attempts: list[PoolAttemptRead]
    territories: list[str]
    account: dict[str, Any] | None
    duplicate_of: dict[str, Any] | None
    pool_sequence: int | None
    rules_sha256: str
    decided_at: datetime
    is_current: bool
    actor_label: str


class RouteResult(BaseModel):
    """``routed`` is False when the lead already had an owner (nothing changed)."""

    routed: bool
    message: str
    decision: DecisionRead | None


class Explanation(BaseModel):
    lead_ref: str
    lead_id: uuid.UUID | None
    current: DecisionRead
    history: list[DecisionRead]
    current_owner_email: str | None
    note: str | None = Field(None, description="set when the owner changed outside routing")


class BatchSummary(BaseModel):
    run_id: uuid.UUID | None
    leads: int
    assigned: int
    queued: int
    dry_run: bool
    rules_sha256: str
    by_rule: dict[str, int]
    by_owner: dict[str, int]
    by_queue: dict[str, int]
    warnings: list[str]
    seconds: float


class SimulationRepRow(BaseModel):
    """One rep's share and load: current rules versus proposed rules."""

    rep: str
    name: str
    current_leads: int
    current_share: float
    proposed_leads: int
    proposed_share: float
    delta: int
    current_peak_day: int
    proposed_peak_day: int
    proposed_days_at_cap: int


class SimulationReport(BaseModel):
    leads: int
    current_source: str
    proposed_source: str
    reps: list[SimulationRepRow]
    queues: dict[str, tuple[int, int]] = Field(description="queue → (current, proposed) leads")
    rules: dict[str, tuple[int, int]] = Field(description="rule → (current, proposed) leads")
    owner_changes: int = Field(description="leads whose owner differs between the two")
    replay: bool = Field(description="each lead routed at its own received_at")
