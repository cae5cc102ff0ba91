"""The pipeline board (kanban), the stage funnel with drop-off, and the forecast roll-up.

All three respect the caller's visibility and the report filters (team / rep / segment).

Funnel: the deals opened in the period; a deal "reached" an open stage when it ever entered it
or any later open stage, or was won (history from ``opportunity_stage_changes`` plus its current
stage). Drop-off at a step is ``1 - reached(next) / reached(this)``.

Forecast: open deals expected to close in the period, by forecast category, plus deals won in
it. Roll-up: closed → commit → best case → pipeline (each includes the one before). The
P10/P50/P90 range of the period's outcome treats each open deal as won with its probability
(its own ``probability_bp``, else its stage's), independently: exact Monte Carlo (4,000 seeded
trials) up to 2,000 deals, a normal approximation (sum of Bernoullis) above that.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np
from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account
from coxswain.auth.principal import Permission, Principal
from coxswain.core.enums import ForecastCategory, StageCategory
from coxswain.core.errors import NotFoundError
from coxswain.opportunities.models import Opportunity, OpportunityStageChange, Pipeline, Stage
from coxswain.opportunities.pipelines import default_pipeline
from coxswain.opportunities.reporting import (
    Period,
    RateTable,
    ReportFilters,
    period_containing,
    scope_clause,
)
from coxswain.opportunities.reports import default_as_of
from coxswain.opportunities.schemas import Board, BoardCard, BoardColumn
from coxswain.people.models import User

CARDS_PER_COLUMN = 20
CLOSED_CARDS_DAYS = 30
MONTE_CARLO_MAX_DEALS = 2000
TRIALS = 4000


def pipeline_for(session: Session, pipeline_id: uuid.UUID | None) -> Pipeline:
    """``pipeline_id``'s pipeline; by default the default pipeline, or, when it holds no deal
    (an imported workspace), the first pipeline that does."""
    if pipeline_id is not None:
        chosen = session.get(Pipeline, pipeline_id)
        if chosen is None:
            raise NotFoundError(f"pipeline {pipeline_id} not found")
        return chosen
    pipeline = default_pipeline(session)
    has_deals = select(Opportunity.id).where(Opportunity.pipeline_id == pipeline.id).limit(1)
    if session.scalar(has_deals) is not None:
        return pipeline
    other = session.scalar(
        select(Pipeline).where(Pipeline.id.in_(select(Opportunity.pipeline_id).distinct())).limit(1)
    )
    return other or pipeline


def board(
    session: Session,
    actor: Principal,
    filters: ReportFilters,
    *,
    pipeline_id: uuid.UUID | None = None,
    today: date,
) -> Board:
    """Columns in stage order: count and amount per currency of every visible deal in the stage
    (closed stages: closed in the last 30 days), and the 20 largest as cards."""
    actor.require(Permission.READ, "view the pipeline board")
    pipeline = pipeline_for(session, pipeline_id)
    stages = list(
        session.scalars(
            select(Stage)
            .where(Stage.pipeline_id == pipeline.id, Stage.is_active.is_(True))
            .order_by(Stage.position)
        )
    )
    scope = scope_clause(session, actor, filters)
    as_of = filters.as_of or default_as_of(session, actor, today)
    recent = as_of - timedelta(days=CLOSED_CARDS_DAYS)
    on_board = (Opportunity.status == StageCategory.OPEN.value) | (Opportunity.closed_on >= recent)
    where = (scope, Opportunity.pipeline_id == pipeline.id, on_board)
    totals: dict[uuid.UUID, tuple[int, dict[str, int]]] = defaultdict(lambda: (0, {}))
    for stage_id, currency, count, amount in session.execute(
        select(
            Opportunity.stage_id,
            Opportunity.currency,
            func.count(),
            func.sum(Opportunity.amount_minor),
        )
        .where(*where)
        .group_by(Opportunity.stage_id, Opportunity.currency)
    ):
        n, money = totals[stage_id]
        money[currency] = int(amount or 0)
        totals[stage_id] = (n + count, money)
    rank = func.row_number().over(
        partition_by=Opportunity.stage_id,
        order_by=(Opportunity.amount_minor.desc(), Opportunity.id),
    )
    ranked = (
        select(
            Opportunity.id,
            Opportunity.stage_id,
            Opportunity.name,
            Opportunity.amount_minor,
            Opportunity.currency,
            Opportunity.expected_close_on,
            Opportunity.version,
            Opportunity.account_id,
            Opportunity.owner_id,
            rank.label("rank"),
        )
        .where(*where)
        .subquery()
    )
    cards: dict[uuid.UUID, list[BoardCard]] = defaultdict(list)
    for row in session.execute(
        select(ranked, Account.name.label("account_name"), User.full_name)
        .outerjoin(Account, Account.id == ranked.c.account_id)
        .outerjoin(User, User.id == ranked.c.owner_id)
        .where(ranked.c.rank <= CARDS_PER_COLUMN)
        .order_by(ranked.c.stage_id, ranked.c.rank)
    ):
        cards[row.stage_id].append(
            BoardCard(
                id=row.id,
                name=row.name,
                account_name=row.account_name,
                owner_name=row.full_name,
                amount_minor=row.amount_minor,
                currency=row.currency,
                expected_close_on=row.expected_close_on,
                version=row.version,
            )
        )
    columns = [
        BoardColumn(
            stage_id=s.id,
            stage_name=s.name,
            category=StageCategory(s.category),
            probability_bp=s.probability_bp,
            count=totals[s.id][0],
            amount_minor_by_currency=totals[s.id][1],
            cards=cards[s.id],
        )
        for s in stages
    ]
    return Board(pipeline_id=pipeline.id, pipeline_name=pipeline.name, columns=columns)


@dataclass
class FunnelStep:
    stage: str
    reached: int
    conversion_from_previous: float | None
    drop_off: float | None


@dataclass
class Funnel:
    period: Period
    pipeline_name: str
    deals: int
    steps: list[FunnelStep]


def funnel(
    session: Session,
    actor: Principal,
    filters: ReportFilters,
    *,
    pipeline_id: uuid.UUID | None = None,
    today: date,
) -> Funnel:
    actor.require(Permission.READ, "view the funnel")
    pipeline = pipeline_for(session, pipeline_id)
    period = period_containing(
        filters.period, filters.as_of or default_as_of(session, actor, today)
    )
    stages = list(
        session.scalars(
            select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.position)
        )
    )
    open_stages = [s for s in stages if s.category == StageCategory.OPEN.value]
    position = {s.id: s.position for s in open_stages}
    scope = scope_clause(session, actor, filters)
    deals = (
        select(Opportunity.id, Opportunity.stage_id, Opportunity.status)
        .where(
            scope,
            Opportunity.pipeline_id == pipeline.id,
            Opportunity.opened_on.between(period.start, period.end),
        )
        .subquery()
    )
    open_position = (
        case(*((Stage.id == sid, pos) for sid, pos in position.items()), else_=-1)
        if position
        else -1
    )
    furthest = session.execute(
        select(deals.c.id, deals.c.status, func.max(open_position))
        .outerjoin(OpportunityStageChange, OpportunityStageChange.opportunity_id == deals.c.id)
        .outerjoin(Stage, Stage.id == OpportunityStageChange.to_stage_id)
        .group_by(deals.c.id, deals.c.status)
    ).all()
    current = dict(session.execute(select(deals.c.id, deals.c.stage_id)).all())
    reached_at: list[int] = []
    won = 0
    for deal_id, status, max_pos in furthest:
        best = max(max_pos if max_pos is not None else -1, position.get(current.get(deal_id), -1))  # type: ignore[arg-type]
        if status == StageCategory.WON.value:
            won += 1
            best = 10**9
        reached_at.append(best)
    counts = [sum(1 for r in reached_at if r >= s.position) for s in open_stages] + [won]
    names = [s.name for s in open_stages] + ["Won"]
    steps: list[FunnelStep] = []
    for i, (name, count) in enumerate(zip(names, counts, strict=True)):
        prev = counts[i - 1] if i else None
        conversion = count / prev if prev else None
        steps.append(
            FunnelStep(name, count, conversion, None if conversion is None else 1 - conversion)
        )
    return Funnel(period=period, pipeline_name=pipeline.name, deals=len(reached_at), steps=steps)


@dataclass
class ForecastView:
    period: Period
    currency: str
    won: float
    by_category: dict[str, float]
    rollup: list[tuple[str, float]]
    weighted: float
    p10: float
    p50: float
    p90: float
    months: list[tuple[str, float, float, float]]
    open_deals: int
    method: str


def _quantiles(
    amounts: np.ndarray[Any, Any], probs: np.ndarray[Any, Any]
) -> tuple[float, float, float, str]:
    if len(amounts) == 0:
        return 0.0, 0.0, 0.0, "none"
    if len(amounts) <= MONTE_CARLO_MAX_DEALS:
        rng = np.random.default_rng(20240601)
        wins = rng.random((TRIALS, len(amounts))) < probs
        totals = wins.astype(np.float64) @ amounts
        p10, p50, p90 = np.percentile(totals, [10, 50, 90])
        return float(p10), float(p50), float(p90), "monte_carlo"
    mean = float(amounts @ probs)
    sd = float(np.sqrt((amounts**2) @ (probs * (1 - probs))))
    if sd == 0:
        return mean, mean, mean, "normal"
    dist = NormalDist(mean, sd)
    return dist.inv_cdf(0.1), mean, dist.inv_cdf(0.9), "normal"


def forecast(
    session: Session, actor: Principal, filters: ReportFilters, *, today: date
) -> ForecastView:
    """The period's forecast for what ``actor`` may see (see the module docstring)."""
    actor.require(Permission.READ, "view the forecast")
    as_of = filters.as_of or default_as_of(session, actor, today)
    period = period_containing(filters.period, as_of)
    rates = RateTable(session)
    scope = scope_clause(session, actor, filters)
    won = 0.0
    for currency, day, amount in session.execute(
        select(Opportunity.currency, Opportunity.closed_on, func.sum(Opportunity.amount_minor))
        .where(
            scope,
            Opportunity.status == StageCategory.WON.value,
            Opportunity.closed_on.between(period.start, period.end),
        )
        .group_by(Opportunity.currency, Opportunity.closed_on)
    ):
        won += float(rates.to_major(int(amount or 0), currency, day))
    probability = (
        cast(func.coalesce(Opportunity.probability_bp, Stage.probability_bp), Float) / 10000
    )
    rows = session.execute(
        select(
            Opportunity.forecast_category,
            Opportunity.currency,
            Opportunity.expected_close_on,
            Opportunity.amount_minor,
            probability,
        )
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(
            scope,
            Opportunity.status == StageCategory.OPEN.value,
            Opportunity.expected_close_on.between(period.start, period.end),
        )
    ).all()
    by_category: dict[str, float] = defaultdict(float)
    amounts = np.zeros(len(rows))
    probs = np.zeros(len(rows))
    month_of: list[date] = []
    for i, (category, currency, day, amount, p) in enumerate(rows):
        major = float(rates.to_major(int(amount or 0), currency, as_of))
        by_category[category] += major
        amounts[i], probs[i] = major, min(max(float(p or 0), 0.0), 1.0)
        month_of.append(day.replace(day=1) if day else period.start)
    p10, p50, p90, method = _quantiles(amounts, probs)
    months = []
    for month in sorted(set(month_of)):
        mask = np.array([m == month for m in month_of])
        q = _quantiles(amounts[mask], probs[mask])
        months.append((month.strftime("%b %Y"), q[0], q[1], q[2]))
    commit = won + by_category[ForecastCategory.COMMIT.value]
    best = commit + by_category[ForecastCategory.BEST_CASE.value]
    pipe = best + by_category[ForecastCategory.PIPELINE.value]
    return ForecastView(
        period=period,
        currency=rates.currency,
        won=won,
        by_category=dict(by_category),
        rollup=[("Closed won", won), ("Commit", commit), ("Best case", best), ("Pipeline", pipe)],
        weighted=won + float(amounts @ probs),
        p10=won + p10,
        p50=won + p50,
        p90=won + p90,
        months=months,
        open_deals=len(rows),
        method=method,
    )
