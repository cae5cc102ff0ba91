"""Every KPI of the hand-made company, computed on paper (see analytics_handmade.py), checked
on DuckDB over the CSV bundle, on SQLite and PostgreSQL after importing it, and on DuckDB
over a Parquet extract of the imported database (the same answers everywhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from analytics_handmade import CLOCK, REQUEST, assert_same

from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.funnel import Cohort
from coxswain.analytics.extract import write_extract
from coxswain.analytics.requests import FilterInput, ReportRequest
from coxswain.analytics.service import funnel_report, kpi_report
from coxswain.analytics.sources.extracts import open_extract
from coxswain.analytics.workspace import Workspace, prepare
from coxswain.db.engine import make_engine, unit_of_work

WEEKS = 181 / 7
# (current period Jan–Jun 2026, previous period Jul–Dec 2025), worked out by hand.
EXPECTED: dict[str, tuple[float | None, float | None]] = {
    # closed in period: D1 won 1000, D2 won 2000 EUR × 1.20, D3 lost 500, D4 won 3000,
    # D5 lost 1000 EUR × 1.20; before: D8 won 1000 EUR × 1.10, D9 lost 200.
    "won_deals": (3, 1),
    "lost_deals": (2, 1),
    "won_value": (6400.0, 1100.0),
    "win_rate": (0.6, 0.5),
    "win_rate_value": (6400 / 8100, 1100 / 1300),
    "avg_deal_size": (6400 / 3, 1100.0),
    # won cycles 30, 60, 120 days (D1, D2, D4); before 60 (D8)
    "sales_cycle_days_mean": (70.0, 60.0),
    "sales_cycle_days_median": (60.0, 60.0),
    "sales_cycle_days_p90": (108.0, 60.0),  # 60 + 0.8 × (120 − 60)
    # all closed: 30, 30, 60, 61, 120; before 60, 60
    "closed_cycle_days_mean": (60.2, 60.0),
    "closed_cycle_days_median": (60.0, 60.0),
    "closed_cycle_days_p90": (96.4, 60.0),  # 61 + 0.6 × (120 − 61)
    "won_value_per_month": (6400 / 6, 1100 / 6),
    "won_value_per_day": (6400 / 181, 1100 / 184),
    # created: D1 D2 D3 D5 D6 D7 (1000 + 2400 + 500 + 1200 + 4000 + 100); before D4 D8 D9
    "created_deals": (6, 3),
    "created_value": (9200.0, 4300.0),
    "close_rate": (2 / 6, 2 / 3),
    # open on 2026-05-01 (the data's as-of): D6, D7; on 2025-12-31: D4
    "open_deals": (2, 1),
    "open_pipeline_value": (4100.0, 3000.0),
    "sales_velocity": (2 * 0.6 * (6400 / 3) / 70, 1 * 0.5 * 1100 / 60),
    # quarters: Q2 2026 3000 vs Q1 2026 3400; Q4 2025 0 vs Q3 2025 1100
    "revenue_growth_mom": (None, None),
    "revenue_growth_qoq": ((3000 - 3400) / 3400, -1.0),
    "revenue_growth_yoy": (None, None),
    # renewals: D2 won (2400), D5 lost (1200); before D9 lost (200)
    "churn_rate": (0.5, 1.0),
    "revenue_churn_rate": (1200 / 3600, 1.0),
    # recurring (product Core) won: D1 800 + D2 2000 EUR × 1.20, one customer (Acme)
    "recurring_won_value": (3200.0, 1100.0),
    "customer_lifetime_value": (3200 / 0.5, 1100 / 1.0),
    # leads received: L1–L4; before L5
    "new_leads": (4, 1),
    "new_leads_per_week": (4 / WEEKS, 1 / (184 / 7)),
    "new_leads_per_month": (4 / 6, 1 / 6),
    "lead_conversion_rate": (0.25, 1.0),
    "lead_to_mql_rate": (0.75, 1.0),
    "mql_to_accepted_rate": (2 / 3, 1.0),
    "accepted_to_qualified_rate": (1.0, 1.0),
    "qualified_to_converted_rate": (0.5, 1.0),
    # first touch after 2, 4 and 24 hours (L4 untouched)
    "lead_response_hours_mean": (10.0, None),
    "lead_response_hours_median": (4.0, None),
    "lead_response_hours_p90": (20.0, None),
    # selling minutes 30 + 60 + 10 + 120 of 300 logged, 3 reps; before 20 of 20, 1 rep
    "selling_hours_per_rep_week": (220 / 60 / 3 / WEEKS, 20 / 60 / (184 / 7)),
    "selling_time_share": (220 / 300, 1.0),
    "logged_hours": (5.0, 20 / 60),
    "pipeline_coverage": (None, None),
    "forecast_accuracy": (None, None),
}


def check(
    report_values: dict[str, Any], expected: dict[str, tuple[float | None, float | None]]
) -> None:
    for slug, (current, previous) in expected.items():
        entry = report_values[slug]
        for got, want, which in (
            (entry["value"], current, "value"),
            (entry["previous"], previous, "previous"),
        ):
            if want is None:
                assert got is None, f"{slug} {which}: expected null, got {got}"
            else:
                assert got == pytest.approx(want, rel=1e-6, abs=0.006), f"{slug} {which}"


def test_every_kpi_by_hand_on_duckdb(duck_workspace: Workspace) -> None:
    report = kpi_report(duck_workspace, REQUEST)
    assert report.meta.as_of.isoformat() == "2026-05-01"
    check(report.contract(), EXPECTED)


def test_every_kpi_by_hand_in_the_database(db_workspace: Workspace) -> None:
    check(kpi_report(db_workspace, REQUEST).contract(), EXPECTED)


def test_grouped_values_by_hand(duck_workspace: Workspace) -> None:
    by_rep = kpi_report(duck_workspace, ReportRequest(REQUEST.start, REQUEST.end, Dimension.REP))
    values = by_rep.contract()
    assert values["won_value"]["by"] == {"Ann Lee": 3400.0, "Bob Ray": 3000.0, "Cy Fox": 0.0}
    assert values["win_rate"]["by"] == {"Ann Lee": 1.0, "Bob Ray": 0.5, "Cy Fox": 0.0}
    assert values["new_leads"]["by"] == {"Ann Lee": 1, "Bob Ray": 1, "Cy Fox": 2}
    by_month = kpi_report(
        duck_workspace, ReportRequest(REQUEST.start, REQUEST.end, Dimension.MONTH)
    )
    # D5 was lost in May: the month has closed deals and no won revenue
    assert by_month.contract()["won_value"]["by"] == {
        "2026-02": 1000.0,
        "2026-03": 2400.0,
        "2026-04": 3000.0,
        "2026-05": 0.0,
    }
    by_team = kpi_report(duck_workspace, ReportRequest(REQUEST.start, REQUEST.end, Dimension.TEAM))
    assert by_team.contract()["won_value"]["by"] == {"East": 6400.0, "West": 0.0}
    by_product = kpi_report(
        duck_workspace, ReportRequest(REQUEST.start, REQUEST.end, Dimension.PRODUCT)
    )
    # D1 Core 800 + D2 Core 2400 | D1 Setup 200 + D4 Setup 3000
    assert by_product.contract()["won_value"]["by"] == {"Core": 3200.0, "Setup": 3200.0}
    assert by_product.contract()["won_deals"]["by"] == {"Core": 2, "Setup": 2}


def test_filters_by_hand(duck_workspace: Workspace) -> None:
    def won(filters: FilterInput) -> Any:
        return kpi_report(
            duck_workspace, ReportRequest(REQUEST.start, REQUEST.end, None, filters)
        ).contract()

    assert won(FilterInput(teams=("company",)))["won_value"]["value"] == 6400.0  # subtree
    assert won(FilterInput(teams=("West",)))["won_value"]["value"] == 0.0
    assert won(FilterInput(reps=("ann lee",)))["won_value"]["value"] == 3400.0
    assert won(FilterInput(regions=("East",)))["won_deals"]["value"] == 3
    assert won(FilterInput(territories=("United States",)))["won_value"]["value"] == 6400.0
    assert won(FilterInput(territories=("United States / CA",)))["won_value"]["value"] == 3000.0
    assert won(FilterInput(sources=("web",)))["win_rate"]["value"] == pytest.approx(2 / 3)
    assert won(FilterInput(segments=("mid_market",)))["won_value"]["value"] == 3000.0
    assert won(FilterInput(types=("renewal",)))["won_value"]["value"] == 2400.0
    by_product = won(FilterInput(products=("Setup",)))
    assert by_product["won_deals"]["value"] == 2  # D1 and D4 contain Setup
    assert by_product["new_leads"]["value"] is None  # leads carry no product
    assert "product" in by_product["new_leads"]["note"]


def test_funnel_by_hand(duck_workspace: Workspace, db_workspace: Workspace) -> None:
    for workspace in (duck_workspace, db_workspace):
        report = funnel_report(workspace, REQUEST, cohort=Cohort.CREATED)
        funnel = report.to_json()["funnel"]
        assert funnel["pipeline"] == "Handmade"
        assert (funnel["deals"], funnel["won"], funnel["won_value"]) == (6, 2, 3400.0)
        prospecting, discovery, proposal = funnel["stages"]
        assert prospecting | {} == prospecting  # plain dicts
        assert (prospecting["reached"], prospecting["open_here"], prospecting["lost_here"]) == (
            6,
            1,
            1,
        )
        assert (prospecting["advanced"], prospecting["conversion"], prospecting["drop_off"]) == (
            4,
            0.8,
            0.2,
        )
        assert (prospecting["days_mean"], prospecting["days_median"], prospecting["days_p90"]) == (
            19.2,
            10.0,
            40.6,
        )
        assert (discovery["reached"], discovery["lost_here"], discovery["advanced"]) == (4, 1, 3)
        assert (discovery["conversion"], discovery["days_mean"], discovery["days_median"]) == (
            0.75,
            17.5,
            20.0,
        )
        assert (proposal["reached"], proposal["open_here"], proposal["advanced"]) == (3, 1, 2)
        assert (proposal["conversion"], proposal["days_median"], proposal["days_p90"]) == (
            1.0,
            22.5,
            28.5,
        )
        assert funnel["overall_conversion"] == pytest.approx(2 / 6, abs=1e-6)


def test_database_and_its_parquet_extract_agree(
    db_workspace: Workspace, handmade_db: str, tmp_path: Path
) -> None:
    engine = make_engine(handmade_db)
    with unit_of_work(engine) as session:
        written = write_extract(session, tmp_path / "extract", "parquet")
    engine.dispose()
    assert written["opportunities"] == 9
    with open_extract(tmp_path / "extract") as source:
        duck = prepare(source, clock=CLOCK)
        for by in (None, Dimension.REP, Dimension.MONTH):
            request = ReportRequest(REQUEST.start, REQUEST.end, by)
            from_db = kpi_report(db_workspace, request).contract()
            from_extract = kpi_report(duck, request).contract()
            assert_same(from_db, from_extract, f"by {by}")
        assert_same(
            funnel_report(db_workspace, REQUEST).to_json()["funnel"],
            funnel_report(duck, REQUEST).to_json()["funnel"],
        )
