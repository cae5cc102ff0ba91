"""Pydantic DTOs of the forecasting domain (what services return and adapters render).

Amounts are floats in the reporting currency's major units (``currency``); rates and
probabilities are fractions 0..1. Inputs forbid unknown fields.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MethodForecastRead(BaseModel):
    """One method's forecast for the period: ``point`` = closed + pipeline + new business."""

    method: str
    point: float
    closed: float
    pipeline: float
    new_business: float
    p10: float | None = None
    p50: float | None = None
    p90: float | None = None


class FactorRead(BaseModel):
    """A feature and its effect on the deal's win probability, in probability points."""

    feature: str
    effect: float


class DealForecastRead(BaseModel):
    """An open deal's chance of a won close inside the period under the chosen method."""

    opportunity_id: str
    stage: str
    amount: float
    chance: float
    expected: float
    win_probability: float | None = None
    factors: list[FactorRead] = Field(default_factory=list)


class CategoryRead(BaseModel):
    """Deal amounts per forecast category in the period; ``cumulative`` adds the stronger ones
    (closed ⊂ commit ⊂ best case ⊂ pipeline)."""

    category: str
    amount: float
    cumulative: float
    deals: int


class ForecastReport(BaseModel):
    period: str
    period_start: date
    period_end: date
    as_of: date
    currency: str
    method: str
    methods: list[MethodForecastRead]
    categories: list[CategoryRead]
    deals: list[DealForecastRead]
    open_deals: int


class MethodScoreRead(BaseModel):
    wape: float | None
    bias: float | None
    coverage_p10_p90: float | None
    periods: int


class BacktestPeriodRead(BaseModel):
    period: str
    actual: float
    forecasts: dict[str, MethodForecastRead]


class BacktestReport(BaseModel):
    """``contract()`` is the JSON printed by ``coxswain forecast backtest --json``."""

    baseline: str
    best: str
    currency: str
    methods: dict[str, MethodScoreRead]
    periods: list[BacktestPeriodRead]

    def contract(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "methods": {name: score.model_dump() for name, score in self.methods.items()},
        }


class StageNeedRead(BaseModel):
    stage: str
    conversion_to_next: float
    deals_entering: int | None


class PlanReport(BaseModel):
    """The funnel plan for a target (see ``engine/planner.py``)."""

    period: str
    as_of: date
    currency: str
    target: float
    closed: float
    pipeline_amount: float
    pipeline_expected: float
    gap: float
    average_deal_size: float
    win_rate: float
    lead_conversion_rate: float | None
    reps: int
    months: int
    deals_needed: int
    opportunities_needed: int
    leads_needed: int | None
    opportunities_per_month: float
    leads_per_month: float | None
    opportunities_per_rep_per_month: float
    leads_per_rep_per_month: float | None
    pipeline_coverage: float | None
    covered: bool
    stages: list[StageNeedRead]


class CallSubmit(_Input):
    """A call for ``period`` (``2017-Q4``/``2017-11``); amounts in the reporting currency."""

    user_email: str
    period: str
    commit: float = Field(ge=0)
    best_case: float = Field(default=0, ge=0)
    pipeline: float = Field(default=0, ge=0)
    team: str | None = None
    note: str | None = Field(default=None, max_length=500)


class CallAdjust(_Input):
    """A manager's adjustment of the latest call of ``user_email`` for ``period``."""

    manager_email: str
    user_email: str
    period: str
    commit: float = Field(ge=0)
    best_case: float = Field(default=0, ge=0)
    pipeline: float = Field(default=0, ge=0)
    reason: str | None = Field(default=None, max_length=500)


class CallRead(BaseModel):
    """An effective call (after the latest adjustment, if any)."""

    call_id: str
    user_id: str
    user_name: str
    team_id: str | None
    period: str
    commit: float
    best_case: float
    pipeline: float
    adjusted: bool
    submitted_at: datetime


class RollupRow(BaseModel):
    """A team node: deals per category and called amounts, its own and for its subtree.

    ``called_*`` sum the effective calls of people in the subtree (a manager's team call
    replaces the sum below it when present, see ``calls.rollup``).
    """

    team_id: str
    team: str
    depth: int
    parent_id: str | None
    closed: float
    commit: float
    best_case: float
    pipeline: float
    commit_cumulative: float
    best_case_cumulative: float
    pipeline_cumulative: float
    called_commit: float
    called_best_case: float
    calls: int


class SnapshotRead(BaseModel):
    snapshot_id: str
    week_of: date
    as_of: date
    deals: int
    calls: int
    predictions: int
    created: bool


class AccuracyRow(BaseModel):
    """A person's (or a team's) final call against what they booked in the period.

    ``accuracy`` = 1 − |call − actual| / actual (None when nothing was booked).
    """

    period: str
    user_id: str | None
    name: str
    called: float
    actual: float
    error: float
    accuracy: float | None
