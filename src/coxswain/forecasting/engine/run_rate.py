"""Run rate: time-series forecasts of bookings from booking history (statsforecast).

Two series per period kind (month, quarter, year), over complete periods before the
cut-off, starting with the first period that booked anything:

* ``total``: won amount closed in the period;
* ``new``: the part won by deals *opened in the same period*: business that was not in the
  pipeline when the period began. Pipeline methods plus a forecast of ``new`` make a whole
  forecast (see :mod:`.ensemble`).

Models (the statsforecast ``fit(y)`` / ``predict(h, level)`` style):

* :class:`SeasonalNaiveRunRate`: the value one season ago (``y[t+1] = y[t+1-m]``), with an
  80 % interval from the empirical quantiles of past seasonal differences.
* :class:`StatsRunRate`: statsforecast ``AutoETS(season_length=m)`` with its own 80 %
  interval; it falls back to the seasonal naive model when the series is too short (fewer
  than ``2 * m + 2`` points) or the fit fails.

The season ``m`` is 12 for months with two years of history, else 3 (the quarter cycle that
sales follows) with four months, else 1; 4 for quarters with two years, else 1; 1 for years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from coxswain.forecasting.engine.calendar import Period, period_starting, to_date
from coxswain.forecasting.engine.history import UNKNOWN_DAY, WON, DealHistory, FloatArray, IntArray

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True, eq=False)
class BookingSeries:
    """Bookings per complete period before a cut-off (oldest first)."""

    periods: tuple[Period, ...]
    total: FloatArray
    new: FloatArray

    def to_long_format(self) -> pd.DataFrame:
        """The statsforecast long format: columns ``unique_id`` (total/new), ``ds``, ``y``."""
        import pandas as pd

        starts = [p.start for p in self.periods]
        frames = [
            pd.DataFrame({"unique_id": name, "ds": pd.to_datetime(starts), "y": values})
            for name, values in (("total", self.total), ("new", self.new))
        ]
        return pd.concat(frames, ignore_index=True)


def _period_index(days: IntArray, kind: str) -> IntArray:
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // _MONTHS[kind]


def booking_series(history: DealHistory, as_of: int, kind: str = "month") -> BookingSeries:
    """Bookings per ``kind`` period that ended before ``as_of`` (only closes before it)."""
    won = np.flatnonzero((history.outcome == WON) & (history.closed < as_of))
    if won.size == 0:
        return BookingSeries(periods=(), total=np.zeros(0), new=np.zeros(0))
    close_index = _period_index(history.closed[won], kind)
    opened = history.opened[won]
    open_index = np.where(
        opened == UNKNOWN_DAY, -(1 << 30), _period_index(np.maximum(opened, 0), kind)
    )
    current = int(_period_index(np.array([as_of], dtype=np.int64), kind)[0])
    first = int(close_index.min())
    count = max(current - first, 0)  # periods first .. current-1 are complete
    keep = close_index < current
    offsets = close_index[keep] - first
    total = np.bincount(offsets, weights=history.amount[won][keep], minlength=count)[:count]
    is_new = (open_index[keep] == close_index[keep]).astype(np.float64)
    new = np.bincount(offsets, weights=history.amount[won][keep] * is_new, minlength=count)
    periods = tuple(period_starting(_start_of(first + k, kind), kind) for k in range(count))
    return BookingSeries(
        periods=periods, total=total.astype(np.float64), new=new[:count].astype(np.float64)
    )


def _start_of(index: int, kind: str) -> date:
    month = index * _MONTHS[kind]
    first_day = np.datetime64(month, "M").astype("datetime64[D]").astype(np.int64)
    return to_date(int(first_day))


def season_length(kind: str, points: int) -> int:
    """The season used for a series of ``points`` periods of ``kind`` (see module doc)."""
    if kind == "month":
        return 12 if points >= 24 else 3 if points >= 4 else 1
    if kind == "quarter":
        return 4 if points >= 8 else 1
    return 1


@dataclass(frozen=True, slots=True)
class RunRatePrediction:
    """One-step-ahead forecast: ``mean`` and the 80 % interval ``low`` .. ``high``."""

    mean: float
    low: float
    high: float
    model: str


class SeasonalNaiveRunRate:
    """``y[t+1] = y[t+1-m]``; interval from past seasonal differences (10th/90th pct)."""

    name = "run_rate_naive"

    def __init__(self, season: int = 1) -> None:
        self.season = season
        self.y: FloatArray = np.zeros(0)

    def fit(self, y: FloatArray) -> SeasonalNaiveRunRate:
        self.y = np.asarray(y, dtype=np.float64)
        return self

    def predict(self, h: int = 1) -> RunRatePrediction:
        """Forecast ``h`` periods ahead (``h ≥ 1``); an empty series forecasts 0."""
        y, m = self.y, max(min(self.season, self.y.size), 1)
        if y.size == 0:
            return RunRatePrediction(0.0, 0.0, 0.0, "seasonal_naive")
        mean = float(y[y.size - m + (h - 1) % m])
        diffs = y[m:] - y[:-m] if y.size > m else np.zeros(1)
        low, high = np.percentile(diffs, [10, 90]) if diffs.size >= 3 else (-0.3 * mean, 0.3 * mean)
        return RunRatePrediction(
            mean, max(mean + float(low), 0.0), mean + float(high), "seasonal_naive"
        )


class StatsRunRate:
    """statsforecast ``AutoETS`` with the seasonal naive model as fallback."""

    name = "run_rate"

    def __init__(self, season: int = 1) -> None:
        self.season = season
        self.fallback = SeasonalNaiveRunRate(season)
        self.fitted: object | None = None

    def fit(self, y: FloatArray) -> StatsRunRate:
        y = np.asarray(y, dtype=np.float64)
        self.fallback.fit(y)
        self.fitted = None
        if y.size < 2 * self.season + 2 or not np.any(y > 0):
            return self
        from statsforecast.models import AutoETS  # type: ignore[import-untyped]

        try:
            with np.errstate(all="ignore"):
                self.fitted = AutoETS(season_length=self.season).fit(y)
        except Exception:  # statsforecast raises plain errors on degenerate series
            self.fitted = None
        return self

    def predict(self, h: int = 1) -> RunRatePrediction:
        if self.fitted is None:
            return self.fallback.predict(h)
        with np.errstate(all="ignore"):
            out = self.fitted.predict(h=h, level=[80])  # type: ignore[attr-defined]
        mean, low, high = (float(np.asarray(out[k])[h - 1]) for k in ("mean", "lo-80", "hi-80"))
        if not all(np.isfinite([mean, low, high])):
            return self.fallback.predict(h)
        return RunRatePrediction(max(mean, 0.0), max(low, 0.0), max(high, 0.0), "auto_ets")


def run_rate_forecast(
    series: FloatArray, kind: str, *, model: str = "auto_ets", h: int = 1
) -> RunRatePrediction:
    """Fit the named model (``auto_ets`` or ``seasonal_naive``) and forecast ``h`` ahead."""
    m = season_length(kind, int(np.asarray(series).size))
    estimator = StatsRunRate(m) if model == "auto_ets" else SeasonalNaiveRunRate(m)
    return estimator.fit(series).predict(h)
