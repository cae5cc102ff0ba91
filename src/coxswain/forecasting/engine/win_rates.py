"""Historical stage win rates learned from stage history, smoothed for small counts.

For each stage a deal entered before the cut-off and that closed before it, count wins and
closes. Rates shrink towards their parent with ``prior_strength`` pseudo-deals (an additive,
empirical-Bayes style prior)::

    rate(pipeline) = (wins_p + k * rate(all)) / (n_p + k)
    rate(stage)    = (wins_s + k * rate(pipeline)) / (n_s + k)
    rate(stage, segment) = (wins_ss + k * rate(stage)) / (n_ss + k)

Worked example (k = 20): a stage with 3 wins out of 4 closes in a pipeline winning 30 %
gets (3 + 20 × 0.30) / (4 + 20) = 0.375, not 0.75. A stage no closed deal ever entered
gets its pipeline's rate; a pipeline with no closed deal uses the stage's default
probability. The rate is a chance of *ever* winning: it does not look at the window.
"""

from __future__ import annotations

import numpy as np

from coxswain.forecasting.engine.base import Window
from coxswain.forecasting.engine.history import OPEN, WON, DealHistory, FloatArray
from coxswain.forecasting.engine.snapshot import OpenPipeline, stage_spells


class StageWinRates:
    """Smoothed win rate per (stage, segment) from stage history before the cut-off."""

    name = "stage_win_rates"

    def __init__(self, prior_strength: float = 20.0) -> None:
        self.prior_strength = prior_strength
        self.rates: FloatArray = np.zeros((0, 0))
        self.segment_codes = np.zeros(0, dtype=np.int64)

    def fit(self, history: DealHistory, as_of: int) -> StageWinRates:
        spells = stage_spells(history, as_of)
        closed = spells.event != OPEN
        stage = spells.stage[closed]
        segment = history.segment.codes[spells.rows[closed]]
        won = (spells.event[closed] == WON).astype(np.float64)
        stages, segments = history.stages.keys, history.segment.labels
        k = self.prior_strength
        overall = won.mean() if won.size else np.nan
        pipe_of_stage = history.stages.pipeline
        rates = np.zeros((len(stages), max(len(segments), 1)))
        for pipe in range(len(history.pipelines)):
            in_pipe = pipe_of_stage[stage] == pipe
            n_p, w_p = in_pipe.sum(), won[in_pipe].sum()
            pipe_rate = (w_p + k * overall) / (n_p + k) if not np.isnan(overall) else np.nan
            for s in np.flatnonzero(pipe_of_stage == pipe):
                in_stage = stage == s
                n_s, w_s = in_stage.sum(), won[in_stage].sum()
                if np.isnan(pipe_rate) or n_p == 0:
                    stage_rate = float(history.stages.probability[s])
                else:
                    stage_rate = (w_s + k * pipe_rate) / (n_s + k)
                n_ss = np.bincount(segment[in_stage], minlength=rates.shape[1])
                w_ss = np.bincount(
                    segment[in_stage], weights=won[in_stage], minlength=rates.shape[1]
                )
                rates[s] = (w_ss + k * stage_rate) / (n_ss + k)
        self.rates = rates
        self.segment_codes = history.segment.codes
        return self

    def predict(self, pipeline: OpenPipeline, window: Window) -> FloatArray:
        if window.days == 0 or pipeline.size == 0:
            return np.zeros(pipeline.size)
        segment = self.segment_codes[pipeline.rows]
        return np.asarray(self.rates[pipeline.stage, segment], dtype=np.float64)
