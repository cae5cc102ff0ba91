"""The Aalen–Johansen curves on a hand-worked example, and their invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxswain.forecasting.engine.history import LOST, OPEN, WON
from coxswain.forecasting.engine.survival import fit_competing_risks


def test_hand_worked_curve() -> None:
    # spells: won on day 2, lost on day 3, still open after 3 days, won on day 5
    curve = fit_competing_risks(
        np.array([2, 3, 3, 5]), np.array([WON, LOST, OPEN, WON]), min_at_risk=1
    )
    # at risk: days 0-2: 4; day 3: 2 (the censored spell left after day 2); days 4-5: 1
    assert curve.at_risk[1:].tolist() == [4, 4, 4, 2, 1, 1]
    assert curve.survival[1:].tolist() == pytest.approx([1, 1, 0.75, 0.375, 0.375, 0.0])
    assert curve.win_incidence[1:].tolist() == pytest.approx([0, 0, 0.25, 0.25, 0.25, 0.625])
    # a deal open 3 days: P(won on days 3..5) = (0.625 - 0.25) / S(2) = 0.5
    assert curve.win_within(np.array([3]), 0, 2).tolist() == pytest.approx([0.5])
    assert curve.win_eventually(np.array([0])).tolist() == pytest.approx([0.625])
    assert curve.win_within(np.array([0]), 3, 2).tolist() == [0.0]  # empty window


def test_kaplan_meier_when_only_wins() -> None:
    curve = fit_competing_risks(
        np.array([1, 2, 2, 4]), np.array([WON, WON, OPEN, WON]), min_at_risk=1
    )
    # the spell censored at 2 was seen open on days 0-1 only, so day 2 has 2 at risk
    km = [1.0, 0.75, 0.75 * (1 - 1 / 2), 0.75 * (1 - 1 / 2), 0.0]
    assert curve.survival[1:].tolist() == pytest.approx(km)
    assert curve.win_incidence[1:].tolist() == pytest.approx([1 - s for s in km])


def test_value_weights_count_amounts() -> None:
    curve = fit_competing_risks(
        np.array([1, 1]), np.array([WON, LOST]), weights=np.array([3.0, 1.0])
    )
    assert curve.win_incidence[-1] == pytest.approx(0.75)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.sampled_from([OPEN, WON, LOST])), min_size=1, max_size=80
    ),
    st.integers(0, 40),
    st.integers(0, 30),
    st.integers(0, 30),
)
def test_curve_invariants(spells: list[tuple[int, int]], age: int, first: int, length: int) -> None:
    duration = np.array([d for d, _ in spells])
    event = np.array([e for _, e in spells])
    curve = fit_competing_risks(duration, event, min_at_risk=1)
    assert np.all(np.diff(curve.survival) <= 1e-12)  # never rises
    assert np.all(np.diff(curve.win_incidence) >= -1e-12)  # never falls
    assert np.all(curve.win_incidence + curve.survival <= 1 + 1e-9)
    ages = np.array([age])
    inside = curve.win_within(ages, first, first + length)[0]
    longer = curve.win_within(ages, first, first + length + 5)[0]
    ever = curve.win_eventually(ages)[0]
    assert 0 <= inside <= longer + 1e-12 <= ever + 2e-12 <= 1 + 1e-9
