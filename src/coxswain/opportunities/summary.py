"""A compact pipeline summary (used by ``coxswain demo`` and ``coxswain summary``).

Money is converted to the reporting currency month by month, at the rate in force on the
first day of the deal's month (generated and imported rates are monthly).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.core.clock import utcnow
from coxswain.core.errors import NotFoundError
from coxswain.core.money import to_major
from coxswain.currencies.service import rate_on, reporting_currency
from coxswain.db.models import Lead, Opportunity, Stage, User


@dataclass
class PipelineSummary:
    currency: str
    counts: dict[str, int] = field(default_factory=dict)
    values: dict[str, Decimal] = field(default_factory=dict)
    open_by_stage: list[tuple[str, int, Decimal]] = field(default_factory=list)
    top_reps: list[tuple[str, int, Decimal]] = field(default_factory=list)
    leads: int = 0
    converted_leads: int = 0

    @property
    def win_rate(self) -> float | None:
        closed = self.counts.get("won", 0) + self.counts.get("lost", 0)
        return self.counts.get("won", 0) / closed if closed else None


def _month(day: date | None) -> date:
    return (day or utcnow().date()).replace(day=1)


class _Converter:
    def __init__(self, session: Session, target: str) -> None:
        self.session, self.target = session, target
        self.cache: dict[tuple[str, date], Decimal] = {}

    def major(self, amount_minor: int, currency: str, month: date) -> Decimal:
        key = (currency, month)
        if key not in self.cache:
            try:
                self.cache[key] = rate_on(self.session, currency, self.target, month)
            except NotFoundError:
                self.cache[key] = rate_on(self.session, currency, self.target, date.max)
        return to_major(amount_minor, currency) * self.cache[key]


def pipeline_summary(session: Session, *, top: int = 5) -> PipelineSummary:
    target = reporting_currency(session)
    convert = _Converter(session, target)
    summary = PipelineSummary(currency=target)
    day = func.coalesce(Opportunity.closed_on, Opportunity.opened_on)
    rows = session.execute(
        select(
            Opportunity.status,
            Opportunity.currency,
            day,
            func.count(),
            func.sum(Opportunity.amount_minor),
        ).group_by(Opportunity.status, Opportunity.currency, day)
    ).all()
    values: dict[str, Decimal] = defaultdict(Decimal)
    for status, currency, when, count, amount in rows:
        summary.counts[status] = summary.counts.get(status, 0) + count
        values[status] += convert.major(int(amount or 0), currency, _month(when))
    summary.values = dict(values)
    summary.open_by_stage = _open_by_stage(session, convert)
    summary.top_reps = _top_reps(session, convert, top)
    summary.leads = session.scalar(select(func.count()).select_from(Lead)) or 0
    summary.converted_leads = (
        session.scalar(select(func.count()).select_from(Lead).where(Lead.status == "converted"))
        or 0
    )
    return summary


def _open_by_stage(session: Session, convert: _Converter) -> list[tuple[str, int, Decimal]]:
    rows = session.execute(
        select(
            Stage.name,
            Stage.position,
            Opportunity.currency,
            func.count(),
            func.sum(Opportunity.amount_minor),
        )
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Opportunity.status == "open")
        .group_by(Stage.name, Stage.position, Opportunity.currency)
    ).all()
    merged: dict[tuple[int, str], list[int | Decimal]] = {}
    for name, position, currency, count, amount in rows:
        slot = merged.setdefault((position, name), [0, Decimal(0)])
        slot[0] = int(slot[0]) + count
        slot[1] = Decimal(slot[1]) + convert.major(int(amount or 0), currency, _month(None))
    return [(name, int(v[0]), Decimal(v[1])) for (_, name), v in sorted(merged.items())]


def _top_reps(session: Session, convert: _Converter, top: int) -> list[tuple[str, int, Decimal]]:
    rows = session.execute(
        select(
            User.full_name,
            Opportunity.currency,
            Opportunity.closed_on,
            func.count(),
            func.sum(Opportunity.amount_minor),
        )
        .join(User, User.id == Opportunity.owner_id)
        .where(Opportunity.status == "won")
        .group_by(User.full_name, Opportunity.currency, Opportunity.closed_on)
    ).all()
    reps: dict[str, list[int | Decimal]] = {}
    for name, currency, closed_on, count, amount in rows:
        slot = reps.setdefault(name, [0, Decimal(0)])
        slot[0] = int(slot[0]) + count
        slot[1] = Decimal(slot[1]) + convert.major(int(amount or 0), currency, _month(closed_on))
    ranked = sorted(reps.items(), key=lambda kv: -Decimal(kv[1][1]))[:top]
    return [(name, int(v[0]), Decimal(v[1])) for name, v in ranked]
