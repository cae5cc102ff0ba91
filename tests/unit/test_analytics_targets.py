"""Sales targets: pro-rating by days and roll-up through the organisation (by hand)."""

from __future__ import annotations

from datetime import date

import pytest

from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.periods import Period, day_number
from coxswain.analytics.engine.targets import Org, TargetRow, prorated, targets_for

Q2 = Period(date(2026, 4, 1), date(2026, 6, 30))
ORG = Org(
    teams={"T1": ("Company", None), "T2": ("East", "T1"), "T3": ("West", "T1")},
    users={"U1": ("Ann", "T2"), "U2": ("Bob", "T2"), "U3": ("Cy", "T3")},
)


def row(
    scope: str, amount: float, period: Period = Q2, team: str | None = None, user: str | None = None
) -> TargetRow:
    return TargetRow(period.start_day, period.end_day, scope, team, user, amount)


def test_prorated_by_days() -> None:
    year = Period(date(2026, 1, 1), date(2026, 12, 31))
    assert prorated(row("company", 365.0, year), Q2) == pytest.approx(91.0)  # 91 days in Q2
    assert prorated(row("company", 100.0, Period(date(2027, 1, 1), date(2027, 3, 31))), Q2) == 0


def test_rep_targets_roll_up_to_teams_and_the_company() -> None:
    rows = [row("rep", 1000, user="U1"), row("rep", 5000, user="U2"), row("rep", 2000, user="U3")]
    assert targets_for(rows, ORG, Q2, None, {}) == {None: {"amount": 8000.0}}
    assert targets_for(rows, ORG, Q2, None, {Dimension.TEAM: ("East",)}) == {
        None: {"amount": 6000.0}
    }
    assert targets_for(rows, ORG, Q2, None, {Dimension.REP: ("Cy",)}) == {None: {"amount": 2000.0}}
    by_rep = targets_for(rows, ORG, Q2, Dimension.REP, {})
    assert by_rep == {
        "Ann": {"amount": 1000.0},
        "Bob": {"amount": 5000.0},
        "Cy": {"amount": 2000.0},
    }


def test_own_targets_win_over_roll_ups() -> None:
    rows = [
        row("company", 20_000),
        row("team", 9000, team="T2"),
        row("rep", 1000, user="U1"),
        row("rep", 5000, user="U2"),
    ]
    assert targets_for(rows, ORG, Q2, None, {}) == {None: {"amount": 20_000.0}}
    teams = targets_for(rows, ORG, Q2, Dimension.TEAM, {})
    assert teams["East"] == {"amount": 9000.0}
    assert teams["West"] == {"amount": None}  # no target for West or its reps
    assert targets_for(rows, ORG, Q2, None, {Dimension.TEAM: ("Company", "East", "West")}) == {
        None: {"amount": 9000.0}  # Company's subtree without a company-scope row: East only
    }


def test_targets_do_not_split_by_other_dimensions() -> None:
    rows = [row("company", 100)]
    assert targets_for(rows, ORG, Q2, Dimension.REGION, {}) == {}
    assert targets_for(rows, ORG, Q2, None, {Dimension.PRODUCT: ("Core",)}) == {}
    assert day_number(Q2.start) == Q2.start_day
