"""KPIs on the Maven CRM dataset against an independent computation over the CSV files
(plain Python here, not the engine), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from analytics_handmade import CLOCK
from sqlalchemy import Engine

from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.funnel import Cohort
from coxswain.analytics.requests import ReportRequest
from coxswain.analytics.service import funnel_report, kpi_report
from coxswain.analytics.sources.appdb import open_app_database
from coxswain.analytics.workspace import Workspace, prepare
from coxswain.db.engine import unit_of_work
from coxswain.imports.datasets import import_dataset

YEAR = ReportRequest(date(2017, 1, 1), date(2017, 12, 31))


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def day(text: str) -> date:
    return date.fromisoformat(text)


def p90(values: list[float]) -> float:
    """Linear interpolation between closest ranks (NumPy's default, R type 7)."""
    return statistics.quantiles(values, n=10, method="inclusive")[8]


@pytest.fixture
def maven_dir(shared_data: Path) -> Path:
    return shared_data / "maven_crm_sales_opportunities"


@pytest.fixture
def maven_ws(engine: Engine, database_url: str, maven_dir: Path) -> Iterator[Workspace]:
    with unit_of_work(engine) as session:
        import_dataset(session, "maven", maven_dir)
    with open_app_database(database_url) as source:
        yield prepare(source, clock=CLOCK)


def independent(maven_dir: Path) -> dict[str, object]:
    """The KPIs for 2017 straight from sales_pipeline.csv."""
    pipeline = rows(maven_dir, "sales_pipeline.csv")
    prices = {r["product"]: float(r["sales_price"]) for r in rows(maven_dir, "products.csv")}
    closed = [
        r for r in pipeline if r["deal_stage"] in ("Won", "Lost") and r["close_date"][:4] == "2017"
    ]
    won = [r for r in closed if r["deal_stage"] == "Won"]
    cycles = [(day(r["close_date"]) - day(r["engage_date"])).days for r in won]
    all_cycles = [(day(r["close_date"]) - day(r["engage_date"])).days for r in closed]
    created = [r for r in pipeline if r["engage_date"][:4] == "2017"]
    open_deals = [r for r in pipeline if r["deal_stage"] in ("Prospecting", "Engaging")]
    by_rep: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in closed:
        entry = by_rep[r["sales_agent"]]
        entry[0 if r["deal_stage"] == "Won" else 1] += 1
        entry[2] += int(r["close_value"] or 0) if r["deal_stage"] == "Won" else 0
    won_value = sum(int(r["close_value"]) for r in won)
    return {
        "won_deals": len(won),
        "lost_deals": len(closed) - len(won),
        "won_value": won_value,
        "win_rate": len(won) / len(closed),
        "avg_deal_size": won_value / len(won),
        "sales_cycle_days_mean": statistics.fmean(cycles),
        "sales_cycle_days_median": statistics.median(cycles),
        "sales_cycle_days_p90": p90(cycles),
        "closed_cycle_days_mean": statistics.fmean(all_cycles),
        "closed_cycle_days_median": statistics.median(all_cycles),
        "created_deals": len(created),
        "close_rate": sum(r["deal_stage"] == "Won" for r in created) / len(created),
        "open_deals": len(open_deals),
        "open_pipeline_value": sum(
            prices[r["product"].replace("GTXPro", "GTX Pro")] for r in open_deals
        ),
        "rep_won_value": {rep: v[2] for rep, v in by_rep.items()},
        "rep_win_rate": {rep: v[0] / (v[0] + v[1]) for rep, v in by_rep.items()},
    }


def test_maven_kpis_match_an_independent_computation(maven_ws: Workspace, maven_dir: Path) -> None:
    expected = independent(maven_dir)
    report = kpi_report(maven_ws, ReportRequest(YEAR.start, YEAR.end, Dimension.REP)).contract()
    for slug, want in expected.items():
        if slug.startswith("rep_"):
            continue
        assert report[slug]["value"] == pytest.approx(want, rel=1e-9, abs=0.005), slug
    assert report["won_deals"]["value"] == 4238
    assert report["won_value"]["value"] == 10_005_534
    assert report["won_value"]["by"] == pytest.approx(expected["rep_won_value"])
    assert report["win_rate"]["by"] == pytest.approx(expected["rep_win_rate"], abs=1e-6)


def test_maven_funnel_uses_stage_position_when_history_is_sparse(
    maven_ws: Workspace, maven_dir: Path
) -> None:
    pipeline = rows(maven_dir, "sales_pipeline.csv")
    funnel = funnel_report(maven_ws, YEAR, cohort=Cohort.ACTIVE).to_json()["funnel"]
    prospecting, engaging = funnel["stages"]
    # Active in 2017: every deal (the 500 undated Prospecting deals are open today).
    assert funnel["deals"] == len(pipeline) == 8800
    assert prospecting["reached"] == 8800
    assert prospecting["open_here"] == 500
    assert prospecting["lost_here"] == 0  # every lost deal was engaged first
    assert engaging["reached"] == 8300
    assert engaging["open_here"] == 1589
    assert (engaging["lost_here"], funnel["won"]) == (2473, 4238)
    assert engaging["conversion"] == pytest.approx(4238 / (4238 + 2473), abs=1e-6)
    closed_days = [
        (day(r["close_date"]) - day(r["engage_date"])).days
        for r in pipeline
        if r["deal_stage"] in ("Won", "Lost")
    ]
    assert engaging["days_median"] == pytest.approx(statistics.median(closed_days), abs=0.005)
    assert prospecting["timed_deals"] == 0  # no dated entry into Prospecting in Maven
