"""Queries that load what the forecasting engine needs, as plain records (never commits).

Amounts are converted to the reporting currency at the latest rate on or before the deal's
date (its close date, else the last day of data), per ``docs/architecture.md``.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account
from coxswain.activities.models import Activity
from coxswain.catalog.models import Product
from coxswain.core.money import minor_exponent
from coxswain.currencies.models import ExchangeRate
from coxswain.currencies.service import reporting_currency
from coxswain.forecasting.engine.history import (
    DealHistory,
    DealRecord,
    StageEventRecord,
    StageRecord,
    build_history,
)
from coxswain.opportunities.models import (
    Opportunity,
    OpportunityLineItem,
    OpportunityStageChange,
    Pipeline,
    Stage,
)
from coxswain.people.models import User


@dataclass
class RateBook:
    """Every stored exchange rate, for many conversions without a query each."""

    target: str
    rates: dict[tuple[str, str], tuple[list[date], list[Decimal]]]

    @classmethod
    def load(cls, session: Session, target: str) -> RateBook:
        rows = session.execute(
            select(
                ExchangeRate.currency,
                ExchangeRate.quote_currency,
                ExchangeRate.effective_on,
                ExchangeRate.rate,
            ).order_by(ExchangeRate.effective_on)
        )
        rates: dict[tuple[str, str], tuple[list[date], list[Decimal]]] = {}
        for currency, quote, on, rate in rows:
            days, values = rates.setdefault((currency, quote), ([], []))
            days.append(on)
            values.append(Decimal(rate))
        return cls(target=target, rates=rates)

    def rate(self, currency: str, on: date) -> float:
        """Units of the target per one ``currency`` on ``on``; 1.0 when no rate is known
        (counted in :attr:`missing`)."""
        if currency == self.target:
            return 1.0
        direct = self._latest((currency, self.target), on)
        if direct is not None:
            return float(direct)
        inverse = self._latest((self.target, currency), on)
        if inverse is not None and inverse != 0:
            return float(1 / inverse)
        earliest = self._earliest((currency, self.target))
        return float(earliest) if earliest is not None else 1.0

    def _latest(self, pair: tuple[str, str], on: date) -> Decimal | None:
        found = self.rates.get(pair)
        if not found:
            return None
        position = bisect.bisect_right(found[0], on) - 1
        return found[1][position] if position >= 0 else None

    def _earliest(self, pair: tuple[str, str]) -> Decimal | None:
        found = self.rates.get(pair)
        return found[1][0] if found else None


def load_stages(session: Session) -> list[StageRecord]:
    rows = session.execute(
        select(Stage, Pipeline.name).join(Pipeline, Pipeline.id == Stage.pipeline_id)
    )
    return [
        StageRecord(
            key=str(stage.id),
            pipeline=name,
            name=stage.name,
            position=stage.position,
            probability=stage.probability_bp / 10_000,
            category=stage.category,
            forecast_category=stage.forecast_category,
        )
        for stage, name in rows
    ]


def _main_products(session: Session) -> dict[uuid.UUID, str]:
    """The product family (or name) of each deal's largest line item."""
    rows = session.execute(
        select(
            OpportunityLineItem.opportunity_id,
            OpportunityLineItem.total_minor,
            func.coalesce(Product.family, Product.name),
        ).join(Product, Product.id == OpportunityLineItem.product_id)
    )
    best: dict[uuid.UUID, tuple[int, str]] = {}
    for deal, total, family in rows:
        if deal not in best or total > best[deal][0]:
            best[deal] = (total, family or "")
    return {deal: family for deal, (_, family) in best.items()}


def _last_day(session: Session) -> date:
    candidates = [
        session.scalar(select(func.max(Opportunity.closed_on))),
        session.scalar(select(func.max(Opportunity.opened_on))),
    ]
    changed = session.scalar(select(func.max(OpportunityStageChange.changed_at)))
    if changed is not None:
        candidates.append(changed.date())
    known = [c for c in candidates if c is not None]
    return max(known) if known else date(1970, 1, 1)


def owned_deals(owner_ids: Collection[uuid.UUID] | None) -> ColumnElement[bool]:
    """Live opportunities of ``owner_ids`` (every live one when None)."""
    alive = Opportunity.deleted_at.is_(None)
    return alive if owner_ids is None else and_(alive, Opportunity.owner_id.in_(owner_ids))


