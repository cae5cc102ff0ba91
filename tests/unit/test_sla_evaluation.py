"""SLA clocks and compliance on hand-computed leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coxswain.routing.engine.conditions import ALWAYS, compile_predicate
from coxswain.sla.engine.calendar import BusinessCalendar, parse_spans
from coxswain.sla.engine.evaluation import LeadClock, evaluate
from coxswain.sla.engine.policies import Policy
from coxswain.sla.engine.report import Evaluated, percentile, summarize

NY = BusinessCalendar("NY", "America/New_York", parse_spans(None))
POLICY = Policy(
    name="Std", condition=ALWAYS, predicate=compile_predicate(ALWAYS), calendar="NY",
    accept_within=timedelta(hours=1), first_touch_within=timedelta(hours=4),
    first_touch_from="mql", escalations=(),
)  # fmt: skip
TUE_10 = datetime(2025, 3, 4, 15, tzinfo=UTC)  # Tue 10:00 New York


def at(hours: float) -> datetime:
    return TUE_10 + timedelta(hours=hours)


@pytest.mark.parametrize(
    ("clock", "as_of", "states"),
    [
        # accepted after 30 min, touched after 3h: both on time
        (LeadClock(TUE_10, TUE_10, at(0.5), at(3)), at(8), ("met", "met")),
        # accepted after 2h (late), never touched, now 6h later (4h target) → breached
        (LeadClock(TUE_10, TUE_10, at(2), None), at(6), ("met_late", "breached")),
        # 30 min in, nothing done yet: both still due
        (LeadClock(TUE_10, TUE_10, None, None), at(0.5), ("due", "due")),
        # no owner yet: accept clock not started; touch clock runs from MQL
        (LeadClock(TUE_10, None, None, None), at(0.5), ("not_started", "due")),
        # disqualified 20 min in, before either deadline: clocks stopped
        (LeadClock(TUE_10, TUE_10, None, None, closed_at=at(1 / 3)), at(9), ("stopped", "stopped")),
    ],
)
def test_milestone_states(clock: LeadClock, as_of: datetime, states: tuple[str, str]) -> None:
    result = evaluate(POLICY, NY, clock, as_of)
    assert tuple(s.state for s in result) == states


def test_deadlines_and_elapsed_are_business_time() -> None:
    # MQL Tue 16:30 NY (21:30 UTC); touched Wed 10:00 NY (15:00 UTC): 30 min Tue + 1h Wed.
    mql = datetime(2025, 3, 4, 21, 30, tzinfo=UTC)
    touched = datetime(2025, 3, 5, 15, tzinfo=UTC)
    accept, touch = evaluate(POLICY, NY, LeadClock(mql, mql, None, touched), touched)
    assert accept.due_at == datetime(2025, 3, 5, 14, 30, tzinfo=UTC)  # Wed 09:30 NY
    assert accept.state == "breached"
    assert touch.due_at == datetime(2025, 3, 5, 17, 30, tzinfo=UTC)  # Wed 12:30 NY
    assert (touch.state, touch.elapsed) == ("met", timedelta(minutes=90))


def test_due_shows_remaining_business_time() -> None:
    clock = LeadClock(TUE_10, TUE_10, None, None)
    _, touch = evaluate(POLICY, NY, clock, at(1))
    assert touch.remaining == timedelta(hours=3)
    assert touch.elapsed == timedelta(hours=1)


def test_compliance_and_response_time_per_group() -> None:
    def lead(rep: str, accept_h: float | None, touch_h: float | None, as_of_h: float) -> Evaluated:
        clock = LeadClock(
            TUE_10, TUE_10, at(accept_h) if accept_h is not None else None,
            at(touch_h) if touch_h is not None else None,
        )  # fmt: skip
        wall = at(touch_h) - TUE_10 if touch_h is not None else None
        return Evaluated({"rep": rep}, "Std", evaluate(POLICY, NY, clock, at(as_of_h)), wall)

    results = [
        lead("ana", 0.5, 1, 8),  # on time, on time, 60 min
        lead("ana", 2, 5, 8),  # late, late, 300 min
        lead("ana", None, None, 6),  # missed (1h), missed (4h)
        lead("ben", 0.25, 2, 8),  # on time, on time, 120 min
        lead("ben", None, None, 0.5),  # both still due: not counted
    ]
    rows = {row.group: row for row in summarize(results, "rep")}
    ana, ben = rows["ana"], rows["ben"]
    assert (ana.accept.on_time, ana.accept.late, ana.accept.missed) == (1, 1, 1)
    assert ana.accept.compliance == pytest.approx(1 / 3)
    assert ana.median_response_minutes == pytest.approx(180)  # of 60 and 300
    assert ana.p90_response_minutes == pytest.approx(60 + 0.9 * 240)
    assert (ben.leads, ben.accept.on_time, ben.accept.open, ben.first_touch.compliance) == (
        2,
        1,
        1,
        1.0,
    )
    assert ben.median_wall_response_minutes == pytest.approx(120)


def test_percentile_matches_numpy_linear() -> None:
    import numpy as np

    values = [5.0, 1.0, 9.0, 3.0, 7.5]
    for pct in (0, 10, 50, 90, 100):
        assert percentile(values, pct) == pytest.approx(float(np.percentile(values, pct)))
    assert percentile([], 50) is None
