"""Funnel planner (the "sales conversion rate calculator").

From a revenue target and conversion rates, work backwards to the activity needed::

    gap            = max(target - closed so far - expected from the open pipeline, 0)
    deals needed   = ceil(gap / average won deal size)
    opportunities  = ceil(deals needed / win rate)              (opportunity → won)
    leads          = ceil(opportunities / lead conversion rate)  (lead → opportunity)
    per month      = value / months in the period;  per rep = per month / reps

Stage by stage, the deals that must *enter* stage ``k`` are ``deals needed / Π`` of the
stage-to-next conversion rates from ``k`` onwards. Coverage compares the open pipeline's
amount with the gap (the classic "3× coverage" check): the pipeline covers the target when
closed + expected pipeline bookings reach it.

Worked example: target 1,000,000, nothing closed, pipeline expected 400,000, average deal
20,000, win rate 25 %, lead conversion 10 %, 3 months, 5 reps: gap 600,000 → 30 deals →
120 opportunities → 1,200 leads; 40 opportunities and 400 leads a month; 8 opportunities
and 80 leads per rep a month.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coxswain.core.errors import ValidationError
from coxswain.forecasting.engine.history import OPEN, WON, BoolArray, DealHistory, IntArray


@dataclass(frozen=True, slots=True)
class FunnelInputs:
    """What the plan is built from (amounts in the reporting currency, rates 0..1).

    ``stage_names``/``stage_conversion`` give each open stage's chance of reaching the next
    stage (the last open stage's next stage is Won); they may be empty.
    """

    target: float
    months: int
    average_deal_size: float
    win_rate: float
    lead_conversion_rate: float | None
    reps: int
    closed: float = 0.0
    pipeline_expected: float = 0.0
    pipeline_amount: float = 0.0
    stage_names: Sequence[str] = ()
    stage_conversion: Sequence[float] = ()


@dataclass(frozen=True, slots=True)
class StageNeed:
    stage: str
    conversion_to_next: float
    deals_entering: int


@dataclass(frozen=True, slots=True)
class FunnelPlan:
    """The plan. ``leads_*`` are None when no lead conversion rate is known."""

    gap: float
    deals_needed: int
    opportunities_needed: int
    leads_needed: int | None
    opportunities_per_month: float
    leads_per_month: float | None
    opportunities_per_rep_per_month: float
    leads_per_rep_per_month: float | None
    pipeline_coverage: float | None
    covered: bool
    stages: tuple[StageNeed, ...]


def _check(inputs: FunnelInputs) -> None:
    if inputs.target <= 0:
        raise ValidationError("target must be a positive amount")
    if inputs.average_deal_size <= 0:
        raise ValidationError("average deal size must be positive: no won deals to learn it from")
    if not 0 < inputs.win_rate <= 1:
        raise ValidationError(
            "win rate must be above 0 and at most 1: no closed deals to learn it from"
        )
    if inputs.lead_conversion_rate is not None and not 0 < inputs.lead_conversion_rate <= 1:
        raise ValidationError("lead conversion rate must be above 0 and at most 1")
    if inputs.months < 1 or inputs.reps < 1:
        raise ValidationError("months and reps must be at least 1")
    if len(inputs.stage_names) != len(inputs.stage_conversion):
        raise ValidationError("stage names and stage conversion rates must match one to one")


def plan_funnel(inputs: FunnelInputs) -> FunnelPlan:
    """Work back from the target (see the module docstring).

    Raises:
        ValidationError: a non-positive target, deal size, rate, month or rep count.
    """
    _check(inputs)
    gap = max(inputs.target - inputs.closed - inputs.pipeline_expected, 0.0)
    deals = math.ceil(gap / inputs.average_deal_size - 1e-9)
    opportunities = math.ceil(deals / inputs.win_rate - 1e-9)
    leads = (
        None
        if inputs.lead_conversion_rate is None
        else math.ceil(opportunities / inputs.lead_conversion_rate - 1e-9)
    )
    per_month = opportunities / inputs.months
    leads_month = None if leads is None else leads / inputs.months
    stages: list[StageNeed] = []
    needed = float(deals)
    for name, rate in zip(
        reversed(inputs.stage_names), reversed(inputs.stage_conversion), strict=True
    ):
        needed = needed / rate if rate > 0 else math.inf
        stages.append(
            StageNeed(name, rate, math.ceil(needed - 1e-9) if math.isfinite(needed) else -1)
        )
    remaining = inputs.target - inputs.closed
    return FunnelPlan(
        gap=gap,
        deals_needed=deals,
        opportunities_needed=opportunities,
        leads_needed=leads,
        opportunities_per_month=per_month,
        leads_per_month=leads_month,
        opportunities_per_rep_per_month=per_month / inputs.reps,
        leads_per_rep_per_month=None if leads_month is None else leads_month / inputs.reps,
        pipeline_coverage=inputs.pipeline_amount / remaining if remaining > 0 else None,
        covered=inputs.closed + inputs.pipeline_expected >= inputs.target,
        stages=tuple(reversed(stages)),
    )


@dataclass(frozen=True, slots=True)
class LearnedFunnel:
    """Rates learned from deals closed in the ``lookback`` days before the cut-off."""

    average_deal_size: float
    win_rate: float
    reps: int
    stage_names: tuple[str, ...]
    stage_conversion: tuple[float, ...]


def learn_funnel(
    history: DealHistory, as_of: int, pipeline: int | None = None, lookback: int = 365
) -> LearnedFunnel:
    """Average won deal, win rate (by count), active owners and stage-to-next conversion.

    Stage conversion for open stage ``k``: among closed deals that entered ``k`` (in the
    lookback), the share that later entered a higher stage or were won. ``pipeline`` is the
    pipeline index for stage rates (default: the one with the most deals).
    """
    recent = (
        (history.closed < as_of) & (history.closed >= as_of - lookback) & (history.outcome != OPEN)
    )
    won = recent & (history.outcome == WON)
    opened_recently = (history.opened >= as_of - lookback) & (history.opened < as_of)
    owners = np.unique(history.owner.codes[opened_recently | recent])
    if pipeline is None:
        pipeline = int(np.bincount(history.pipeline).argmax()) if history.size else 0
    stages = history.stages
    open_rows = np.flatnonzero((stages.pipeline == pipeline) & (stages.category == OPEN))
    open_rows = open_rows[np.argsort(stages.position[open_rows])]
    names: list[str] = []
    rates: list[float] = []
    recent_events = recent[history.events_deal]
    for stage in open_rows:
        entered = np.unique(history.events_deal[(history.events_stage == stage) & recent_events])
        if entered.size == 0:
            continue
        later = _reached_later(history, entered, int(stages.position[stage]))
        names.append(stages.names[stage])
        rates.append(float(later.mean()))
    return LearnedFunnel(
        average_deal_size=float(history.amount[won].mean()) if won.any() else 0.0,
        win_rate=float(won.sum() / recent.sum()) if recent.any() else 0.0,
        reps=max(int(owners.size), 1),
        stage_names=tuple(names),
        stage_conversion=tuple(rates),
    )


def _reached_later(history: DealHistory, rows: IntArray, position: int) -> BoolArray:
    """Per row: won, or entered an open stage with a higher position."""
    later_event = history.stages.position[history.events_stage] > position
    later_open = later_event & (history.stages.category[history.events_stage] == OPEN)
    moved = np.isin(rows, history.events_deal[later_open])
    reached: BoolArray = moved | (history.outcome[rows] == WON)
    return reached
