"""Shared pieces of the pipeline reports: filters, periods, currency conversion, a TTL cache.

Reports respect the caller's visibility (``coxswain.auth.visibility``) exactly like lists do.
Money is summed per (currency, day) in SQL, then converted in Python to the reporting currency
at the rate in force on that day (latest ``exchange_rates`` row on or before it; 1 for the
reporting currency; a currency without any rate is left out and named in ``missing_rates``).
"""

from __future__ import annotations

import bisect
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account
from coxswain.auth.principal import Principal
from coxswain.auth.visibility import visibility_for
from coxswain.core.enums import Segment
from coxswain.core.money import minor_exponent
from coxswain.currencies.models import ExchangeRate
from coxswain.currencies.service import reporting_currency
from coxswain.opportunities.models import Opportunity
from coxswain.people.service import team_member_ids

T = TypeVar("T")


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class ReportFilters(BaseModel):
    """What a report covers: the period containing ``as_of`` and optional team/rep/segment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: PeriodKind = PeriodKind.QUARTER
    as_of: date | None = None
    team_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    segment: Segment | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end]`` inclusive calendar dates."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return self.start.strftime("%b %Y")
        if self.kind is PeriodKind.QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return str(self.start.year)

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - timedelta(days=1))


def period_containing(kind: PeriodKind, day: date) -> Period:
    """The calendar month, quarter or year that contains ``day``."""
    if kind is PeriodKind.MONTH:
        start = day.replace(day=1)
        months = 1
    elif kind is PeriodKind.QUARTER:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        months = 3
    else:
        start = date(day.year, 1, 1)
        months = 12
    return Period(kind, start, start + relativedelta(months=months) - timedelta(days=1))


def month_starts(last: date, count: int) -> list[date]:
    """The first days of the ``count`` months ending with ``last``'s month, oldest first."""
    first = last.replace(day=1)
    return [first - relativedelta(months=count - 1 - i) for i in range(count)]


class RateTable:
    """Every exchange rate into the reporting currency, loaded once (the table is small)."""

    def __init__(self, session: Session) -> None:
        self.currency = reporting_currency(session)
        self._rates: dict[str, tuple[list[date], list[Decimal]]] = {}
        self.missing: set[str] = set()
        rows = session.execute(
            select(
                ExchangeRate.currency,
                ExchangeRate.quote_currency,
                ExchangeRate.effective_on,
                ExchangeRate.rate,
            ).order_by(ExchangeRate.effective_on)
        ).all()
        grouped: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        for currency, quote, day, rate in rows:
            if quote == self.currency:
                grouped[currency].append((day, Decimal(rate)))
            elif currency == self.currency and rate:
                grouped.setdefault(quote, []).append((day, Decimal(1) / Decimal(rate)))
        for currency, points in grouped.items():
            points.sort()
            self._rates[currency] = ([d for d, _ in points], [r for _, r in points])

    def to_major(self, amount_minor: int, currency: str, day: date | None) -> Decimal:
        """``amount_minor`` of ``currency`` in reporting-currency major units on ``day``."""
        major = Decimal(amount_minor) / (Decimal(10) ** minor_exponent(currency))
        if currency == self.currency:
            return major
        days, rates = self._rates.get(currency, ([], []))
        if not days:
            self.missing.add(currency)
            return Decimal(0)
        index = bisect.bisect_right(days, day or days[-1]) - 1
        return major * rates[max(index, 0)]


def scope_clause(session: Session, actor: Principal, filters: ReportFilters) -> ColumnElement[bool]:
    """Visibility AND the team / rep / segment filters, as one WHERE clause on opportunities."""
    from sqlalchemy import and_

    parts: list[ColumnElement[bool]] = [
        Opportunity.deleted_at.is_(None),
        visibility_for(session, actor).clause(Opportunity.owner_id),
    ]
    if filters.owner_id is not None:
        parts.append(Opportunity.owner_id == filters.owner_id)
    if filters.team_id is not None:
        parts.append(Opportunity.owner_id.in_(sorted(team_member_ids(session, filters.team_id))))
    if filters.segment is not None:
        accounts = select(Account.id).where(Account.segment == filters.segment.value)
        parts.append(Opportunity.account_id.in_(accounts))
    return and_(*parts)


@dataclass
class _Entry:
    value: Any
    expires: float
    has_value: bool = False
    refreshing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class TtlCache:
    """A small thread-safe cache with stale-while-revalidate.

    A fresh value is returned at once. An expired one is also returned at once while a single
    background thread recomputes it (``compute_fresh``, which must open its own database
    session). Only the very first caller of a key waits, and concurrent first callers wait for
    one computation (no stampede when twenty managers open the dashboard together).
    """

    def __init__(self, ttl_seconds: float, max_entries: int = 512) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()

    def _entry(self, key: Hashable) -> _Entry:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                entry = self._entries[key] = _Entry(value=None, expires=0.0)
            return entry

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], T], compute_fresh: Callable[[], T] | None = None
    ) -> T:
        entry = self._entry(key)
        if entry.has_value and entry.expires > time.monotonic():
            return entry.value  # type: ignore[no-any-return]
        if entry.has_value and compute_fresh is not None:
            with entry.lock:
                start = not entry.refreshing
                entry.refreshing = True
                stale = entry.value
            if start:
                threading.Thread(
                    target=self._refresh, args=(entry, compute_fresh), daemon=True
                ).start()
            return stale  # type: ignore[no-any-return]
        with entry.lock:
            if not entry.has_value or entry.expires <= time.monotonic():
                self._store(entry, compute())
            return entry.value  # type: ignore[no-any-return]

    def _store(self, entry: _Entry, value: Any) -> None:
        entry.value, entry.has_value = value, True
        entry.expires = time.monotonic() + self.ttl

    def _refresh(self, entry: _Entry, compute: Callable[[], Any]) -> None:
        try:
            value = compute()
            with entry.lock:
                self._store(entry, value)
        finally:
            entry.refreshing = False

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
