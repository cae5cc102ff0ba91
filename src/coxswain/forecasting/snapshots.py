"""Weekly snapshots: the pipeline, every effective call and the system forecasts, as known.

One snapshot per ISO week (``week_of`` = its Monday); taking it again in the same week
returns the existing one (append-only: nothing is rewritten). Deals stored: every open deal
and every deal closed since the Monday, with stage, category, probability, dates and the
amount in the reporting currency. Calls stored: the effective call (after adjustments) of
every period that has not ended. Predictions: ``stage_weighted``, ``cycle_survival``,
``monte_carlo`` and ``ensemble`` for the current month and quarter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from coxswain.core.clock import Clock, SystemClock
from coxswain.core.money import to_minor
from coxswain.currencies.service import reporting_currency
from coxswain.forecasting import repository
from coxswain.forecasting.calls import effective_calls, major
from coxswain.forecasting.engine.calendar import day, parse_period, period_containing, week_start
from coxswain.forecasting.engine.forecaster import ForecastSettings, run_forecast
from coxswain.forecasting.models import (
    ForecastCall,
    ForecastSnapshot,
    ForecastSnapshotCall,
    ForecastSnapshotDeal,
    ForecastSnapshotPrediction,
)
from coxswain.forecasting.schemas import SnapshotRead
from coxswain.opportunities.models import Opportunity

SNAPSHOT_METHODS = ("stage_weighted", "cycle_survival", "monte_carlo", "ensemble")


def _counts(session: Session, snapshot: ForecastSnapshot, created: bool) -> SnapshotRead:
    def count(
        model: type[ForecastSnapshotDeal]
        | type[ForecastSnapshotCall]
        | type[ForecastSnapshotPrediction],
    ) -> int:
        query = select(func.count()).select_from(model).where(model.snapshot_id == snapshot.id)
        return int(session.scalar(query) or 0)

    return SnapshotRead(
        snapshot_id=str(snapshot.id),
        week_of=snapshot.week_of,
        as_of=snapshot.as_of,
        deals=count(ForecastSnapshotDeal),
        calls=count(ForecastSnapshotCall),
        predictions=count(ForecastSnapshotPrediction),
        created=created,
    )


def take_snapshot(
    session: Session,
    *,
    clock: Clock | None = None,
    as_of: date | None = None,
    predictions: bool = True,
) -> SnapshotRead:
    """Store this week's snapshot (or return it when it exists). ``as_of`` is the first day
    the data does not know (default: today)."""
    now = (clock or SystemClock()).now()
    cut_off = as_of or now.date()
    week = week_start(cut_off - timedelta(days=1))
    existing = session.scalar(select(ForecastSnapshot).where(ForecastSnapshot.week_of == week))
    if existing is not None:
        return _counts(session, existing, created=False)
    currency = reporting_currency(session)
    snapshot = ForecastSnapshot(week_of=week, taken_at=now, as_of=cut_off, currency=currency)
    session.add(snapshot)
    session.flush()
    _store_deals(session, snapshot, week, currency)
    _store_calls(session, snapshot, cut_off)
    if predictions:
        _store_predictions(session, snapshot, cut_off, currency)
    session.flush()
    return _counts(session, snapshot, created=True)


def _store_deals(session: Session, snapshot: ForecastSnapshot, week: date, currency: str) -> None:
    book = repository.RateBook.load(session, currency)
    query = select(Opportunity).where(
        Opportunity.deleted_at.is_(None),
        (Opportunity.status == "open") | (Opportunity.closed_on >= week),
    )
    rows = []
    for deal in session.scalars(query):
        rate = book.rate(deal.currency, deal.closed_on or snapshot.as_of)
        rows.append(
            {
                "snapshot_id": snapshot.id,
                "opportunity_id": deal.id,
                "owner_id": deal.owner_id,
                "stage_id": deal.stage_id,
                "status": deal.status,
                "forecast_category": deal.forecast_category,
                "amount_minor": _minor(major(deal.amount_minor, deal.currency) * rate, currency),
                "currency": currency,
                "probability_bp": deal.probability_bp,
                "expected_close_on": deal.expected_close_on,
                "closed_on": deal.closed_on,
            }
        )
    _insert(session, ForecastSnapshotDeal, rows)


def _insert(
    session: Session,
    model: type[ForecastSnapshotDeal] | type[ForecastSnapshotCall],
    rows: Sequence[Mapping[str, object]],
) -> None:
    from coxswain.core.ids import new_id

    for start in range(0, len(rows), 5_000):
        chunk = [{"id": new_id(), **row} for row in rows[start : start + 5_000]]
        if chunk:
            session.execute(insert(model), chunk)


def _store_calls(session: Session, snapshot: ForecastSnapshot, cut_off: date) -> None:
    periods = session.scalars(
        select(ForecastCall.period).where(ForecastCall.period_end >= cut_off).distinct()
    )
    rows: list[dict[str, object]] = []
    at = snapshot.taken_at
    for label in sorted(set(periods)):
        for effective in effective_calls(session, parse_period(label), at=at):
            commit, best, pipeline = effective.amounts
            rows.append(
                {
                    "snapshot_id": snapshot.id,
                    "call_id": effective.call.id,
                    "user_id": effective.user.id,
                    "team_id": effective.call.team_id,
                    "period": label,
                    "commit_minor": commit,
                    "best_case_minor": best,
                    "pipeline_minor": pipeline,
                    "currency": effective.call.currency,
                    "adjusted": effective.adjustment is not None,
                }
            )
    _insert(session, ForecastSnapshotCall, rows)


def _store_predictions(
    session: Session, snapshot: ForecastSnapshot, cut_off: date, currency: str
) -> None:
    history = repository.load_history(session)
    if history.size == 0:
        return
    settings = ForecastSettings(simulations=2_000)
    for kind in ("month", "quarter"):
        period = period_containing(cut_off, kind)
        run = run_forecast(history, day(cut_off), period, settings, SNAPSHOT_METHODS)
        for method, result in run.results.items():
            session.add(
                ForecastSnapshotPrediction(
                    snapshot_id=snapshot.id,
                    period=period.label,
                    method=method,
                    point_minor=_minor(result.point, currency),
                    p10_minor=None if result.p10 is None else _minor(result.p10, currency),
                    p50_minor=None if result.p50 is None else _minor(result.p50, currency),
                    p90_minor=None if result.p90 is None else _minor(result.p90, currency),
                    currency=currency,
                )
            )


def _minor(amount: float, currency: str) -> int:
    from decimal import Decimal

    return to_minor(Decimal(str(round(amount, 6))), currency)
