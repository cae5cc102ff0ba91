"""Time to close with competing outcomes (won / lost): the Aalen–Johansen estimator.

On a daily grid, with ``n(d)`` spells at risk on day ``d`` and ``w(d)`` wins and ``l(d)``
losses that day::

    S(d)    = S(d-1) * (1 - (w(d) + l(d)) / n(d))        still open after day d
    CIF_w(d) = CIF_w(d-1) + S(d-1) * w(d) / n(d)         won by day d

A censored spell (still open at the cut-off) of duration ``d`` was seen open on days
``0..d-1`` and is at risk up to day ``d - 1``; a closed spell of duration ``d`` is at risk up
to and including day ``d``. Kaplan–Meier is the special case with one outcome.

For a deal still open ``t`` days after entry, the chance of a win on days ``t+a .. t+b``::

    (CIF_w(t + b) - CIF_w(t + a - 1)) / S(t - 1)

Deals older than any well-observed spell (fewer than ``min_at_risk`` at risk) are treated as
the oldest well-observed age, so the estimate never divides by an empty risk set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coxswain.forecasting.engine.history import LOST, OPEN, WON, BoolArray, FloatArray, IntArray

MIN_AT_RISK = 5


@dataclass(frozen=True, eq=False)
class CompetingRisksCurve:
    """Estimates on days ``-1 .. horizon`` (array index = day + 1).

    Attributes:
        survival: S(d), the share still open after day d (S(-1) = 1).
        win_incidence: CIF_w(d), the share won by day d (CIF_w(-1) = 0).
        at_risk: spells at risk on day d.
        spells: number of spells the curve was fitted on; ``wins`` and ``losses`` closed ones.
    """

    survival: FloatArray
    win_incidence: FloatArray
    at_risk: IntArray
    spells: int
    wins: int
    losses: int
    min_at_risk: int = MIN_AT_RISK

    @property
    def horizon(self) -> int:
        return int(self.survival.size - 2)

    @property
    def max_reliable_age(self) -> int:
        """The oldest age with at least ``MIN_AT_RISK`` spells at risk (0 if none)."""
        reliable = np.flatnonzero(self.at_risk[1:] >= self.min_at_risk)
        return int(reliable[-1]) if reliable.size else 0

    def _at(self, values: FloatArray, days: IntArray) -> FloatArray:
        return values[np.clip(days, -1, self.horizon) + 1]

    def win_within(self, age: IntArray, first: IntArray | int, last: IntArray | int) -> FloatArray:
        """P(won on days ``age+first .. age+last`` | open at ``age``), per deal.

        ``first`` and ``last`` are day offsets from the cut-off (inclusive; ``last < first``
        gives 0). Ages past :attr:`max_reliable_age` are clamped to it.
        """
        age = np.minimum(np.asarray(age, dtype=np.int64), self.max_reliable_age)
        first_day = age + np.maximum(np.asarray(first, dtype=np.int64), 0)
        last_day = age + np.asarray(last, dtype=np.int64)
        open_before = self._at(self.survival, age - 1)
        gained = self._at(self.win_incidence, last_day) - self._at(
            self.win_incidence, first_day - 1
        )
        safe = np.where(open_before > 1e-12, open_before, 1.0)
        chance = np.where((last_day >= first_day) & (open_before > 1e-12), gained / safe, 0.0)
        return np.clip(chance, 0.0, 1.0)

    def win_eventually(self, age: IntArray) -> FloatArray:
        """P(won at any time | open at ``age``)."""
        return self.win_within(age, 0, self.horizon + 1)


def fit_competing_risks(
    duration: IntArray,
    event: IntArray,
    horizon: int | None = None,
    weights: FloatArray | None = None,
    min_at_risk: int = MIN_AT_RISK,
) -> CompetingRisksCurve:
    """Fit the Aalen–Johansen curves.

    Args:
        duration: days from entry to close (event) or to the cut-off (censored), ≥ 0.
        event: OPEN (censored), WON or LOST per spell.
        horizon: last day on the grid (default: the longest duration).
        min_at_risk: ages with fewer spells at risk are not trusted (see above).
        weights: per-spell weights (e.g. amounts: the curves then describe the share of
            *value* won by day d); default 1 each. ``at_risk`` stays a count of spells.

    Returns:
        The curves; with no spells, S = 1 and CIF_w = 0 everywhere.
    """
    duration = np.asarray(duration, dtype=np.int64)
    event = np.asarray(event, dtype=np.int64)
    top = int(duration.max()) if duration.size else 0
    horizon = top if horizon is None else max(horizon, 0)
    size = horizon + 1
    clipped = np.clip(duration, 0, horizon)
    w = np.ones(duration.size) if weights is None else np.asarray(weights, dtype=np.float64)

    def tally(mask: BoolArray, values: FloatArray) -> FloatArray:
        counts = np.bincount(clipped[mask], weights=values[mask], minlength=size)
        return np.asarray(counts[:size], dtype=np.float64)

    ones = np.ones(duration.size)
    wins, losses = tally(event == WON, w), tally(event == LOST, w)

    def risk_set(values: FloatArray) -> FloatArray:
        # at risk on day d: closed spells with duration >= d, censored with duration > d
        closed_at_least = np.cumsum(tally(event != OPEN, values)[::-1])[::-1]
        censored = np.cumsum(tally(event == OPEN, values)[::-1])[::-1]
        total: FloatArray = closed_at_least + np.concatenate([censored[1:], [0.0]])
        return total

    weighted_risk, at_risk = risk_set(w), risk_set(ones)
    safe = np.where(weighted_risk > 0, weighted_risk, 1.0)
    hazard_all = np.where(weighted_risk > 0, (wins + losses) / safe, 0.0)
    hazard_win = np.where(weighted_risk > 0, wins / safe, 0.0)
    survival = np.cumprod(1.0 - hazard_all)
    survival_before = np.concatenate([[1.0], survival[:-1]])
    win_incidence = np.cumsum(survival_before * hazard_win)
    return CompetingRisksCurve(
        survival=np.concatenate([[1.0], survival]),
        win_incidence=np.concatenate([[0.0], win_incidence]),
        at_risk=np.concatenate([[int(at_risk[0]) if size else 0], at_risk]).astype(np.int64),
        spells=int(duration.size),
        wins=int((event == WON).sum()),
        losses=int((event == LOST).sum()),
        min_at_risk=min_at_risk,
    )
