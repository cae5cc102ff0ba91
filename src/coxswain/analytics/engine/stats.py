"""The few statistics the bottleneck analysis needs, in plain Python (no SciPy)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def two_proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float | None:
    """z statistic of ``hits_a/n_a − hits_b/n_b`` under the pooled null hypothesis.

    ``None`` when either sample is empty or the pooled rate is 0 or 1 (no variance).
    |z| ≥ 1.96 is significant at the 5 % level (two-sided).
    """
    if n_a <= 0 or n_b <= 0:
        return None
    pooled = (hits_a + hits_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        return None
    return (hits_a / n_a - hits_b / n_b) / math.sqrt(variance)


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        average = (i + j) / 2 + 1
        for k in range(i, j + 1):
            out[order[k]] = average
        i = j + 1
    return out


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation; ``None`` for fewer than 3 points or a constant series."""
    n = len(xs)
    if n < 3 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman rank correlation (Pearson on ranks, ties averaged)."""
    if len(xs) != len(ys):
        return None
    return pearson(ranks(xs), ranks(ys))


MAX_RHO = 0.9999


def correlation_t(rho: float, n: int) -> float | None:
    """t statistic of a correlation ``rho`` over ``n`` points (df = n − 2).

    A perfect correlation is taken as ±0.9999 so the statistic stays finite.
    """
    if n < 4:
        return None
    clipped = max(-MAX_RHO, min(MAX_RHO, rho))
    return clipped * math.sqrt((n - 2) / (1 - clipped * clipped))
