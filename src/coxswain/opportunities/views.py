"""The pipeline board (kanban): open deals by stage, and those closed in the last 30 days.

It respects the caller's visibility and the report filters (team / rep / segment). The funnel,
KPIs and forecasts live in the analytics and forecasting domains (one definition each).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.visibility import visibility_for
from coxswain.core.enums import StageCategory
from coxswain.core.errors import NotFoundError
from coxswain.opportunities.models import Opportunity, Pipeline, Stage
from coxswain.opportunities.pipelines import default_pipeline
from coxswain.opportunities.reporting import (
    ReportFilters,
    scope_clause,
)
from coxswain.opportunities.schemas import Board, BoardCard, BoardColumn
from coxswain.people.models import User

CARDS_PER_COLUMN = 20
CLOSED_CARDS_DAYS = 30
MONTE_CARLO_MAX_DEALS = 2000
TRIALS = 4000


def default_as_of(session: Session, actor: Principal, today: date) -> date:
    """``today``, or the last day with a visible deal when the data ends earlier (old imports)."""
    clause = visibility_for(session, actor).clause(Opportunity.owner_id)
    latest = session.scalar(select(func.max(Opportunity.closed_on)).where(clause))
    return min(today, latest) if latest else today


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
