"""Point-in-time views of a :class:`DealHistory`: what was known at the start of a cut-off day.

The rule everywhere: at cut-off ``as_of`` (a day number) we know every event dated strictly
before ``as_of``. A deal is in the open pipeline iff it was opened before the cut-off and is
not closed before it. Its stage and amount are those of its last stage change before the
cut-off. A deal whose opened date is unknown is in the pipeline only *live* (cut-off after
``known_through``); at a past cut-off nobody can say whether it existed.

Attributes that are not historised (``probability`` overrides, ``expected_close_on``) are
used only live, since their present value may have been set after the cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coxswain.forecasting.engine.history import (
    NEVER,
    OPEN,
    UNKNOWN_DAY,
    WON,
    BoolArray,
    DealHistory,
    FloatArray,
    IntArray,
)

_DAY_BITS = 1 << 22  # room for day numbers 0..4M (year 13,000) in a composite sort key


@dataclass(frozen=True, eq=False)
class OpenPipeline:
    """The open deals at ``as_of`` with what was known about them then (row = open deal).

    ``rows`` index into the history; ``age`` and ``days_in_stage`` are in days (0 when the
    opened date is unknown); ``probability`` is the stage's default (or the deal's override,
    live only); ``expected_close`` is :data:`UNKNOWN_DAY` except live.
    """

    as_of: int
    live: bool
    rows: IntArray
    stage: IntArray
    stage_entered: IntArray
    amount: FloatArray
    age: IntArray
    days_in_stage: IntArray
    probability: FloatArray
    expected_close: IntArray

    @property
    def size(self) -> int:
        return int(self.rows.size)


@dataclass(frozen=True, eq=False)
class StageSpells:
    """Every (deal, open stage) entry known at a cut-off, for survival estimates.

    ``duration`` is days from entering the stage to the close, or to the cut-off when the
    deal was still open then (``event`` OPEN = censored, WON or LOST otherwise).
    """

    rows: IntArray
    stage: IntArray
    entered: IntArray
    duration: IntArray
    event: IntArray


def is_live(history: DealHistory, as_of: int) -> bool:
    """True when the cut-off is after everything the data knows (the present)."""
    return as_of > history.known_through


def known_open_mask(history: DealHistory, as_of: int) -> BoolArray:
    """Deals open at ``as_of`` (opened before it, not closed before it)."""
    not_closed = history.closed >= as_of
    if is_live(history, as_of):
        not_closed &= history.outcome == OPEN
        opened = history.opened < as_of  # UNKNOWN_DAY counts as opened
    else:
        opened = (history.opened != UNKNOWN_DAY) & (history.opened < as_of)
    return opened & not_closed


def last_open_event(history: DealHistory, rows: IntArray, as_of: IntArray | int) -> IntArray:
    """Index of each row's last change into an open stage before its cut-off (-1 if none).

    ``as_of`` is one cut-off for all rows or one per row.
    """
    open_event = history.stages.category[history.events_stage] == OPEN
    event_index = np.flatnonzero(open_event)
    if event_index.size == 0 or rows.size == 0:
        return np.full(rows.size, -1, dtype=np.int64)
    keys = history.events_deal[event_index] * _DAY_BITS + np.clip(
        history.events_day[event_index], 0, _DAY_BITS - 1
    )
    wanted = rows * _DAY_BITS + np.clip(as_of, 0, _DAY_BITS - 1)
    position = np.searchsorted(keys, wanted, side="left") - 1
    safe = np.maximum(position, 0)
    found = (position >= 0) & (history.events_deal[event_index[safe]] == rows)
    return np.where(found, event_index[safe], -1).astype(np.int64)


def stage_at(
    history: DealHistory, rows: IntArray, as_of: IntArray | int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Stage, day it was entered and amount of each row at its cut-off (history only).

    Rows with no stage change before the cut-off are in their pipeline's first open stage
    since opening, at their current amount.
    """
    event = last_open_event(history, rows, as_of)
    has_event = event >= 0
    safe = np.maximum(event, 0)
    first_open = np.array(
        [history.stages.first_open(p) for p in range(len(history.pipelines))], dtype=np.int64
    )
    events_stage = _take(history.events_stage, safe, 0)
    events_amount = _take(history.events_amount, safe, np.nan)
    stage = np.where(has_event, events_stage, first_open[history.pipeline[rows]])
    opened = history.opened[rows]
    dated_open = np.where(opened == UNKNOWN_DAY, as_of, opened)
    entered = np.where(has_event, _take(history.events_day, safe, 0), dated_open)
    amount = np.where(has_event & ~np.isnan(events_amount), events_amount, history.amount[rows])
    return stage.astype(np.int64), entered.astype(np.int64), amount.astype(np.float64)


