"""Hooks into the analytics report: the forecast section of ``coxswain report html`` and the
reader of stored snapshot forecasts behind the forecast-accuracy KPI.

Importing this module registers both (``coxswain.cli.forecasting`` imports it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from coxswain.analytics.engine.forecast import ForecastPoint
from coxswain.analytics.engine.periods import Period as AnalyticsPeriod
from coxswain.analytics.providers import ForecastContext, register_forecast_source
from coxswain.analytics.report.sections import Chart, Section, register_section
from coxswain.core.money import minor_exponent
from coxswain.db.engine import make_engine, unit_of_work
from coxswain.forecasting import service
from coxswain.forecasting.engine.calendar import parse_period
from coxswain.forecasting.models import ForecastSnapshot, ForecastSnapshotPrediction
from coxswain.forecasting.schemas import ForecastReport

KPI_METHOD = "ensemble"
REPORT_METHODS = ("stage_weighted", "cycle_survival", "run_rate", "monte_carlo", "ensemble")


def read_snapshot_forecasts(context: ForecastContext) -> list[ForecastPoint]:
    """Every stored ``ensemble`` forecast (P50, else point), dated by the last day its
    snapshot knew (``as_of`` − 1 day), so a forecast counts as made before a period only if
    it used nothing from inside it."""
    if context.database_url is None:
        return []
    engine = make_engine(context.database_url)
    try:
        with unit_of_work(engine) as session:
            rows = session.execute(
                select(ForecastSnapshotPrediction, ForecastSnapshot.as_of)
                .join(
                    ForecastSnapshot, ForecastSnapshot.id == ForecastSnapshotPrediction.snapshot_id
                )
                .where(ForecastSnapshotPrediction.method == KPI_METHOD)
            ).all()
    except Exception:  # the table may not exist in an old database: no forecasts then
        return []
    finally:
        engine.dispose()
    points = []
    for prediction, as_of in rows:
        if prediction.currency != context.reporting_currency:
            continue
        period = parse_period(prediction.period)
        amount = (
            prediction.p50_minor if prediction.p50_minor is not None else prediction.point_minor
        )
        points.append(
            ForecastPoint(
                AnalyticsPeriod(period.start, period.end),
                amount / 10 ** minor_exponent(prediction.currency),
                as_of - timedelta(days=1),
            )
        )
    return points


def forecast_chart_options(report: ForecastReport) -> list[Chart]:
    """ECharts options: the P10–P90 band with P50 per method, and the category bars."""
    data = service.forecast_chart_data(report)
    band: list[dict[str, Any]] = data["band"]  # type: ignore[assignment]
    names = [b["method"] for b in band]
    low = [b["p10"] if b["p10"] is not None else b["p50"] for b in band]
    span = [
        (b["p90"] - b["p10"]) if b["p10"] is not None and b["p90"] is not None else 0 for b in band
    ]
    band_option = {
        "title": {"text": f"Forecast {report.period} ({report.currency}), P10–P90 and P50"},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["P10–P90", "P50"]},
        "xAxis": {"type": "category", "data": names},
        "yAxis": {"type": "value"},
        "series": [
            {"type": "bar", "stack": "band", "data": low, "itemStyle": {"color": "transparent"}},
            {
                "type": "bar",
                "stack": "band",
                "name": "P10–P90",
                "data": span,
                "itemStyle": {"opacity": 0.35},
            },
            {"type": "scatter", "name": "P50", "data": [b["p50"] for b in band], "symbolSize": 14},
        ],
    }
    categories: list[dict[str, Any]] = data["categories"]  # type: ignore[assignment]
    category_option = {
        "title": {"text": f"Forecast categories {report.period}"},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["amount", "cumulative"]},
        "xAxis": {"type": "category", "data": [c["category"] for c in categories]},
        "yAxis": {"type": "value"},
        "series": [
            {"type": "bar", "name": "amount", "data": [c["amount"] for c in categories]},
            {
                "type": "line",
                "name": "cumulative",  # omitted deals are in no cumulative figure
                "data": [
                    None if c["category"] == "omitted" else c["cumulative"] for c in categories
                ],
            },
        ],
    }
    return [Chart("forecast-band", band_option), Chart("forecast-categories", category_option)]


def forecast_section(workspace: Any, request: Any, dashboard: Any) -> Section | None:  # noqa: ARG001
    """The report section: the quarter containing the cut-off (the day after the data's last
    day, or today), forecast with the methods that have intervals and the baseline."""
    url = getattr(getattr(workspace, "source", None), "context", {}).get("database_url")
    if not url:
        return None
    engine = make_engine(url)
    try:
        with unit_of_work(engine) as session:
            report = service.forecast(session, methods=REPORT_METHODS, period_kind="quarter")
    except Exception:  # no deals, no reporting currency, ...: the report goes on without it
        return None
    finally:
        engine.dispose()
    headline = next(m for m in report.methods if m.method == report.method)
    html = (
        f"<p>Forecast for {report.period} as of {report.as_of}: "
        f"{headline.point:,.0f} {report.currency} ({report.method}); "
        f"P10 {headline.p10 or 0:,.0f}, P90 {headline.p90 or 0:,.0f}.</p>"
    )
    table = [["method", "point", "p10", "p50", "p90"]] + [
        [m.method, m.point, m.p10, m.p50, m.p90] for m in report.methods
    ]
    return Section(
        key="forecast",
        title="Forecast",
        html=html,
        charts=forecast_chart_options(report),
        table=table,
        order=50,
    )


register_forecast_source("forecasting", read_snapshot_forecasts)
register_section("forecast", forecast_section)
