"""Forecasting against real SQLite and PostgreSQL: history loading, service, calls, roll-up,
snapshots and accuracy, with figures worked out by hand from the org in conftest.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.audit.models import AuditEvent
from coxswain.core.clock import FixedClock
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.forecasting import calls, rollup, service, snapshots
from coxswain.forecasting.engine.calendar import day
from coxswain.forecasting.engine.forecaster import ForecastSettings
from coxswain.forecasting.models import ForecastSnapshotCall, ForecastSnapshotDeal
from coxswain.forecasting.repository import load_history
from coxswain.forecasting.schemas import CallAdjust, CallSubmit
from tests.integration.forecasting.conftest import Org

CLOCK = FixedClock(datetime(2024, 3, 11, 9, tzinfo=UTC))


def test_history_converts_currencies_and_keeps_dates(session: Session, org: Org) -> None:
    history = load_history(session)
    index = {key: i for i, key in enumerate(history.keys)}
    w2 = index[str(org.deals["w2"].id)]
    assert history.amount[w2] == pytest.approx(2_200.0)  # 2,000 EUR at 1.10
    assert history.closed[w2] == day(date(2024, 2, 20))
    assert history.known_through == day(date(2024, 3, 5))
    o3 = index[str(org.deals["o3"].id)]
    assert history.forecast_category[o3] == "pipeline"
    assert history.segment.label(o3) == "enterprise"
    assert history.events_deal.size == 16


def test_forecast_service_reports_every_method_and_categories(session: Session, org: Org) -> None:
    report = service.forecast(
        session,
        period="2024-03",
        as_of=date(2024, 3, 6),
        settings=ForecastSettings(simulations=500, calibration_periods=0),
    )
    assert report.currency == "USD"
    assert report.open_deals == 4
    methods = {m.method: m for m in report.methods}
    assert methods["stage_weighted"].closed == pytest.approx(500.0)  # w3 closed on 2024-03-05
    # live: o4 expected after March is out; o1 0.80, o2 0.55, o3 0.80
    assert methods["stage_weighted"].pipeline == pytest.approx(
        3_000 * 0.8 + 1_000 * 0.55 + 4_000 * 0.8
    )
    ensemble = methods["ensemble"]
    assert ensemble.p10 is not None
    assert ensemble.p90 is not None
    assert ensemble.p10 <= ensemble.p50 <= ensemble.p90  # type: ignore[operator]
    categories = {c.category: c for c in report.categories}
    assert categories["closed"].amount == pytest.approx(500.0)
    assert categories["commit"].amount == pytest.approx(3_000.0)  # o1
    assert categories["best_case"].amount == pytest.approx(1_000.0)  # o2
    assert categories["pipeline"].amount == pytest.approx(4_000.0)  # o3, overridden
    assert categories["pipeline"].cumulative == pytest.approx(8_500.0)


def test_submit_adjust_and_roll_up(session: Session, org: Org) -> None:
    calls.submit_call(
        session,
        CallSubmit(user_email="ann@example.com", period="2024-03", commit=3_000, best_case=500),
        clock=CLOCK,
    )
    calls.submit_call(
        session, CallSubmit(user_email="bob@example.com", period="2024-03", commit=800), clock=CLOCK
    )
    calls.submit_call(
        session,
        CallSubmit(user_email="cy@example.com", period="2024-03", commit=4_500),
        clock=CLOCK,
    )
    adjusted = calls.adjust_call(
        session,
        CallAdjust(
            manager_email="maria@example.com",
            user_email="bob@example.com",
            period="2024-03",
            commit=600,
        ),
        clock=CLOCK,
    )
    assert adjusted.adjusted
    assert adjusted.commit == 600
    with pytest.raises(ValidationError, match="does not manage"):
        calls.adjust_call(
            session,
            CallAdjust(
                manager_email="maria@example.com",
                user_email="cy@example.com",
                period="2024-03",
                commit=1,
            ),
            clock=CLOCK,
        )
    with pytest.raises(NotFoundError, match="no call for 2024-04"):
        calls.adjust_call(
            session,
            CallAdjust(
                manager_email="maria@example.com",
                user_email="ann@example.com",
                period="2024-04",
                commit=1,
            ),
            clock=CLOCK,
        )
    rows = {r.team: r for r in rollup.rollup(session, period="2024-03", today=date(2024, 3, 11))}
    assert (
        next(r.team for r in rollup.rollup(session, period="2024-03", today=date(2024, 3, 11)))
        == "Americas"
    )
    assert rows["East"].called_commit == pytest.approx(3_600)  # Ann 3,000 + Bob adjusted 600
    assert rows["West"].called_commit == pytest.approx(4_500)
    assert rows["Americas"].called_commit == pytest.approx(8_100)
    assert (rows["East"].commit, rows["East"].best_case) == (
        pytest.approx(3_000),
        pytest.approx(1_000),
    )
    assert (rows["West"].closed, rows["West"].pipeline) == (
        pytest.approx(500),
        pytest.approx(4_000),
    )
    assert rows["Americas"].best_case_cumulative == pytest.approx(500 + 3_000 + 1_000)
    assert rows["Americas"].pipeline_cumulative == pytest.approx(8_500)
    audit = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.entity_type == "forecast_call")
    )
    assert audit == 4


def test_team_call_replaces_the_sum_below(session: Session, org: Org) -> None:
    calls.submit_call(
        session, CallSubmit(user_email="ann@example.com", period="2024-Q1", commit=100), clock=CLOCK
    )
    calls.submit_call(
        session,
        CallSubmit(user_email="maria@example.com", period="2024-Q1", commit=999, team="East"),
        clock=CLOCK,
    )
    rows = {r.team: r for r in rollup.rollup(session, period="2024-Q1", today=date(2024, 3, 11))}
    assert rows["East"].called_commit == pytest.approx(999)
    with pytest.raises(ValidationError, match="does not manage team"):
        calls.submit_call(
            session,
            CallSubmit(user_email="ann@example.com", period="2024-Q1", commit=1, team="West"),
            clock=CLOCK,
        )


def test_team_closure_is_a_recursive_cte(session: Session, org: Org) -> None:
    pairs = {(a, d): n for a, d, n in calls.team_closure(session)}
    root, east = org.teams["root"].id, org.teams["east"].id
    assert pairs[(root, east)] == 1
    assert pairs[(east, east)] == 0
    assert (east, root) not in pairs


def test_accuracy_per_person_after_the_period(session: Session, org: Org) -> None:
    calls.submit_call(
        session,
        CallSubmit(user_email="ann@example.com", period="2024-02", commit=1_200),
        clock=CLOCK,
    )
    calls.submit_call(
        session,
        CallSubmit(user_email="bob@example.com", period="2024-02", commit=2_000),
        clock=CLOCK,
    )
    rows = {r.name: r for r in rollup.accuracy(session, period="2024-02", today=date(2024, 3, 11))}
    assert rows["Ann"].actual == pytest.approx(1_000)
    assert rows["Ann"].accuracy == pytest.approx(1 - 200 / 1_000)
    assert rows["Bob"].actual == pytest.approx(2_200)
    assert rows["All callers"].error == pytest.approx(3_200 - 3_200)
    with pytest.raises(ValidationError, match="has not ended"):
        rollup.accuracy(session, period="2024-03", today=date(2024, 3, 11))


def test_weekly_snapshot_is_taken_once(session: Session, org: Org) -> None:
    calls.submit_call(
        session,
        CallSubmit(user_email="ann@example.com", period="2024-03", commit=3_000),
        clock=CLOCK,
    )
    first = snapshots.take_snapshot(session, clock=CLOCK, as_of=date(2024, 3, 6), predictions=False)
    assert first.created
    assert first.week_of == date(2024, 3, 4)
    assert (first.deals, first.calls) == (5, 1)  # 4 open + w3, closed since the Monday (03-05)
    again = snapshots.take_snapshot(session, clock=CLOCK, as_of=date(2024, 3, 6), predictions=False)
    assert not again.created
    assert again.snapshot_id == first.snapshot_id
    w2 = session.scalar(
        select(ForecastSnapshotDeal.amount_minor).where(
            ForecastSnapshotDeal.opportunity_id == org.deals["o1"].id
        )
    )
    assert w2 == 300_000
    assert session.scalar(select(ForecastSnapshotCall.commit_minor)) == 300_000
