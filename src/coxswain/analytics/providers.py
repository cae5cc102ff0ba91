"""Numbers the KPI engine reads from outside the deal tables: sales targets and stored
forecast snapshots (the hook the forecasting domain plugs into).

Forecast accuracy
-----------------
The forecasting domain registers a reader with :func:`register_forecast_source`::

    from coxswain.analytics.providers import register_forecast_source

    def read_snapshots(context: ForecastContext) -> list[ForecastPoint]:
        ...  # query your snapshot table; amounts in the reporting currency, major units

    register_forecast_source("forecasting", read_snapshots)

``context`` carries the window asked about and, when the analytics source is the
application database, its SQLAlchemy URL. Until a reader is registered, a default reader
looks for a table named ``forecast_snapshots`` (columns ``period_start``, ``period_end``,
``snapshot_on`` or ``taken_at``, ``amount_minor`` or ``p50_minor``, and ``currency``) and
returns nothing when it is not there, so the forecast KPIs are null.

Targets and stored forecasts are company figures: over a source restricted to some owners
(a rep's or a manager's visibility) both providers answer nothing, so coverage, attainment
and forecast accuracy are null rather than a company target against a rep's pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from coxswain.analytics.engine.catalog import Provider, ProviderRequest, Window
from coxswain.analytics.engine.compute import KpiRequest, compute_kpis
from coxswain.analytics.engine.dimensions import Filters
from coxswain.analytics.engine.forecast import (
    ForecastPoint,
    period_accuracy,
    pick_forecasts,
    summarize,
)
from coxswain.analytics.engine.kpis_targets import FORECAST, TARGETS
from coxswain.analytics.engine.periods import Period, coverage_quarter, day_number
from coxswain.analytics.engine.targets import targets_for
from coxswain.analytics.workspace import Workspace
from coxswain.core.money import minor_exponent


@dataclass(frozen=True, slots=True)
class ForecastContext:
    """What a forecast reader is given: the window and, for the app database, its URL."""

    window: Window
    database_url: str | None
    reporting_currency: str


ForecastSource = Callable[[ForecastContext], Sequence[ForecastPoint]]
_FORECAST_SOURCES: dict[str, ForecastSource] = {}


def register_forecast_source(name: str, reader: ForecastSource) -> None:
    """Register (or replace) a reader of stored forecast snapshots."""
    _FORECAST_SOURCES[name] = reader


def unregister_forecast_source(name: str) -> None:
    _FORECAST_SOURCES.pop(name, None)


def forecast_sources() -> dict[str, ForecastSource]:
    return dict(_FORECAST_SOURCES) or {"default": default_snapshot_reader}


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def default_snapshot_reader(context: ForecastContext) -> list[ForecastPoint]:
    """Read ``forecast_snapshots`` when such a table exists (see the module docstring)."""
    if context.database_url is None:
        return []
    # Imported here: a report over an extract never needs SQLAlchemy (≈ 0.5 s to import).
    from sqlalchemy import inspect, text

    from coxswain.db.engine import make_engine

    engine = make_engine(context.database_url)
    try:
        if "forecast_snapshots" not in inspect(engine).get_table_names():
            return []
        columns = {c["name"] for c in inspect(engine).get_columns("forecast_snapshots")}
        taken = next((c for c in ("snapshot_on", "taken_at", "created_at") if c in columns), None)
        amount = next(
            (c for c in ("amount_minor", "p50_minor", "forecast_minor") if c in columns), None
        )
        if not {"period_start", "period_end", "currency"} <= columns or not taken or not amount:
            return []
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    f"SELECT period_start, period_end, {taken}, {amount}, currency "
                    "FROM forecast_snapshots"
                )
            ).all()
    finally:
        engine.dispose()
    return [
        ForecastPoint(
            Period(_as_date(r[0]), _as_date(r[1])),
            float(r[3]) / 10 ** minor_exponent(r[4]),
            _as_date(r[2]),
        )
        for r in rows
        if r[4] == context.reporting_currency
    ]


def _actuals(ws: Workspace, periods: Sequence[Period], filters: Filters) -> dict[Period, float]:
    """Won value per forecast period (the ``won_value`` KPI, so one definition)."""
    if not periods:
        return {}
    windows = tuple(Window(p, p.end) for p in periods)
    request = KpiRequest(windows, filters, None, ("won_value",))
    (won,) = compute_kpis(ws.model, ws.dialect, request, ws.runner("forecast actuals"))
    return {p: (v or 0.0) for p, v in zip(periods, won.values, strict=True)}


def forecast_provider(ws: Workspace, filters: Filters) -> Provider:
    """Forecast accuracy over forecast periods that end inside the window asked about."""

    def provide(request: ProviderRequest) -> Mapping[str | None, Mapping[str, float | None]]:
        if request.dimension is not None or request.filters:
            return {}
        context = ForecastContext(
            request.window, ws.source.context.get("database_url"), ws.reporting_currency
        )
        window = request.window.period
        points = [
            p
            for reader in forecast_sources().values()
            for p in reader(context)
            if window.start <= p.period.end <= window.end
        ]
        chosen = pick_forecasts(points)
        rows = period_accuracy(chosen, _actuals(ws, list(chosen), filters))
        return {None: summarize(rows)} if rows else {}

    return provide


def targets_provider(ws: Workspace) -> Provider:
    """Sales targets for the coverage quarter of each window (see ``engine/targets.py``)."""

    def provide(request: ProviderRequest) -> Mapping[str | None, Mapping[str, float | None]]:
        if not ws.targets:
            return {}
        quarter = coverage_quarter(request.window.as_of)
        return targets_for(ws.targets, ws.org, quarter, request.dimension, request.filters)

    return provide


def providers(ws: Workspace, filters: Filters) -> dict[str, Provider]:
    if ws.source.context.get("owner_ids") is not None:
        return {}
    return {TARGETS: targets_provider(ws), FORECAST: forecast_provider(ws, filters)}


__all__ = [
    "ForecastContext",
    "ForecastPoint",
    "day_number",
    "default_snapshot_reader",
    "providers",
    "register_forecast_source",
    "unregister_forecast_source",
]
