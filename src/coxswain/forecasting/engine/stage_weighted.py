"""The baseline: amount × stage probability (the deal's own probability when it has one).

Worked example: deals of 10,000 at Proposal (55 %) and 4,000 at Negotiation (80 %) forecast
10,000 × 0.55 + 4,000 × 0.80 = 8,700.

Every open deal counts, whatever its age, except that live (at the present cut-off) a deal
whose expected close date falls after the window is left out, as CRM forecasts do; an
overdue expected close counts. Expected close dates are not historised, so past cut-offs
(backtests) count the whole open pipeline.
"""

from __future__ import annotations

import numpy as np

from coxswain.forecasting.engine.base import Window
from coxswain.forecasting.engine.history import UNKNOWN_DAY, DealHistory, FloatArray
from coxswain.forecasting.engine.snapshot import OpenPipeline


class StageWeighted:
    """``fit`` learns nothing; ``predict`` returns the stage (or deal) probability."""

    name = "stage_weighted"

    def fit(self, history: DealHistory, as_of: int) -> StageWeighted:  # noqa: ARG002
        return self

    def predict(self, pipeline: OpenPipeline, window: Window) -> FloatArray:
        chance = pipeline.probability.copy()
        if pipeline.live:
            expected = pipeline.expected_close
            after = (expected != UNKNOWN_DAY) & (expected > pipeline.as_of + window.last)
            chance[after] = 0.0
        if window.days == 0:
            return np.zeros_like(chance)
        return chance
