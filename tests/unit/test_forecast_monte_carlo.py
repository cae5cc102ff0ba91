"""Monte Carlo: exact in the degenerate cases, ordered percentiles, seeded, unbiased."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxswain.core.errors import ValidationError
from coxswain.forecasting.engine.monte_carlo import simulate_bookings, slip_distribution


def test_certain_and_impossible_deals() -> None:
    result = simulate_bookings(
        np.array([1.0, 0.0, 1.0]), np.array([10.0, 99.0, 5.0]), simulations=50
    )
    assert result.totals.tolist() == [15.0] * 50


def test_mean_matches_expected_value() -> None:
    rng = np.random.default_rng(3)
    chance, amount = rng.random(2_001), rng.lognormal(8, 1, 2_001)
    result = simulate_bookings(chance, amount, simulations=4_000, seed=11)
    expected = float(chance @ amount)
    spread = float(np.sqrt(np.sum(amount**2 * chance * (1 - chance))))
    assert abs(result.mean - expected) < 4 * spread / np.sqrt(4_000)
    assert result.p10 < expected < result.p90


def test_common_shock_widens_the_band_and_new_business_adds() -> None:
    chance, amount = np.full(1_000, 0.3), np.full(1_000, 100.0)
    narrow = simulate_bookings(chance, amount, simulations=3_000, seed=1)
    wide = simulate_bookings(chance, amount, sigma=0.3, simulations=3_000, seed=1)
    assert wide.p90 - wide.p10 > 2 * (narrow.p90 - narrow.p10)
    more = simulate_bookings(chance, amount, new_business=5_000, simulations=3_000, seed=1)
    assert more.mean == pytest.approx(narrow.mean + 5_000, rel=1e-9)


def test_slip_buckets_pick_rows_by_weight() -> None:
    table = np.array([[0.0], [1.0]])  # slipping out of the window loses the deal
    result = simulate_bookings(
        table, np.array([1.0]), slip_weights=np.array([0.25, 0.75]), simulations=8_000, seed=2
    )
    assert result.mean == pytest.approx(0.75, abs=0.02)
    slips, weights = slip_distribution(7.0)
    assert slips == [-14, -7, 0, 7, 14]
    assert weights.sum() == pytest.approx(1.0)
    assert slip_distribution(0) == ([0], pytest.approx(np.ones(1)))


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValidationError):
        simulate_bookings(np.array([0.5, 0.5]), np.array([1.0]))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1e6)), min_size=1, max_size=60),
    st.floats(0, 1),
    st.integers(0, 2**32),
)
def test_percentiles_are_ordered_and_seeded(
    deals: list[tuple[float, float]], sigma: float, seed: int
) -> None:
    chance = np.array([c for c, _ in deals])
    amount = np.array([a for _, a in deals])
    first = simulate_bookings(chance, amount, sigma=sigma, simulations=300, seed=seed)
    again = simulate_bookings(chance, amount, sigma=sigma, simulations=300, seed=seed)
    assert first.totals.tolist() == again.totals.tolist()
    assert 0 <= first.p10 <= first.p50 <= first.p90 <= amount.sum() + 1e-6
