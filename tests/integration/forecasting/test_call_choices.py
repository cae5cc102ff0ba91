"""What the forecast page offers: the calls a manager may adjust and the teams one may call
for, on SQLite and PostgreSQL, with the org of conftest.py (Maria manages East: Ann and Bob;
Cy is in West; Maria herself sits in Americas, above both)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from coxswain.core.clock import FixedClock
from coxswain.forecasting import calls
from coxswain.forecasting.schemas import CallAdjust, CallSubmit
from tests.integration.forecasting.conftest import Org

CLOCK = FixedClock(datetime(2024, 3, 11, 9, tzinfo=UTC))


def _submit(session: Session, email: str, commit: float, team: str | None = None) -> None:
    data = CallSubmit(user_email=email, period="2024-03", commit=commit, team=team)
    calls.submit_call(session, data, clock=CLOCK)


def test_a_manager_may_adjust_the_personal_calls_of_their_teams(session: Session, org: Org) -> None:
    _submit(session, "bob@example.com", 800)
    _submit(session, "ann@example.com", 3_000)
    _submit(session, "cy@example.com", 4_500)  # West: not Maria's
    _submit(session, "maria@example.com", 100)  # her own call: not hers to adjust
    _submit(session, "maria@example.com", 5_000, team="East")  # a team call, not a person's
    listed = calls.adjustable_calls(session, "maria@example.com", "2024-03")
    assert [(c.user_name, c.commit, c.adjusted) for c in listed] == [
        ("Ann", 3_000, False),
        ("Bob", 800, False),
    ]
    adjust = CallAdjust(
        manager_email="maria@example.com", user_email="bob@example.com", period="2024-03",
        commit=600,
    )  # fmt: skip
    calls.adjust_call(session, adjust, clock=CLOCK)
    listed = calls.adjustable_calls(session, "MARIA@example.com", "2024-03")
    assert [(c.user_name, c.commit, c.adjusted) for c in listed] == [
        ("Ann", 3_000, False),
        ("Bob", 600, True),
    ]
    assert calls.adjustable_calls(session, "maria@example.com", "2024-04") == []
    assert calls.adjustable_calls(session, "ann@example.com", "2024-03") == []  # a rep


def test_only_managers_may_call_for_teams(session: Session, org: Org) -> None:
    assert calls.callable_teams(session, "maria@example.com") == ["East"]
    assert calls.callable_teams(session, "ann@example.com") == []
