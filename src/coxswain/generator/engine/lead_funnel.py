"""The lead funnel: new → MQL → accepted (first touch) → qualified → converted.

Each lead has a latent quality ``q ~ N(0, 1)`` shifted by its source (referrals and partners
are better than paid search or cold outbound). Passing each step is a logistic draw on ``q``;
with these coefficients about 66 % of leads become MQLs, ~70 % of MQLs are accepted, ~40 % of
accepted leads qualify and ~55 % of qualified leads convert (~10 % of all leads), and the score
(0-100) rises with ``q``, so score and conversion are correlated.

Timing: MQL follows receipt immediately (form fills, 45 %) or after days of nurture; the SDR
accepts within a few working hours (median 3 h), touches the lead about an hour later, and
qualification and conversion take days. Responses land in the SDR's working hours except for a
10 % tail (after-hours replies) and an 8 % tail of slow responses (1-10 days). Leads that stop
short are disqualified or recycled some days after their last step, or stay where they are.

Everything is simulated to completion, then cut at ``as_of``: a step after the cut-off has not
happened yet, so the status is the furthest step reached by then. Steps are never earlier than
the step before (``received <= mql <= accepted <= first_touch <= qualified <= converted``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.timeline import WorkClock

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NOT_YET = -1
STATUSES: tuple[str, ...] = (
    "new", "mql", "accepted", "qualified", "converted", "disqualified", "recycled",
)  # fmt: skip
STEPS: tuple[str, ...] = ("received", "mql", "accepted", "first_touch", "qualified", "converted")
# Steps a lead must have passed (0-4) for each step's time to exist, and the step column that
# holds the last time of a lead that passed k steps.
REACHED_FOR_STEP = np.array([0, 1, 2, 2, 3, 4])
LAST_STEP_OF = np.array([0, 1, 3, 4, 5])
# Chance that a lead stopping after step k (0 = never became an MQL) is disqualified or
# recycled; the rest stay in their status.
DISQUALIFY_AFTER = np.array([0.25, 0.5, 0.55, 0.6])
RECYCLE_AFTER = np.array([0.0, 0.3, 0.3, 0.3])


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Funnel:
    """Step times (UTC minutes, ``NOT_YET`` when the step has not happened by ``as_of``)."""

    times: dict[str, IntArray]
    disqualified: IntArray
    recycled: IntArray
    status: IntArray  # index into STATUSES

    def happened(self, step: str) -> BoolArray:
        return np.asarray(self.times[step] != NOT_YET, dtype=bool)


def _respond(
    rng: np.random.Generator, after: IntArray, median_minutes: float, clock: WorkClock
) -> IntArray:
    """``after`` plus a log-normal lag, moved into working hours except for the tails."""
    n = len(after)
    lag = np.maximum(1, rng.lognormal(np.log(median_minutes), 0.9, n)).astype(np.int64)
    slow = rng.random(n) < 0.08
    lag[slow] += rng.integers(1440, 14_400, int(slow.sum()))
    raw = after + lag
    snapped = clock.next_working(raw, rng)
    return np.where(rng.random(n) < 0.9, snapped, raw)


def _reached(rng: np.random.Generator, quality: FloatArray) -> IntArray:
    """How many steps past receipt each lead will ever pass (0 = never an MQL, 4 = converted)."""
    n = len(quality)
    steps = (
        (0.8, 1.0),  # MQL
        (0.75, 0.6),  # accepted
        (-0.85, 0.8),  # qualified
        (-0.45, 0.8),  # converted
    )
    alive = np.ones(n, dtype=bool)
    reached = np.zeros(n, dtype=np.int64)
    for bias, slope in steps:
        alive &= rng.random(n) < _sigmoid(bias + slope * quality)
        reached += alive
    return reached


def _step_times(
    rng: np.random.Generator, received: IntArray, reached: IntArray, clock: WorkClock
) -> dict[str, IntArray]:
    """When each lead passes each step it will reach (``NOT_YET`` for the others)."""
    n = len(received)
    instant = rng.random(n) < 0.45
    nurture = rng.lognormal(np.log(3 * 1440), 1.0, n).astype(np.int64)
    mql = received + np.where(instant, rng.integers(1, 30, n), nurture)
    times = {"received": received, "mql": np.where(reached >= 1, mql, NOT_YET)}
    previous = "mql"
    for step, median in (("accepted", 180), ("first_touch", 45), ("qualified", 6 * 1440),
                         ("converted", 5 * 1440)):  # fmt: skip
        rows = np.flatnonzero(reached >= REACHED_FOR_STEP[STEPS.index(step)])
        times[step] = np.full(n, NOT_YET)
        times[step][rows] = _respond(rng, times[previous][rows], median, clock.subset(rows))
        previous = step
    return times


def simulate_funnel(
    rng: np.random.Generator,
    received: IntArray,
    quality: FloatArray,
    clock: WorkClock,
    cutoff: int,
) -> Funnel:
    """Run every lead through the funnel; ``cutoff`` is the first minute after ``as_of``."""
    n = len(received)
    reached = _reached(rng, quality)
    full = _step_times(rng, received, reached, clock)
    stop_roll = rng.random(n)
    stage = np.minimum(reached, 3)
    disqualify = (reached < 4) & (stop_roll < DISQUALIFY_AFTER[stage])
    recycle = (reached < 4) & ~disqualify & (stop_roll < (DISQUALIFY_AFTER + RECYCLE_AFTER)[stage])
    leaving = np.flatnonzero(disqualify | recycle)
    ended = latest(list(full.values()))[leaving]
    exit_time = np.full(n, NOT_YET)
    exit_time[leaving] = _respond(rng, ended, 7 * 1440, clock.subset(leaving))
    exit_time[exit_time >= cutoff] = NOT_YET
    times = {step: np.where(minutes < cutoff, minutes, NOT_YET) for step, minutes in full.items()}
    disqualified = np.where(disqualify, exit_time, NOT_YET)
    recycled = np.where(recycle, exit_time, NOT_YET)
    return Funnel(times, disqualified, recycled, _status(times, disqualified, recycled))


def latest(columns: list[IntArray]) -> IntArray:
    """Row-wise maximum of several time columns (``NOT_YET`` is below any time)."""
    result = columns[0].copy()
    for column in columns[1:]:
        np.maximum(result, column, out=result)
    return result


def _status(times: dict[str, IntArray], disqualified: IntArray, recycled: IntArray) -> IntArray:
    """The furthest status reached: an exit (disqualified/recycled) wins over the last step."""
    status = np.zeros(len(disqualified), dtype=np.int64)
    for code, step in ((1, "mql"), (2, "accepted"), (3, "qualified"), (4, "converted")):
        status[times[step] != NOT_YET] = code
    status[recycled != NOT_YET] = STATUSES.index("recycled")
    status[disqualified != NOT_YET] = STATUSES.index("disqualified")
    return status