def pipeline_as_of(history: DealHistory, as_of: int) -> OpenPipeline:
    """Rebuild the open pipeline at the start of day ``as_of`` from dated history."""
    live = is_live(history, as_of)
    rows = np.flatnonzero(known_open_mask(history, as_of)).astype(np.int64)
    stage, entered, amount = stage_at(history, rows, as_of)
    opened = history.opened[rows]
    dated_open = np.where(opened == UNKNOWN_DAY, as_of, opened)
    probability = history.stages.probability[stage]
    expected = np.full(rows.size, UNKNOWN_DAY, dtype=np.int64)
    if live:  # the present: current values are what is known
        stage = history.stage[rows]
        amount = history.amount[rows]
        override = history.probability_override[rows]
        probability = np.where(np.isnan(override), history.stages.probability[stage], override)
        expected = history.expected_close[rows]
    return OpenPipeline(
        as_of=as_of,
        live=live,
        rows=rows,
        stage=stage.astype(np.int64),
        stage_entered=entered.astype(np.int64),
        amount=amount.astype(np.float64),
        age=np.maximum(as_of - dated_open, 0).astype(np.int64),
        days_in_stage=np.maximum(as_of - entered, 0).astype(np.int64),
        probability=probability.astype(np.float64),
        expected_close=expected.astype(np.int64),
    )


def _take(values: np.ndarray, index: IntArray, empty: float) -> np.ndarray:
    """``values[index]``, or an array of ``empty`` when ``values`` has no rows."""
    if values.size == 0:
        return np.full(index.size, empty)
    return values[index]


def booked(history: DealHistory, start: int, end: int) -> float:
    """Won amount with a close day in ``[start, end]`` (reporting currency)."""
    mask = (history.outcome == WON) & (history.closed >= start) & (history.closed <= end)
    return float(history.amount[mask].sum())


def closed_before(history: DealHistory, as_of: int) -> IntArray:
    """Rows of deals that were won or lost before ``as_of``."""
    return np.flatnonzero((history.closed < as_of) & (history.outcome != OPEN)).astype(np.int64)


def stage_spells(history: DealHistory, as_of: int) -> StageSpells:
    """Stage entries before ``as_of`` with time to close (censored at the cut-off)."""
    known = history.events_day < as_of
    is_open_stage = history.stages.category[history.events_stage] == OPEN
    pick = np.flatnonzero(known & is_open_stage)
    rows = history.events_deal[pick]
    entered = history.events_day[pick]
    closed = history.closed[rows]
    finished = (closed < as_of) & (history.outcome[rows] != OPEN)
    end = np.where(finished, closed, as_of)
    return StageSpells(
        rows=rows,
        stage=history.events_stage[pick],
        entered=entered,
        duration=np.maximum(end - entered, 0),
        event=np.where(finished, history.outcome[rows], OPEN).astype(np.int64),
    )


def opened_spells(history: DealHistory, as_of: int) -> StageSpells:
    """One spell per deal opened (dated) before ``as_of``: time from opening to close.

    ``stage`` is -1 (the spell is not tied to a stage).
    """
    rows = np.flatnonzero((history.opened != UNKNOWN_DAY) & (history.opened < as_of)).astype(
        np.int64
    )
    closed = history.closed[rows]
    finished = (closed < as_of) & (history.outcome[rows] != OPEN)
    end = np.where(finished, closed, as_of)
    opened = history.opened[rows]
    return StageSpells(
        rows=rows,
        stage=np.full(rows.size, -1, dtype=np.int64),
        entered=opened,
        duration=np.maximum(end - opened, 0),
        event=np.where(finished, history.outcome[rows], OPEN).astype(np.int64),
    )


__all__ = [
    "NEVER",
    "OpenPipeline",
    "StageSpells",
    "booked",
    "closed_before",
    "is_live",
    "opened_spells",
    "pipeline_as_of",
    "stage_spells",
]


@dataclass(frozen=True, eq=False)
class LandmarkSpells:
    """Deals seen open at earlier *landmark* days, followed from there to the cut-off.

    For each landmark ``L`` (every ``spacing`` days back from the cut-off), every deal open
    at ``L`` gives one spell: its stage and days in stage at ``L``, and ``duration`` from
    ``L`` to its close (``event`` WON/LOST) or to the cut-off (``event`` OPEN, censored).
    Landmarking keeps the risk set honest: a deal *in stage s* at ``L`` is compared with
    deals that were in stage s at their landmark, not with deals that moved on.
    """

    rows: IntArray
    stage: IntArray
    days_in_stage: IntArray
    age: IntArray
    duration: IntArray
    event: IntArray
    amount: FloatArray


def landmark_spells(
    history: DealHistory, as_of: int, spacing: int = 7, lookback: int = 365
) -> LandmarkSpells:
    """Spells from landmarks ``as_of - spacing, as_of - 2 * spacing, ...`` back ``lookback``
    days (never before the first opened day, never after ``known_through``)."""
    last = min(as_of - spacing, history.known_through)
    first = max(as_of - lookback, history.first_day)
    parts: list[tuple[IntArray, ...]] = []
    amounts: list[FloatArray] = []
    for landmark in range(last, first, -spacing):
        pipe = pipeline_as_of(history, landmark)
        closed = history.closed[pipe.rows]
        outcome = history.outcome[pipe.rows]
        finished = (closed < as_of) & (outcome != OPEN)
        duration = np.where(finished, closed - landmark, as_of - landmark)
        event = np.where(finished, outcome, OPEN)
        parts.append((pipe.rows, pipe.stage, pipe.days_in_stage, pipe.age, duration, event))
        amounts.append(pipe.amount)
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return LandmarkSpells(empty, empty, empty, empty, empty, empty, np.zeros(0))
    rows, stage, in_stage, age, duration, event = (
        np.concatenate([p[k] for p in parts]).astype(np.int64) for k in range(6)
    )
    return LandmarkSpells(rows, stage, in_stage, age, duration, event, np.concatenate(amounts))
