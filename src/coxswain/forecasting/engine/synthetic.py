"""A seeded synthetic deal history (arrays only): for tests, benchmarks and worked examples.

``deals`` opportunities open uniformly over ``days`` days ending on ``end``. Each walks the
open stages Prospecting → Qualification → Proposal → Negotiation, leaving each stage after
an exponential wait (mean ``stage_days``, scaled by segment) either forward (chance
``advance``, lower for a weaker owner) or to Lost; leaving Negotiation forward is Won.
Amounts are log-normal by segment. Everything after ``end`` is cut: such deals are open in
the last stage they reached. The same arguments always give the same history.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from coxswain.forecasting.engine.calendar import day
from coxswain.forecasting.engine.history import (
    LOST,
    NEVER,
    OPEN,
    WON,
    Categorical,
    DealHistory,
    StageRecord,
    build_stage_table,
)

STAGES = (
    StageRecord("s1", "Sales", "Prospecting", 1, 0.1, "open", "pipeline"),
    StageRecord("s2", "Sales", "Qualification", 2, 0.25, "open", "pipeline"),
    StageRecord("s3", "Sales", "Proposal", 3, 0.5, "open", "best_case"),
    StageRecord("s4", "Sales", "Negotiation", 4, 0.8, "open", "commit"),
    StageRecord("s5", "Sales", "Won", 5, 1.0, "won", "closed"),
    StageRecord("s6", "Sales", "Lost", 6, 0.0, "lost", "omitted"),
)
OPEN_STAGES = 4
SEGMENTS = ("enterprise", "mid_market", "smb")
SEGMENT_PACE = np.array([2.0, 1.3, 0.8])
SEGMENT_AMOUNT = np.array([11.5, 10.3, 9.2])  # log of the median amount


def _categorical(codes: np.ndarray, labels: tuple[str, ...]) -> Categorical:
    return Categorical(codes=codes.astype(np.int64), labels=labels)


def synthetic_history(
    deals: int = 2_000,
    *,
    end: date = date(2024, 12, 31),
    days: int = 730,
    owners: int = 20,
    advance: float = 0.72,
    stage_days: float = 12.0,
    seed: int = 0,
) -> DealHistory:
    """A history of ``deals`` opportunities ending on ``end`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    last = day(end)
    opened = last - rng.integers(0, days, deals)
    segment = rng.choice(3, deals, p=[0.15, 0.35, 0.5])
    owner = rng.integers(0, owners, deals)
    skill = np.linspace(0.85, 1.1, owners)[owner]
    waits = rng.exponential(stage_days * SEGMENT_PACE[segment][:, None], (deals, OPEN_STAGES))
    waits = np.ceil(waits).astype(np.int64)
    goes_on = rng.random((deals, OPEN_STAGES)) < np.clip(advance * skill, 0, 0.98)[:, None]
    exit_stage = np.argmin(np.column_stack([goes_on, np.zeros(deals, bool)]), axis=1)
    steps = np.concatenate([np.zeros((deals, 1), np.int64), np.cumsum(waits, axis=1)], axis=1)
    entered = opened[:, None] + steps  # entered[:, k]: day stage k began (k = 4: the close)
    close_day = entered[np.arange(deals), np.minimum(exit_stage + 1, OPEN_STAGES)]
    won = exit_stage >= OPEN_STAGES
    closed_by_end = close_day <= last
    outcome = np.where(closed_by_end, np.where(won, WON, LOST), OPEN)
    reached = np.minimum(exit_stage, OPEN_STAGES - 1)
    open_stage = np.clip((entered[:, :OPEN_STAGES] <= last).sum(axis=1) - 1, 0, reached)
    stage = np.where(outcome == WON, 4, np.where(outcome == LOST, 5, open_stage))
    amount = np.round(rng.lognormal(SEGMENT_AMOUNT[segment], 0.6), 2)
    visited = (
        np.arange(OPEN_STAGES)[None, :] <= np.where(outcome == OPEN, open_stage, reached)[:, None]
    )
    rows, columns = np.nonzero(visited)
    event_day = entered[rows, columns]
    close_rows = np.flatnonzero(outcome != OPEN)
    events_deal = np.concatenate([rows, close_rows])
    events_stage = np.concatenate([columns, stage[close_rows]])
    events_day = np.concatenate([event_day, close_day[close_rows]])
    order = np.lexsort((events_day, events_deal))
    table = build_stage_table(STAGES, ("Sales",))
    activity_count = rng.poisson(3, deals)
    activity_deal = np.repeat(np.arange(deals), activity_count)
    activity_day = opened[activity_deal] + rng.integers(0, 30, activity_deal.size)
    keep = activity_day <= last
    activity_order = np.lexsort((activity_day[keep], activity_deal[keep]))
    empty = _categorical(np.zeros(deals), ("",))
    return DealHistory(
        keys=tuple(f"D{i:07d}" for i in range(deals)),
        pipelines=("Sales",),
        pipeline=np.zeros(deals, dtype=np.int64),
        stage=stage.astype(np.int64),
        outcome=outcome.astype(np.int64),
        amount=amount,
        opened=opened.astype(np.int64),
        closed=np.where(outcome == OPEN, NEVER, close_day).astype(np.int64),
        expected_close=np.full(deals, -(1 << 40), dtype=np.int64),
        probability_override=np.full(deals, np.nan),
        account_employees=np.round(rng.lognormal(5 + segment * -1.0 + 2, 0.5)),
        account_revenue=np.full(deals, np.nan),
        owner=_categorical(owner, tuple(f"owner{i}" for i in range(owners))),
        segment=_categorical(segment, SEGMENTS),
        product=_categorical(rng.integers(0, 3, deals), ("A", "B", "C")),
        deal_type=empty,
        lead_source=empty,
        forecast_category=tuple(table.forecast_category[s] for s in stage),
        stages=table,
        events_deal=events_deal[order].astype(np.int64),
        events_stage=events_stage[order].astype(np.int64),
        events_day=events_day[order].astype(np.int64),
        events_amount=amount[events_deal[order]],
        activity_deal=activity_deal[keep][activity_order].astype(np.int64),
        activity_day=activity_day[keep][activity_order].astype(np.int64),
        known_through=last,
    )