def load_history(session: Session, owner_ids: Collection[uuid.UUID] | None = None) -> DealHistory:
    """Every live (not deleted) opportunity with its stage changes and activities; only
    those owned by ``owner_ids`` when given (a caller's visibility). The data's last day
    (``known_through``) stays the company's, so every caller forecasts the same period."""
    target = reporting_currency(session)
    book = RateBook.load(session, target)
    known_through = _last_day(session)
    products = _main_products(session)
    query = (
        select(
            Opportunity,
            Pipeline.name,
            Account.segment,
            Account.employees,
            Account.annual_revenue_minor,
            Account.annual_revenue_currency,
            User.segment,
        )
        .join(Pipeline, Pipeline.id == Opportunity.pipeline_id)
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .outerjoin(User, User.id == Opportunity.owner_id)
        .where(owned_deals(owner_ids))
    )
    deals: list[DealRecord] = []
    factors: dict[uuid.UUID, float] = {}
    for (
        deal,
        pipeline,
        acc_segment,
        employees,
        revenue,
        revenue_ccy,
        owner_segment,
    ) in session.execute(query):
        on = deal.closed_on or known_through
        factor = book.rate(deal.currency, on) / 10 ** minor_exponent(deal.currency)
        factors[deal.id] = factor
        revenue_major = (
            None
            if revenue is None
            else revenue
            * book.rate(revenue_ccy or target, on)
            / 10 ** minor_exponent(revenue_ccy or target)
        )
        deals.append(
            DealRecord(
                key=str(deal.id),
                pipeline=pipeline,
                stage=str(deal.stage_id),
                amount=deal.amount_minor * factor,
                opened_on=deal.opened_on,
                closed_on=deal.closed_on if deal.status != "open" else None,
                owner=str(deal.owner_id or ""),
                segment=acc_segment or owner_segment or "",
                product=products.get(deal.id, ""),
                deal_type=deal.type,
                lead_source=deal.lead_source or "",
                probability=None if deal.probability_bp is None else deal.probability_bp / 1e4,
                expected_close_on=deal.expected_close_on,
                account_employees=employees,
                account_revenue=revenue_major,
                forecast_category=deal.forecast_category,
            )
        )
    visible = None if owner_ids is None else select(Opportunity.id).where(owned_deals(owner_ids))
    events = _stage_events(session, factors, visible)
    activities = _activities(session, visible)
    return build_history(
        deals, load_stages(session), events, activities, known_through=known_through
    )


def _stage_events(
    session: Session, factors: dict[uuid.UUID, float], visible: Select[uuid.UUID] | None
) -> list[StageEventRecord]:
    query = select(
        OpportunityStageChange.opportunity_id,
        OpportunityStageChange.to_stage_id,
        OpportunityStageChange.changed_at,
        OpportunityStageChange.amount_minor,
    )
    if visible is not None:
        query = query.where(OpportunityStageChange.opportunity_id.in_(visible))
    rows = session.execute(query)
    return [
        StageEventRecord(
            deal=str(deal),
            stage=str(stage),
            on=changed_at.date(),
            amount=None if amount is None else amount * factors.get(deal, 1.0),
        )
        for deal, stage, changed_at, amount in rows
    ]


def _activities(session: Session, visible: Select[uuid.UUID] | None) -> list[tuple[str, date]]:
    query = select(Activity.opportunity_id, Activity.occurred_at).where(
        Activity.opportunity_id.is_not(None), Activity.deleted_at.is_(None)
    )
    if visible is not None:
        query = query.where(Activity.opportunity_id.in_(visible))
    rows = session.execute(query)
    return [(str(deal), occurred.date()) for deal, occurred in rows]


def deals_by_owner(session: Session) -> dict[str, list[str]]:
    """Opportunity ids per owner id (as strings)."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for deal, owner in session.execute(select(Opportunity.id, Opportunity.owner_id)):
        grouped[str(owner or "")].append(str(deal))
    return dict(grouped)


def lead_conversion_rate(session: Session, as_of: date, lookback_days: int = 365) -> float | None:
    """Share of leads received in the ``lookback_days`` before ``as_of`` (less 90 days to let
    them mature) that converted before ``as_of``; None when there are no such leads."""
    from datetime import UTC, datetime, timedelta

    from coxswain.leads.models import Lead

    end = datetime.combine(as_of - timedelta(days=90), datetime.min.time(), tzinfo=UTC)
    start = end - timedelta(days=lookback_days)
    cutoff = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    received = (Lead.received_at >= start) & (Lead.received_at < end) & Lead.deleted_at.is_(None)
    total = session.scalar(select(func.count()).select_from(Lead).where(received)) or 0
    if total == 0:
        return None
    converted = (
        session.scalar(
            select(func.count()).select_from(Lead).where(received, Lead.converted_at < cutoff)
        )
        or 0
    )
    return converted / total if converted else None
