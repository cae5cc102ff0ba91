"""Forecast accuracy: what was forecast for a period against what was then won.

For each forecast period (a month or quarter a snapshot forecast), the forecast compared is
the last snapshot taken *before the period began* (what was known when it started); when
there is none, the first snapshot taken during the period. With actual ``A`` (won value
closed in the period) and forecast ``F``:

- absolute percentage error ``APE = |F − A| ÷ A`` (periods with ``A = 0`` are skipped);
- ``MAPE`` = the mean APE over periods; ``accuracy = max(0, 1 − MAPE)``;
- ``bias = Σ (F − A) ÷ Σ A`` (positive: forecasts ran high).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from coxswain.analytics.engine.periods import Period


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    """One stored forecast: ``amount`` (reporting major units) for ``period``, taken on
    ``snapshot_on``."""

    period: Period
    amount: float
    snapshot_on: date


@dataclass(frozen=True, slots=True)
class PeriodAccuracy:
    period: Period
    forecast: float
    actual: float
    ape: float | None
    snapshot_on: date


def pick_forecasts(points: Sequence[ForecastPoint]) -> dict[Period, ForecastPoint]:
    """Per period, the snapshot the accuracy is measured on (see the module docstring).

    Snapshots taken after a period ended are ignored: they knew the answer.
    """
    by_period: dict[Period, list[ForecastPoint]] = {}
    for point in points:
        if point.snapshot_on <= point.period.end:
            by_period.setdefault(point.period, []).append(point)
    chosen: dict[Period, ForecastPoint] = {}
    for period, candidates in by_period.items():
        before = [p for p in candidates if p.snapshot_on < period.start]
        if before:
            chosen[period] = max(before, key=lambda p: p.snapshot_on)
        else:
            chosen[period] = min(candidates, key=lambda p: p.snapshot_on)
    return chosen


def period_accuracy(
    chosen: Mapping[Period, ForecastPoint], actuals: Mapping[Period, float]
) -> list[PeriodAccuracy]:
    rows = []
    for period, point in sorted(chosen.items(), key=lambda item: item[0].start):
        actual = actuals.get(period, 0.0)
        ape = abs(point.amount - actual) / actual if actual > 0 else None
        rows.append(PeriodAccuracy(period, point.amount, actual, ape, point.snapshot_on))
    return rows


def summarize(rows: Sequence[PeriodAccuracy]) -> dict[str, float | None]:
    """``mape``, ``accuracy`` and ``bias`` over ``rows`` (all ``None`` without data)."""
    apes = [r.ape for r in rows if r.ape is not None]
    actual = sum(r.actual for r in rows)
    mape = sum(apes) / len(apes) if apes else None
    return {
        "mape": mape,
        "accuracy": None if mape is None else max(0.0, 1.0 - mape),
        "bias": (sum(r.forecast - r.actual for r in rows) / actual) if actual > 0 else None,
        "periods": float(len(rows)),
    }
