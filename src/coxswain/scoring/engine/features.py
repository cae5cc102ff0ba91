"""Deal features at a point in time, built only from what was known then.

For deal ``i`` seen at the start of day ``t`` (its snapshot), every feature uses events
dated before ``t``: the stage and amount from stage history, activity and stage-change
counts before ``t``, and the owner's record over deals the owner closed before ``t``
(smoothed towards ``prior_rate`` with ``prior_strength`` pseudo-deals). Static attributes
(product, account size, type, lead source, segment) are taken as they are now.

=================  ==========================================================
feature            meaning (unit)
=================  ==========================================================
stage_position     the stage's position in its pipeline
stage_probability  the stage's default probability (0..1)
age_days           days since the deal was opened
days_in_stage      days since it entered its current stage
log_amount         log(1 + amount in the reporting currency)
stage_changes      stage changes before t
activities         activities logged on the deal before t
activities_14d     of which in the 14 days before t
owner_win_rate     owner's smoothed win rate over deals closed before t
owner_closed       deals the owner closed before t
log_employees      log(1 + account employees) (NaN when unknown)
log_revenue        log(1 + account annual revenue) (NaN when unknown)
product, deal_type, lead_source, segment, pipeline   categorical codes
=================  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coxswain.forecasting.engine.history import WON, DealHistory, FloatArray, IntArray
from coxswain.forecasting.engine.snapshot import stage_at

NUMERIC = (
    "stage_position",
    "stage_probability",
    "age_days",
    "days_in_stage",
    "log_amount",
    "stage_changes",
    "activities",
    "activities_14d",
    "owner_win_rate",
    "owner_closed",
    "log_employees",
    "log_revenue",
)
CATEGORICAL = ("product", "deal_type", "lead_source", "segment", "pipeline")
FEATURES = NUMERIC + CATEGORICAL
MAX_CATEGORIES = 250  # HistGradientBoosting's limit is 255 codes per feature
_BITS = 1 << 22


@dataclass(frozen=True, slots=True)
class OwnerPrior:
    """Shrinkage of the owner's win rate: ``(wins + k * rate) / (closed + k)``."""

    rate: float = 0.3
    strength: float = 10.0


def _count_before(
    key_rows: IntArray,
    key_days: IntArray,
    rows: IntArray,
    days: IntArray,
    since: IntArray | None = None,
) -> IntArray:
    """How many (row, day) keys fall on ``rows`` with day < ``days`` (and ≥ ``since``)."""
    keys = key_rows * _BITS + np.clip(key_days, 0, _BITS - 1)
    upper = np.searchsorted(keys, rows * _BITS + np.clip(days, 0, _BITS - 1), side="left")
    lower_days = np.zeros_like(days) if since is None else np.clip(since, 0, _BITS - 1)
    lower = np.searchsorted(keys, rows * _BITS + lower_days, side="left")
    return (upper - lower).astype(np.int64)


def _owner_record(
    history: DealHistory, rows: IntArray, days: IntArray
) -> tuple[FloatArray, FloatArray]:
    """(closed, won) counts of each row's owner over deals closed before the row's day."""
    closed = np.flatnonzero(history.outcome != 0)
    owner = history.owner.codes[closed]
    order = np.lexsort((history.closed[closed], owner))
    owner_sorted, day_sorted = owner[order], history.closed[closed][order]
    won_sorted = (history.outcome[closed][order] == WON).astype(np.float64)
    keys = owner_sorted * _BITS + np.clip(day_sorted, 0, _BITS - 1)
    cumulative = np.concatenate([[0.0], np.cumsum(won_sorted)])
    row_owner = history.owner.codes[rows]
    upper = np.searchsorted(keys, row_owner * _BITS + np.clip(days, 0, _BITS - 1), side="left")
    lower = np.searchsorted(keys, row_owner * _BITS, side="left")
    return (upper - lower).astype(np.float64), cumulative[upper] - cumulative[lower]


def _codes(codes: IntArray) -> FloatArray:
    return np.where(codes < MAX_CATEGORIES, codes, MAX_CATEGORIES).astype(np.float64)


def deal_features(
    history: DealHistory, rows: IntArray, days: IntArray, prior: OwnerPrior | None = None
) -> FloatArray:
    """Feature matrix ``(len(rows), len(FEATURES))`` for ``rows`` seen at ``days``."""
    prior = prior or OwnerPrior()
    rows = np.asarray(rows, dtype=np.int64)
    days = np.broadcast_to(np.asarray(days, dtype=np.int64), rows.shape).copy()
    stage, entered, amount = stage_at(history, rows, days)
    opened = history.opened[rows]
    age = np.where(opened < -(1 << 39), 0, days - opened)
    closed, won = _owner_record(history, rows, days)
    activities = _count_before(history.activity_deal, history.activity_day, rows, days)
    recent = _count_before(history.activity_deal, history.activity_day, rows, days, days - 14)
    changes = _count_before(history.events_deal, history.events_day, rows, days)
    columns = [
        history.stages.position[stage].astype(np.float64),
        history.stages.probability[stage],
        age.astype(np.float64),
        np.maximum(days - entered, 0).astype(np.float64),
        np.log1p(np.maximum(amount, 0.0)),
        changes.astype(np.float64),
        activities.astype(np.float64),
        recent.astype(np.float64),
        (won + prior.strength * prior.rate) / (closed + prior.strength),
        closed,
        np.log1p(history.account_employees[rows]),
        np.log1p(history.account_revenue[rows]),
        _codes(history.product.codes[rows]),
        _codes(history.deal_type.codes[rows]),
        _codes(history.lead_source.codes[rows]),
        _codes(history.segment.codes[rows]),
        _codes(history.pipeline[rows]),
    ]
    return np.column_stack(columns) if rows.size else np.zeros((0, len(FEATURES)))


def training_snapshots(
    history: DealHistory, as_of: int, seed: int = 0
) -> tuple[IntArray, IntArray, FloatArray]:
    """Deals closed (won or lost) before ``as_of`` with a known opened date, each seen once
    at a uniformly random day of its open life; returns (rows, days, label won).

    The label is known at ``as_of`` and every feature is built before the snapshot day, so
    nothing after the cut-off is used.
    """
    rows = np.flatnonzero(
        (history.outcome != 0) & (history.closed < as_of) & (history.opened > -(1 << 39))
    ).astype(np.int64)
    rng = np.random.default_rng(seed)
    opened, closed = history.opened[rows], history.closed[rows]
    span = np.maximum(closed - opened, 1)
    days = opened + 1 + np.floor(rng.random(rows.size) * span).astype(np.int64)
    days = np.minimum(days, np.maximum(closed, opened + 1))
    return rows, days, (history.outcome[rows] == WON).astype(np.float64)
