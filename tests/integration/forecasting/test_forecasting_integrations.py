"""The hooks into analytics: the accuracy-KPI reader of stored snapshot forecasts and the
forecast section of the HTML report, on committed data in a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

from sqlalchemy import Engine

from coxswain.analytics.engine.catalog import Window
from coxswain.analytics.engine.periods import Period
from coxswain.analytics.providers import ForecastContext
from coxswain.core.clock import FixedClock
from coxswain.db.engine import unit_of_work
from coxswain.forecasting import snapshots
from coxswain.forecasting.integrations import forecast_section, read_snapshot_forecasts
from tests.integration.forecasting.conftest import build_org


def test_snapshot_forecasts_reach_the_accuracy_kpi_and_the_report(
    engine: Engine, database_url: str
) -> None:
    with unit_of_work(engine) as session:
        build_org(session)
        taken = snapshots.take_snapshot(
            session, clock=FixedClock(datetime(2024, 3, 6, 8, tzinfo=UTC)), as_of=date(2024, 3, 6)
        )
    assert taken.predictions == 8  # 4 methods × (2024-03, 2024-Q1)
    march = Period(date(2024, 3, 1), date(2024, 3, 31))
    context = ForecastContext(Window(march, march.end), database_url, "USD")
    points = read_snapshot_forecasts(context)
    assert {(p.period.start, p.period.end) for p in points} == {
        (date(2024, 3, 1), date(2024, 3, 31)),
        (date(2024, 1, 1), date(2024, 3, 31)),
    }
    assert all(p.snapshot_on == date(2024, 3, 5) and p.amount >= 500 for p in points)
    assert read_snapshot_forecasts(ForecastContext(context.window, None, "USD")) == []
    workspace = SimpleNamespace(source=SimpleNamespace(context={"database_url": database_url}))
    section = forecast_section(workspace, None, None)
    assert section is not None
    assert section.key == "forecast"
    assert [c.element_id for c in section.charts] == ["forecast-band", "forecast-categories"]
    assert section.table[0] == ["method", "point", "p10", "p50", "p90"]
