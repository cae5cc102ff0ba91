"""The statistics behind bottleneck findings, against values worked out by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coxswain.analytics.engine.expressions import interpolated_quantile
from coxswain.analytics.engine.stats import correlation_t, ranks, spearman, two_proportion_z


def test_two_proportion_z_by_hand() -> None:
    # 20/50 vs 10/50: pooled 0.3, se = sqrt(0.3 × 0.7 × (2/50)) = 0.091652; z = 0.2 / se
    assert two_proportion_z(20, 50, 10, 50) == pytest.approx(0.2 / math.sqrt(0.21 * 0.04))
    assert two_proportion_z(0, 10, 0, 10) is None
    assert two_proportion_z(1, 0, 1, 5) is None


def test_ranks_and_spearman_by_hand() -> None:
    assert ranks([10, 20, 20, 5]) == [2.0, 3.5, 3.5, 1.0]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    assert correlation_t(0.5, 10) == pytest.approx(0.5 * math.sqrt(8 / 0.75))


def test_interpolated_quantile_by_hand() -> None:
    assert interpolated_quantile([30, 60, 120], 0.9) == pytest.approx(108.0)
    assert interpolated_quantile([5, 10, 10, 10, 61], 0.9) == pytest.approx(40.6)
    assert interpolated_quantile([], 0.5) is None


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(st.lists(st.tuples(finite, finite), min_size=3, max_size=40))
def test_spearman_is_bounded_and_symmetric(points: list[tuple[float, float]]) -> None:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    rho = spearman(xs, ys)
    if rho is not None:
        assert -1 - 1e-9 <= rho <= 1 + 1e-9
        assert spearman(ys, xs) == pytest.approx(rho)


@given(st.lists(finite, min_size=1, max_size=60), st.floats(0, 1))
def test_quantile_lies_between_min_and_max(values: list[float], q: float) -> None:
    result = interpolated_quantile(values, q)
    assert result is not None
    assert min(values) - 1e-6 <= result <= max(values) + 1e-6
