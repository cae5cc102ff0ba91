"""Analytics for the web app and the REST API: the application database as one caller may
see it, computed by the same service functions as ``coxswain kpis`` and ``coxswain report``
(so a win rate is the same number everywhere), and cached.

Visibility: the caller's visible owners (``coxswain.auth.visibility``) restrict the source
itself (:func:`~coxswain.analytics.sources.appdb.open_app_database`), so every KPI, funnel
and bottleneck covers only the deals, leads and activities they may see.

Cache: results are kept per (database, visible owners, report and its arguments) for
``ttl_seconds`` (30 s); after that the stale result is served while one background thread
recomputes it (:class:`~coxswain.core.cache.TtlCache`). Only the first caller of a scope
waits for a computation: preparing the workspace and running the queries (about 1 s for
8,000 deals on SQLite once the process is warm).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.funnel import Cohort
from coxswain.analytics.requests import ReportRequest
from coxswain.analytics.schemas import BottleneckReport, FunnelReport, KpiReport, Series
from coxswain.analytics.service import (
    bottleneck_report,
    funnel_report,
    kpi_report,
    trend_series,
)
from coxswain.analytics.sources.appdb import open_app_database
from coxswain.analytics.workspace import Workspace, prepare
from coxswain.core.cache import TtlCache
from coxswain.core.clock import Clock, SystemClock

T = TypeVar("T")
Owners = frozenset[uuid.UUID] | None

DASHBOARD_KPIS = (
    "won_value",
    "won_deals",
    "win_rate",
    "avg_deal_size",
    "created_value",
    "open_pipeline_value",
    "sales_cycle_days_median",
    "lead_conversion_rate",
)
TREND_KPIS = ("won_value", "won_deals", "lost_deals", "created_value")
TOP_REPS = 10


@dataclass(frozen=True, slots=True)
class DashboardView:
    """What the web dashboard draws.

    Attributes:
        kpis: the cards' KPIs for the period and the previous one.
        months: the period's months (``YYYY-MM``), the x axis of every trend.
        trends: KPI slug → its value per month (cards' sparklines and the trend charts).
        top_reps: (rep, won revenue) for the period, largest first, at most 10.
        computed_at: when the figures were computed (they may be up to ``ttl`` old).
    """

    kpis: KpiReport
    months: list[str]
    trends: dict[str, list[float | None]]
    top_reps: list[tuple[str, float]]
    computed_at: datetime


def _by_month(series: Sequence[Series], months: list[str]) -> dict[str, list[float | None]]:
    out: dict[str, list[float | None]] = {}
    for item in series:
        points = dict(item.points)
        out[item.key] = [points.get(m) for m in months]
    return out


class LiveAnalytics:
    """Reports over one application database, per visibility scope, cached."""

    def __init__(self, url: str, *, clock: Clock | None = None, ttl_seconds: float = 30) -> None:
        self.url = url
        self.clock = clock or SystemClock()
        self.cache = TtlCache(ttl_seconds=ttl_seconds)

    def _compute(self, owners: Owners, run: Callable[[Workspace], T]) -> T:
        with open_app_database(self.url, owner_ids=owners) as source:
            return run(prepare(source, clock=self.clock))

    def _cached(self, key: tuple[object, ...], owners: Owners, run: Callable[[Workspace], T]) -> T:
        def compute() -> T:
            return self._compute(owners, run)

        return self.cache.get_or_compute((self.url, owners, *key), compute, compute)

    def kpis(
        self, owners: Owners, request: ReportRequest, slugs: Sequence[str] | None = None
    ) -> KpiReport:
        """:func:`~coxswain.analytics.service.kpi_report` over what ``owners`` cover."""
        wanted = tuple(slugs) if slugs else None
        return self._cached(
            ("kpis", request, wanted), owners, lambda ws: kpi_report(ws, request, wanted)
        )

    def funnel(
        self, owners: Owners, request: ReportRequest, cohort: Cohort, pipeline: str | None
    ) -> FunnelReport:
        """:func:`~coxswain.analytics.service.funnel_report` over what ``owners`` cover."""
        return self._cached(
            ("funnel", request, cohort, pipeline),
            owners,
            lambda ws: funnel_report(ws, request, cohort=cohort, pipeline=pipeline),
        )

    def bottlenecks(
        self,
        owners: Owners,
        request: ReportRequest,
        cohort: Cohort,
        pipeline: str | None,
        limit: int,
    ) -> BottleneckReport:
        """:func:`~coxswain.analytics.service.bottleneck_report` over what ``owners`` cover."""
        return self._cached(
            ("bottlenecks", request, cohort, pipeline, limit),
            owners,
            lambda ws: bottleneck_report(
                ws, request, cohort=cohort, pipeline=pipeline, limit=limit
            ),
        )

    def dashboard(self, owners: Owners, request: ReportRequest) -> DashboardView:
        """The cards (with previous period), monthly trends and top reps, in one workspace."""
        return self._cached(("dashboard", request), owners, lambda ws: self._dashboard(ws, request))

    def _dashboard(self, ws: Workspace, request: ReportRequest) -> DashboardView:
        kpis = kpi_report(ws, request, DASHBOARD_KPIS)
        period = kpis.meta.period
        months = [
            f"{year:04d}-{month:02d}"
            for year in range(period.start.year, period.end.year + 1)
            for month in range(1, 13)
            if (period.start.year, period.start.month)
            <= (year, month)
            <= (period.end.year, period.end.month)
        ]
        slugs = tuple(dict.fromkeys([*DASHBOARD_KPIS, *TREND_KPIS]))
        trends = _by_month(trend_series(ws, request, slugs), months)
        (by_rep,) = trend_series(ws, request, ("won_value",), Dimension.REP)
        ranked = sorted(
            ((rep, value) for rep, value in by_rep.points if value), key=lambda kv: -kv[1]
        )
        return DashboardView(kpis, months, trends, ranked[:TOP_REPS], self.clock.now())
