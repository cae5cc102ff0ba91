"""How each deal walks the pipeline: which stages it visits, when, and how it ends.

A deal enters at its entry stage and walks the open stages in order. Leaving stage ``s`` it
either advances (probability ``p[type, s] ** (1 / skill)``, where ``skill`` is the owner's
``win_skill`` times a ramp factor for reps hired less than 180 days before) or is lost there;
advancing past the last open stage means Closed Won. Time spent in a stage is log-normal
around a segment median (SMB weeks, enterprise months), scaled by the owner's
``cycle_factor``; 12 % of deals stall, sitting 3-8 times longer in one stage. Reps who rush
Discovery spend a quarter of the usual time there and then
advance less often from Proposal (x0.7) and Negotiation (x0.8).

Every change lands in the owner's working hours and strictly after the previous one. About 40
% of wins that would close late in a quarter wait for its last days, and wins early in a quarter
are pulled back into the previous quarter's end when the history allows it: a quarter-end spike.

The walk is simulated to the end, then cut at ``as_of``: changes after the cut-off have not
happened, and a deal whose close comes later is still open in the last stage it reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.formatting import MINUTES_PER_DAY
from coxswain.generator.engine.org import Reps
from coxswain.generator.engine.timeline import WorkClock, quarter_end
from coxswain.opportunities.defaults import DEFAULT_STAGES

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

STAGE_NAMES: tuple[str, ...] = tuple(stage[0] for stage in DEFAULT_STAGES)
OPEN_STAGES = sum(1 for stage in DEFAULT_STAGES if stage[2].value == "open")
WON = next(i for i, stage in enumerate(DEFAULT_STAGES) if stage[2].value == "won")
LOST = next(i for i, stage in enumerate(DEFAULT_STAGES) if stage[2].value == "lost")
DISCOVERY = STAGE_NAMES.index("Discovery")
PROPOSAL = STAGE_NAMES.index("Proposal")
NEGOTIATION = STAGE_NAMES.index("Negotiation")
MAX_CHANGES = OPEN_STAGES + 1
NONE = -1

TYPES: tuple[str, ...] = ("new_business", "renewal", "upsell")
# Probability of advancing out of each open stage, by deal type.
ADVANCE = np.array(
    [
        [0.88, 0.8, 0.74, 0.62, 0.68],  # new business: ~22 % of deals from Prospecting win
        [0.97, 0.96, 0.95, 0.9, 0.9],  # renewals
        [0.9, 0.85, 0.8, 0.7, 0.75],  # upsells
    ]
)
# Median days in each open stage, by segment (SMB, mid-market, enterprise).
STAGE_DAYS = np.array([[3, 5, 7, 8, 6], [6, 9, 14, 15, 12], [10, 16, 28, 30, 24]], dtype=float)
TYPE_PACE = np.array([1.0, 0.6, 0.8])  # renewals and upsells move faster
RAMP_DAYS = 180
STALL_SHARE = 0.12  # deals that sit 3-8 times longer than usual in one stage


@dataclass(frozen=True)
class DealInputs:
    """What the walk needs per deal."""

    opened: IntArray  # UTC minute of the first change
    type: IntArray  # index into TYPES
    segment: IntArray
    owner: IntArray  # rep index
    entry: IntArray  # entry stage index


@dataclass(frozen=True)
class Paths:
    """Stage changes per deal as ``(deals, MAX_CHANGES)`` matrices, cut at ``as_of``.

    ``stage``/``time`` hold the to-stage and UTC minute of each change (``NONE`` past
    ``changes``); ``natural_end`` is when the deal would close without the cut.
    """

    stage: npt.NDArray[np.int8]
    time: IntArray
    changes: IntArray
    natural_end: IntArray

    @property
    def current(self) -> IntArray:
        """The current stage of each deal: the to-stage of its last change."""
        return self.stage[np.arange(len(self.changes)), self.changes - 1].astype(np.int64)


def _advance_probability(rng: np.random.Generator, deals: DealInputs, reps: Reps) -> FloatArray:
    """``(deals, OPEN_STAGES)`` probabilities of advancing out of each stage."""
    opened_day = deals.opened // MINUTES_PER_DAY
    tenure = opened_day - reps.hire_day[deals.owner]
    ramp = np.clip(0.6 + 0.4 * tenure / RAMP_DAYS, 0.6, 1.0)
    skill = reps.win_skill[deals.owner] * ramp * rng.lognormal(0.0, 0.1, len(deals.type))
    probability = ADVANCE[deals.type] ** (1.0 / skill[:, None])
    rushed = reps.rushes_discovery[deals.owner]
    probability[rushed, PROPOSAL] *= 0.7
    probability[rushed, NEGOTIATION] *= 0.8
    return probability


def _stage_minutes(rng: np.random.Generator, deals: DealInputs, reps: Reps) -> FloatArray:
    """``(deals, OPEN_STAGES)`` minutes spent in each open stage."""
    n = len(deals.type)
    pace = reps.cycle_factor[deals.owner] * TYPE_PACE[deals.type]
    days = STAGE_DAYS[deals.segment] * pace[:, None] * rng.lognormal(0.0, 0.6, (n, OPEN_STAGES))
    days[reps.rushes_discovery[deals.owner], DISCOVERY] *= 0.25
    stalled = np.flatnonzero(rng.random(n) < STALL_SHARE)
    stuck_in = np.minimum(deals.entry[stalled] + rng.integers(0, 3, len(stalled)), OPEN_STAGES - 1)
    days[stalled, stuck_in] *= rng.uniform(3.0, 8.0, len(stalled))
    return np.asarray(np.maximum(days, 0.05) * MINUTES_PER_DAY, dtype=np.float64)


def _walk(rng: np.random.Generator, deals: DealInputs, reps: Reps) -> tuple[IntArray, BoolArray]:
    """The last open stage each deal visits and whether it then wins."""
    probability = _advance_probability(rng, deals, reps)
    fails = rng.random(probability.shape) >= probability
    fails[np.arange(OPEN_STAGES)[None, :] < deals.entry[:, None]] = False
    won = np.asarray(~fails.any(axis=1), dtype=bool)
    last_open = np.where(won, OPEN_STAGES - 1, np.argmax(fails, axis=1)).astype(np.int64)
    return last_open, won


def _schedule(
    rng: np.random.Generator, deals: DealInputs, clock: WorkClock, minutes: FloatArray,
    last_open: IntArray, won: BoolArray,
) -> tuple[npt.NDArray[np.int8], IntArray, IntArray]:  # fmt: skip
    """Stage and time of every change before the cut: entry at ``opened``, then one change per
    stage left, in working hours and strictly increasing."""
    n = len(deals.type)
    column = np.arange(MAX_CHANGES)[None, :]
    stage = deals.entry[:, None] + column
    changes = last_open - deals.entry + 2  # visited open stages + the close
    stage[column == (changes - 1)[:, None]] = np.where(won, WON, LOST)  # one cell per row
    stage[column >= changes[:, None]] = NONE
    time = np.full((n, MAX_CHANGES), NONE, dtype=np.int64)
    time[:, 0] = deals.opened
    for k in range(1, MAX_CHANGES):
        live = np.flatnonzero(changes > k)
        spent = minutes[live, np.minimum(deals.entry[live] + k - 1, OPEN_STAGES - 1)]
        raw = time[live, k - 1] + spent.astype(np.int64)
        moved = clock.subset(live).next_working(raw, rng)
        time[live, k] = np.maximum(moved, time[live, k - 1] + 1)
    return stage.astype(np.int8), time, changes


def _quarter_end_push(
    rng: np.random.Generator, time: IntArray, changes: IntArray, won: BoolArray
) -> None:
    """Move some wins to the last days of a quarter (in place; order stays strict)."""
    rows = np.flatnonzero(won)
    close = time[rows, changes[rows] - 1]
    before = time[rows, changes[rows] - 2]
    day = close // MINUTES_PER_DAY
    end = quarter_end(day)
    previous_end = quarter_end(end - 92)
    slack = rng.integers(0, 4, len(rows))
    wait = (end - day <= 25) & (rng.random(len(rows)) < 0.4)
    pull = (day - previous_end <= 12) & (rng.random(len(rows)) < 0.4)
    target = np.where(wait, end - slack, np.where(pull, previous_end - slack, day))
    moved = (target - day) * MINUTES_PER_DAY + close
    ok = (wait | pull) & (moved > before) & (target >= day - 15)
    time[rows[ok], changes[rows[ok]] - 1] = moved[ok]


def walk_pipeline(
    rng: np.random.Generator, deals: DealInputs, reps: Reps, clock: WorkClock, cutoff: int
) -> Paths:
    """Simulate every deal to its close, then cut at ``cutoff`` (first minute after as_of)."""
    last_open, won = _walk(rng, deals, reps)
    minutes = _stage_minutes(rng, deals, reps)
    stage, time, changes = _schedule(rng, deals, clock, minutes, last_open, won)
    _quarter_end_push(rng, time, changes, won)
    natural_end = time[np.arange(len(changes)), changes - 1].copy()
    happened = (time != NONE) & (time < cutoff)
    stage[~happened] = NONE
    time[~happened] = NONE
    return Paths(stage, time, happened.sum(axis=1), natural_end)
