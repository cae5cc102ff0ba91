"""Length-of-sales-cycle models: the classic age rule and a survival model of time to close.

**Classic rule.** With an average won cycle of ``C`` days (opened → won, deals won before the
cut-off), a deal ``a`` days old has chance ``min(a / C, 1)``: a four-month (120-day)
average cycle and a deal 30 days in gives 30 / 120 = 25 %. The rule ignores losses and the
calendar; it is kept because sales teams use it, and the backtest shows what it is worth.

**Survival model.** Competing-risks (Aalen–Johansen) curves of days from entering a stage to
a won or lost close, one per stage (deals in that stage), estimated only from spells that
started before the cut-off and censored at it. A deal ``t`` days into its stage then has
``P(won inside the window | still open at t)`` (see :mod:`.survival`): the chance of closing
*within the period*, not merely of ever winning. A stage with fewer than ``min_spells``
spells (or fewer than ``min_closed`` closes) falls back to the pipeline's curve of days from
opening, and that to the curve over every pipeline.
"""

from __future__ import annotations

import numpy as np

from coxswain.forecasting.engine.base import Window
from coxswain.forecasting.engine.history import OPEN, WON, DealHistory, FloatArray, IntArray
from coxswain.forecasting.engine.snapshot import LandmarkSpells, OpenPipeline, landmark_spells
from coxswain.forecasting.engine.survival import CompetingRisksCurve, fit_competing_risks


class ClassicCycle:
    """``min(age / average won cycle, 1)``; the average is over deals won before the cut-off."""

    name = "cycle_classic"

    def __init__(self) -> None:
        self.average_cycle_days = float("nan")

    def fit(self, history: DealHistory, as_of: int) -> ClassicCycle:
        won = (history.outcome == WON) & (history.closed < as_of) & (history.opened > -(1 << 39))
        cycles = history.closed[won] - history.opened[won]
        self.average_cycle_days = float(cycles.mean()) if cycles.size else float("nan")
        return self

    def predict(self, pipeline: OpenPipeline, window: Window) -> FloatArray:
        if window.days == 0 or np.isnan(self.average_cycle_days) or pipeline.size == 0:
            return np.zeros(pipeline.size)
        cycle = max(self.average_cycle_days, 1.0)
        return np.minimum(pipeline.age / cycle, 1.0).astype(np.float64)


AGE_BUCKETS = np.array([7, 30, 90])  # days in stage: <7, 7-29, 30-89, 90+


class SurvivalCycle:
    """P(won inside the window) from landmark competing-risks curves of time to close.

    Strata, most specific first: (stage, days-in-stage bucket, segment), (stage, bucket),
    stage, pipeline, all deals;
    a stratum needs ``min_spells`` spells with ``min_closed`` closes to be used.
    """

    name = "cycle_survival"

    def __init__(
        self,
        min_spells: int = 30,
        min_closed: int = 5,
        spacing: int = 7,
        lookback: int = 365,
        value_weighted: bool = True,
    ) -> None:
        self.value_weighted = value_weighted
        self.min_spells = min_spells
        self.min_closed = min_closed
        self.spacing = spacing
        self.lookback = lookback
        self.curves: dict[tuple[str | int, ...], CompetingRisksCurve] = {}
        self.segment_codes = np.zeros(0, dtype=np.int64)
        self.overall = fit_competing_risks(np.zeros(0, np.int64), np.zeros(0, np.int64))
        self.stage_pipeline = np.zeros(0, dtype=np.int64)

    def _fit_groups(self, level: str, columns: list[IntArray], spells: LandmarkSpells) -> None:
        if spells.rows.size == 0:
            return
        keys, inverse = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        closed_by_key = np.bincount(inverse, weights=spells.event != OPEN, minlength=len(keys))
        count_by_key = np.bincount(inverse, minlength=len(keys))
        for index, key in enumerate(keys):
            if count_by_key[index] >= self.min_spells and closed_by_key[index] >= self.min_closed:
                mask = inverse == index
                self.curves[(level, *(int(k) for k in key))] = fit_competing_risks(
                    spells.duration[mask], spells.event[mask], weights=self._weights(spells, mask)
                )

    def fit(self, history: DealHistory, as_of: int) -> SurvivalCycle:
        spells = landmark_spells(history, as_of, self.spacing, self.lookback)
        self.stage_pipeline = history.stages.pipeline
        self.segment_codes = history.segment.codes
        self.curves = {}
        bucket = np.searchsorted(AGE_BUCKETS, spells.days_in_stage, side="right")
        segment = history.segment.codes[spells.rows]
        self._fit_groups("stage_bucket_segment", [spells.stage, bucket, segment], spells)
        self._fit_groups("stage_bucket", [spells.stage, bucket], spells)
        self._fit_groups("stage", [spells.stage], spells)
        self._fit_groups("pipeline", [self.stage_pipeline[spells.stage]], spells)
        everything = np.ones(spells.rows.size, dtype=bool)
        self.overall = fit_competing_risks(
            spells.duration, spells.event, weights=self._weights(spells, everything)
        )
        return self

    def _weights(self, spells: LandmarkSpells, mask: np.ndarray) -> FloatArray | None:
        if not self.value_weighted:
            return None
        weights: FloatArray = np.maximum(spells.amount[mask], 0.0) + 1e-9
        return weights

    def curve_groups(self, pipeline: OpenPipeline) -> list[tuple[CompetingRisksCurve, IntArray]]:
        """(curve, positions of the open deals it applies to) for every curve in use."""
        bucket = np.searchsorted(AGE_BUCKETS, pipeline.days_in_stage, side="right")
        pipe_of_deal = self.stage_pipeline[pipeline.stage] if pipeline.size else pipeline.stage
        segment = self.segment_codes[pipeline.rows] if pipeline.size else pipeline.rows
        chosen: dict[tuple[str | int, ...] | None, list[int]] = {}
        for position in range(pipeline.size):
            stage, b = int(pipeline.stage[position]), int(bucket[position])
            options: tuple[tuple[str | int, ...], ...] = (
                ("stage_bucket_segment", stage, b, int(segment[position])),
                ("stage_bucket", stage, b),
                ("stage", stage),
                ("pipeline", int(pipe_of_deal[position])),
            )
            key = next((k for k in options if k in self.curves), None)
            chosen.setdefault(key, []).append(position)
        return [
            (self.overall if key is None else self.curves[key], np.array(where, dtype=np.int64))
            for key, where in chosen.items()
        ]

    def predict(self, pipeline: OpenPipeline, window: Window) -> FloatArray:
        return self.shifted(pipeline, window, 0)

    def shifted(self, pipeline: OpenPipeline, window: Window, slip_days: int) -> FloatArray:
        """Like :meth:`predict` with every close ``slip_days`` later (earlier if negative)."""
        chance = np.zeros(pipeline.size)
        if window.days == 0:
            return chance
        first, last = max(window.first - slip_days, 0), window.last - slip_days
        for curve, where in self.curve_groups(pipeline):
            chance[where] = curve.win_within(np.zeros(where.size, dtype=np.int64), first, last)
        return chance

    def win_eventually(self, pipeline: OpenPipeline) -> FloatArray:
        """P(won at any time | open now) per open deal."""
        chance = np.zeros(pipeline.size)
        for curve, where in self.curve_groups(pipeline):
            chance[where] = curve.win_eventually(np.zeros(where.size, dtype=np.int64))
        return chance
