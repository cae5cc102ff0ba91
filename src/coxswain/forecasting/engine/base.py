"""What every pipeline method shares: the forecast window and the fit/predict protocol.

A pipeline method is a small object in the statsforecast style: ``fit(history, as_of)``
learns only from what was known at the cut-off, ``predict(pipeline, window)`` returns each
open deal's chance of being *won inside the window*. Expected bookings are then
``sum(amount * chance)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from coxswain.forecasting.engine.calendar import Period
from coxswain.forecasting.engine.history import DealHistory, FloatArray
from coxswain.forecasting.engine.snapshot import OpenPipeline


@dataclass(frozen=True, slots=True)
class Window:
    """Days ``as_of + first .. as_of + last`` (inclusive) in which a won close counts.

    ``first`` is 0 when the period has started; ``last < first`` is an empty window.
    """

    first: int
    last: int

    @property
    def days(self) -> int:
        return max(self.last - self.first + 1, 0)


def window_for(period: Period, as_of: int) -> Window:
    """The part of ``period`` still ahead at cut-off ``as_of`` (a day number)."""
    return Window(first=max(period.start_day - as_of, 0), last=period.end_day - as_of)


class PipelineMethod(Protocol):
    """A model of each open deal's chance of a won close inside a window."""

    name: str

    def fit(self, history: DealHistory, as_of: int) -> PipelineMethod:
        """Learn from events before ``as_of``; returns ``self``."""
        ...

    def predict(self, pipeline: OpenPipeline, window: Window) -> FloatArray:
        """Per open deal (row of ``pipeline``): P(won on a day inside ``window``), 0..1."""
        ...


def expected_bookings(pipeline: OpenPipeline, chance: FloatArray) -> float:
    """``sum(amount * chance)`` in the reporting currency."""
    return float(np.dot(pipeline.amount, chance)) if pipeline.size else 0.0
