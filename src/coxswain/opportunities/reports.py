"""The sales dashboard: KPI cards (this period against the previous one, with 12-month
sparklines), monthly trends, open pipeline by stage and the leaderboard.

Definitions (money in the reporting currency, see ``reporting.RateTable``):

- won revenue: sum of ``amount`` of deals won (``status = won``) with ``closed_on`` in the period;
- deals won: their count; average deal size: won revenue / deals won;
- win rate: deals won / (deals won + deals lost), both by ``closed_on`` in the period;
- pipeline created: sum of ``amount`` of deals with ``opened_on`` in the period;
- sales cycle: mean of ``closed_on - opened_on`` in days over won deals that have ``opened_on``.

A change is ``(this - previous) / previous``; None when the previous value is 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from coxswain.auth.principal import Permission, Principal
from coxswain.auth.visibility import visibility_for
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.enums import StageCategory
from coxswain.opportunities.models import Opportunity, Stage
from coxswain.opportunities.reporting import (
    Period,
    RateTable,
    ReportFilters,
    TtlCache,
    month_starts,
    period_containing,
    scope_clause,
)
from coxswain.people.models import User

SPARK_MONTHS = 12
_cache = TtlCache(ttl_seconds=30)


@dataclass
class KpiCard:
    key: str
    label: str
    unit: str  # money, count, percent, days
    value: float | None
    previous: float | None
    sparkline: list[float | None]
    higher_is_better: bool = True

    @property
    def change(self) -> float | None:
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / abs(self.previous)


@dataclass
class Dashboard:
    period: Period
    previous: Period
    currency: str
    computed_at: datetime
    cards: list[KpiCard]
    months: list[str]
    won_by_month: list[float]
    lost_by_month: list[float]
    created_by_month: list[float]
    open_by_stage: list[tuple[str, int, float]]
    top_reps: list[tuple[str, int, float]]
    missing_rates: list[str] = field(default_factory=list)


@dataclass
class _Month:
    won: Decimal = Decimal(0)
    won_count: int = 0
    lost_count: int = 0
    lost: Decimal = Decimal(0)
    created: Decimal = Decimal(0)
    cycle_days: float = 0.0
    cycle_count: int = 0


def default_as_of(session: Session, actor: Principal, today: date) -> date:
    """``today``, or the last day with a visible deal when the data ends earlier (old imports)."""
    clause = visibility_for(session, actor).clause(Opportunity.owner_id)
    latest = session.scalar(select(func.max(Opportunity.closed_on)).where(clause))
    return min(today, latest) if latest else today


def _cycle_days(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(Opportunity.closed_on) - func.julianday(Opportunity.opened_on)
    return cast(Opportunity.closed_on, Date) - cast(Opportunity.opened_on, Date)


def _monthly(
    session: Session, scope: Any, start: date, end: date, rates: RateTable
) -> dict[date, _Month]:
    months: dict[date, _Month] = defaultdict(_Month)
    cycle = _cycle_days(session)
    closed = session.execute(
        select(
            Opportunity.status,
            Opportunity.currency,
            Opportunity.closed_on,
            func.count(),
            func.sum(Opportunity.amount_minor),
            func.sum(cycle),
            func.count(Opportunity.opened_on),
        )
        .where(
            scope,
            Opportunity.status.in_(["won", "lost"]),
            Opportunity.closed_on.between(start, end),
        )
        .group_by(Opportunity.status, Opportunity.currency, Opportunity.closed_on)
    ).all()
    for status, currency, day, count, amount, days, with_open in closed:
        bucket = months[day.replace(day=1)]
        money = rates.to_major(int(amount or 0), currency, day)
        if status == StageCategory.WON.value:
            bucket.won += money
            bucket.won_count += count
            bucket.cycle_days += float(days or 0)
            bucket.cycle_count += with_open
        else:
            bucket.lost += money
            bucket.lost_count += count
    created = session.execute(
        select(Opportunity.currency, Opportunity.opened_on, func.sum(Opportunity.amount_minor))
        .where(scope, Opportunity.opened_on.between(start, end))
        .group_by(Opportunity.currency, Opportunity.opened_on)
    ).all()
    for currency, day, amount in created:
        if day is None:
            continue
        months[day.replace(day=1)].created += rates.to_major(int(amount or 0), currency, day)
    return months


def _totals(months: dict[date, _Month], period: Period) -> _Month:
    total = _Month()
    for start, m in months.items():
        if period.start <= start <= period.end:
            total.won += m.won
            total.lost += m.lost
            total.won_count += m.won_count
            total.lost_count += m.lost_count
            total.created += m.created
            total.cycle_days += m.cycle_days
            total.cycle_count += m.cycle_count
    return total


def _metrics(m: _Month) -> dict[str, float | None]:
    decided = m.won_count + m.lost_count
    return {
        "won_revenue": float(m.won),
        "deals_won": float(m.won_count),
        "win_rate": m.won_count / decided if decided else None,
        "avg_deal": float(m.won) / m.won_count if m.won_count else None,
        "pipeline_created": float(m.created),
        "sales_cycle": m.cycle_days / m.cycle_count if m.cycle_count else None,
    }


CARDS = (
    ("won_revenue", "Won revenue", "money", True),
    ("deals_won", "Deals won", "count", True),
    ("win_rate", "Win rate", "percent", True),
    ("avg_deal", "Average deal size", "money", True),
    ("pipeline_created", "Pipeline created", "money", True),
    ("sales_cycle", "Sales cycle (days)", "days", False),
)


def _open_by_stage(
    session: Session, scope: Any, rates: RateTable, today: date
) -> list[tuple[str, int, float]]:
    rows = session.execute(
        select(
            Stage.name,
            Stage.position,
            Opportunity.currency,
            func.count(),
            func.sum(Opportunity.amount_minor),
        )
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(scope, Opportunity.status == StageCategory.OPEN.value)
        .group_by(Stage.name, Stage.position, Opportunity.currency)
    ).all()
    stages: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for name, position, currency, count, amount in rows:
        entry = stages[(position, name)]
        entry[0] += count
        entry[1] += float(rates.to_major(int(amount or 0), currency, today))
    return [(name, int(v[0]), v[1]) for (_, name), v in sorted(stages.items())]


def _top_reps(
    session: Session, scope: Any, period: Period, rates: RateTable
) -> list[tuple[str, int, float]]:
    rows = session.execute(
        select(
            User.full_name, Opportunity.currency, func.count(), func.sum(Opportunity.amount_minor)
        )
        .join(User, User.id == Opportunity.owner_id)
        .where(
            scope,
            Opportunity.status == StageCategory.WON.value,
            Opportunity.closed_on.between(period.start, period.end),
        )
        .group_by(User.full_name, Opportunity.currency)
    ).all()
    reps: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for name, currency, count, amount in rows:
        reps[name][0] += count
        reps[name][1] += float(rates.to_major(int(amount or 0), currency, period.end))
    ranked = sorted(reps.items(), key=lambda kv: -kv[1][1])[:10]
    return [(name, int(v[0]), v[1]) for name, v in ranked]


def build_dashboard(
    session: Session, actor: Principal, filters: ReportFilters, *, clock: Clock | None = None
) -> Dashboard:
    """Compute the dashboard for what ``actor`` may see (no cache; see :func:`dashboard`)."""
    actor.require(Permission.READ, "view the dashboard")
    now = (clock or SystemClock()).now()
    as_of = filters.as_of or default_as_of(session, actor, now.date())
    period = period_containing(filters.period, as_of)
    previous = period.previous()
    starts = month_starts(period.end, SPARK_MONTHS)
    window_start = min(starts[0], previous.start)
    rates = RateTable(session)
    scope = scope_clause(session, actor, filters)
    months = _monthly(session, scope, window_start, period.end, rates)
    current, before = _metrics(_totals(months, period)), _metrics(_totals(months, previous))
    series = [_metrics(months.get(s, _Month())) for s in starts]
    cards = [
        KpiCard(key, label, unit, current[key], before[key], [m[key] for m in series], better)
        for key, label, unit, better in CARDS
    ]
    return Dashboard(
        period=period,
        previous=previous,
        currency=rates.currency,
        computed_at=now,
        cards=cards,
        months=[s.strftime("%b %y") for s in starts],
        won_by_month=[float(months.get(s, _Month()).won) for s in starts],
        lost_by_month=[float(months.get(s, _Month()).lost) for s in starts],
        created_by_month=[float(months.get(s, _Month()).created) for s in starts],
        open_by_stage=_open_by_stage(session, scope, rates, as_of),
        top_reps=_top_reps(session, scope, period, rates),
        missing_rates=sorted(rates.missing),
    )


def dashboard(
    session: Session,
    actor: Principal,
    filters: ReportFilters,
    *,
    clock: Clock | None = None,
    cache_key: object = None,
) -> Dashboard:
    """The dashboard, cached per (database, visibility, filters) for 30 s, then refreshed in the
    background while the previous figures are served (the page shows when they were computed).

    ``cache_key`` names the database (adapters pass their engine URL); None disables caching.
    """
    if cache_key is None:
        return build_dashboard(session, actor, filters, clock=clock)
    visibility = visibility_for(session, actor)
    key = (cache_key, visibility.everything, visibility.owner_ids, filters)
    bind = session.get_bind()

    def compute_fresh() -> Dashboard:
        with Session(bind=bind) as own:
            return build_dashboard(own, actor, filters, clock=clock)

    return _cache.get_or_compute(
        key, lambda: build_dashboard(session, actor, filters, clock=clock), compute_fresh
    )
