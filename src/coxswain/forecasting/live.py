"""Forecasts for the web app and the REST API, per visibility scope, cached.

A forecast with every method takes seconds (about 3 s for 8,000 deals; the backtest replays
six periods and takes several times that), so results are kept per (database, visible
owners, arguments) for ``ttl_seconds`` (5 minutes) and then refreshed in the background
while the previous result is served (:class:`~coxswain.core.cache.TtlCache`). Calls and
their roll-up are cheap queries and are never cached, so a submitted call shows at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coxswain.core.cache import TtlCache
from coxswain.core.clock import Clock, SystemClock
from coxswain.forecasting import service
from coxswain.forecasting.schemas import BacktestReport, ForecastReport

T = TypeVar("T")
Owners = frozenset[uuid.UUID] | None


class LiveForecasts:
    """Forecasts and backtests over one database, per visibility scope, cached."""

    def __init__(
        self, engine: Engine, *, clock: Clock | None = None, ttl_seconds: float = 300
    ) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.cache = TtlCache(ttl_seconds=ttl_seconds)

    def _cached(self, key: tuple[object, ...], run: Callable[[Session], T]) -> T:
        def compute() -> T:
            with Session(self.engine) as session:
                return run(session)

        return self.cache.get_or_compute((str(self.engine.url), *key), compute, compute)

    def forecast(
        self,
        owners: Owners,
        *,
        period: str | None = None,
        method: str | None = None,
        as_of: date | None = None,
        period_kind: str = "month",
    ) -> ForecastReport:
        """:func:`~coxswain.forecasting.service.forecast` over the deals of ``owners``."""
        return self._cached(
            ("forecast", owners, period, method, as_of, period_kind),
            lambda session: service.forecast(
                session,
                period=period,
                method=method,
                as_of=as_of,
                clock=self.clock,
                period_kind=period_kind,
                owner_ids=owners,
            ),
        )

    def backtest(self, owners: Owners, *, periods: int = 6, kind: str = "month") -> BacktestReport:
        """:func:`~coxswain.forecasting.service.backtest` over the deals of ``owners``."""
        return self._cached(
            ("backtest", owners, periods, kind),
            lambda session: service.backtest(session, periods=periods, kind=kind, owner_ids=owners),
        )
