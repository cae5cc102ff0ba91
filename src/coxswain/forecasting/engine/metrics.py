"""Accuracy measures for point forecasts, intervals and probability models.

* WAPE = Σ|forecast − actual| / Σ actual (0 is perfect; undefined when Σ actual = 0).
* bias = Σ(forecast − actual) / Σ actual (positive = over-forecast).
* coverage = share of periods with P10 ≤ actual ≤ P90 (an 80 % interval should hold ~0.8).
* ROC AUC by the rank-sum (Mann–Whitney) formula, ties counted half.
* Brier score = mean((p − y)²); reliability = observed rate per predicted-probability bin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coxswain.forecasting.engine.history import FloatArray


def wape(forecast: Sequence[float], actual: Sequence[float]) -> float:
    """Weighted absolute percentage error as a fraction (NaN when Σ actual is 0)."""
    f, a = np.asarray(forecast, dtype=float), np.asarray(actual, dtype=float)
    total = a.sum()
    return float(np.abs(f - a).sum() / total) if total > 0 else float("nan")


def bias(forecast: Sequence[float], actual: Sequence[float]) -> float:
    """Signed relative error Σ(f − a) / Σ a (NaN when Σ actual is 0)."""
    f, a = np.asarray(forecast, dtype=float), np.asarray(actual, dtype=float)
    total = a.sum()
    return float((f - a).sum() / total) if total > 0 else float("nan")


def coverage(low: Sequence[float], high: Sequence[float], actual: Sequence[float]) -> float:
    """Share of periods whose actual lies in ``[low, high]`` (NaN with no periods)."""
    lo, hi, a = (np.asarray(x, dtype=float) for x in (low, high, actual))
    if a.size == 0:
        return float("nan")
    return float(np.mean((lo <= a) & (a <= hi)))


def roc_auc(label: Sequence[int] | FloatArray, score: Sequence[float] | FloatArray) -> float:
    """Area under the ROC curve; NaN unless both classes are present."""
    y = np.asarray(label, dtype=bool)
    s = np.asarray(score, dtype=float)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(s.size)
    sorted_scores = s[order]
    # average ranks for ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier(label: Sequence[int] | FloatArray, probability: Sequence[float] | FloatArray) -> float:
    y, p = np.asarray(label, dtype=float), np.asarray(probability, dtype=float)
    return float(np.mean((p - y) ** 2)) if y.size else float("nan")


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """Predictions in ``[low, high)``: how many, their mean, and the observed rate."""

    low: float
    high: float
    count: int
    mean_predicted: float
    observed_rate: float


def reliability_table(
    label: Sequence[int] | FloatArray, probability: Sequence[float] | FloatArray, bins: int = 10
) -> list[ReliabilityBin]:
    """Equal-width bins over 0..1 (the last includes 1.0); empty bins are left out."""
    y, p = np.asarray(label, dtype=float), np.asarray(probability, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table: list[ReliabilityBin] = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            table.append(
                ReliabilityBin(
                    float(edges[b]),
                    float(edges[b + 1]),
                    int(mask.sum()),
                    float(p[mask].mean()),
                    float(y[mask].mean()),
                )
            )
    return table
