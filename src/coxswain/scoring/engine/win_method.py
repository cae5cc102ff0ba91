"""The win-probability forecasting method: survival timing, redistributed by P(win).

The survival curves of :class:`coxswain.forecasting.engine.sales_cycle.SurvivalCycle` say how
much of a stratum's open value is won *inside the window* (they handle censoring: deals
that stay open for ever are part of their risk sets). The gradient-boosting model says which
deals are likelier to win. Within each survival stratum::

    P(won inside window)_i = clip(inside_i × p_i / mean(p over the stratum's open deals), 0, 1)

so the stratum's expected wins stay those of the survival model and the boosting model moves
them towards the deals it rates higher. (Multiplying ``p_i`` by a timing share instead
over-forecasts: the boosting model learns from *closed* deals only, so it cannot know that
many old open deals never close; on Maven that doubled the forecast.)
"""

from __future__ import annotations

import numpy as np

from coxswain.forecasting.engine.base import Window
from coxswain.forecasting.engine.history import DealHistory, FloatArray
from coxswain.forecasting.engine.sales_cycle import SurvivalCycle
from coxswain.forecasting.engine.snapshot import OpenPipeline
from coxswain.scoring.engine.win_model import WinModel


class WinProbabilityMethod:
    """A :class:`~coxswain.forecasting.engine.base.PipelineMethod` over :class:`WinModel`."""

    name = "win_probability"

    def __init__(self, seed: int = 0) -> None:
        self.model = WinModel(seed=seed)
        self.timing = SurvivalCycle()
        self.history: DealHistory | None = None

    def fit(self, history: DealHistory, as_of: int) -> WinProbabilityMethod:
        self.model.fit(history, as_of)
        self.timing.fit(history, as_of)
        self.history = history
        return self

    def win_chance(self, pipeline: OpenPipeline) -> FloatArray:
        """Calibrated P(won eventually) per open deal."""
        assert self.history is not None, "fit before predict"
        return self.model.predict(self.history, pipeline.rows, pipeline.as_of)

    def predict(self, pipeline: OpenPipeline, window: Window) -> FloatArray:
        if pipeline.size == 0 or window.days == 0:
            return np.zeros(pipeline.size)
        inside = self.timing.predict(pipeline, window)
        win = self.win_chance(pipeline)
        chance = np.zeros(pipeline.size)
        for _curve, where in self.timing.curve_groups(pipeline):
            mean = float(win[where].mean())
            ratio = win[where] / mean if mean > 1e-12 else np.ones(where.size)
            chance[where] = np.clip(inside[where] * ratio, 0.0, 1.0)
        return chance
