"""The analytics commands as a user runs them, on the hand-made company: the ``kpis --json``
contract, reports, XLSX/HTML output, targets and coverage, extracts, and user mistakes."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from analytics_handmade import REQUEST
from openpyxl import load_workbook

from coxswain.analytics.engine.forecast import ForecastPoint
from coxswain.analytics.engine.periods import Period
from coxswain.analytics.providers import (
    ForecastContext,
    register_forecast_source,
    unregister_forecast_source,
)
from coxswain.analytics.service import kpi_report
from coxswain.analytics.workspace import Workspace
from coxswain.cli import main

SPAN = ("--from", "2026-01-01", "--to", "2026-06-30")
CONTRACT_SLUGS = (
    "win_rate",
    "close_rate",
    "avg_deal_size",
    "won_value",
    "sales_cycle_days_mean",
    "sales_cycle_days_median",
    "new_leads",
    "lead_conversion_rate",
    "sales_velocity",
)


def run(*args: str, db: str | None = None) -> subprocess.CompletedProcess[str]:
    """The command line in this process, as the console script runs it."""
    argv = ["coxswain", *(["--db", db] if db else []), *args]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with (
        patch.object(sys, "argv", argv),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            main.run()
        except SystemExit as exc:
            code = int(exc.code or 0)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def ok_json(*args: str, db: str | None = None) -> Any:
    result = run(*args, db=db)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_kpis_json_contract(handmade_db: str) -> None:
    data = ok_json("kpis", *SPAN, "--by", "rep", "--json", db=handmade_db)
    for slug in CONTRACT_SLUGS:
        assert slug in data
        assert isinstance(data[slug]["value"], int | float), slug
        assert isinstance(data[slug]["by"], dict), slug
    assert data["won_value"]["value"] == 6400.0  # dollars, not cents
    assert data["win_rate"]["value"] == 0.6
    assert data["sales_cycle_days_median"]["value"] == 60.0
    assert data["won_value"]["by"] == {"Ann Lee": 3400.0, "Bob Ray": 3000.0, "Cy Fox": 0.0}
    by_month = ok_json(
        "kpis", *SPAN, "--by", "month", "--kpi", "won_value", "--json", db=handmade_db
    )
    assert list(by_month) == ["won_value"]
    assert by_month["won_value"]["by"]["2026-03"] == 2400.0
    by_team = ok_json("kpis", *SPAN, "--by", "team", "--kpi", "won_value", "--json", db=handmade_db)
    assert by_team["won_value"]["by"] == {"East": 6400.0, "West": 0.0}
    plain = ok_json("kpis", *SPAN, "--kpi", "win_rate", "--json", db=handmade_db)
    assert "by" not in plain["win_rate"]


def test_kpis_csv_table_and_xlsx(handmade_db: str, tmp_path: Path) -> None:
    result = run(
        "kpis", *SPAN, "--by", "rep", "--csv", "--xlsx", str(tmp_path / "k.xlsx"), db=handmade_db
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    won = {r["group"]: r["value"] for r in rows if r["slug"] == "won_value"}
    assert won == {"": "6400.0", "Ann Lee": "3400.0", "Bob Ray": "3000.0", "Cy Fox": "0.0"}
    book = load_workbook(tmp_path / "k.xlsx")
    assert book.sheetnames == ["About", "KPIs", "By rep"]
    kpis = {row[1]: row[3] for row in book["KPIs"].iter_rows(min_row=2, values_only=True)}
    assert kpis["won_value"] == 6400.0
    table = run("kpis", *SPAN, "--kpi", "won_value", "--kpi", "win_rate", db=handmade_db)
    assert table.returncode == 0
    assert "$6,400.00" in table.stdout
    assert "60.0%" in table.stdout
    listing = ok_json("kpis", "--list", "--json")
    assert {
        "slug": "win_rate",
        "label": "Win rate",
        "unit": "ratio",
        "section": "Revenue",
        "formula": "won ÷ (won + lost), deals closed in the period",
    } in listing


def test_reports_html_xlsx_funnel_bottlenecks(handmade_db: str, tmp_path: Path) -> None:
    funnel = ok_json("report", "funnel", *SPAN, "--json", db=handmade_db)
    assert [s["reached"] for s in funnel["funnel"]["stages"]] == [6, 4, 3]
    findings = ok_json("report", "bottlenecks", *SPAN, "--json", db=handmade_db)
    assert findings["meta"]["period"] == {"from": "2026-01-01", "to": "2026-06-30"}
    assert isinstance(findings["findings"], list)
    html = tmp_path / "dashboard.html"
    assert run("report", "html", "--out", str(html), *SPAN, db=handmade_db).returncode == 0
    page = html.read_text(encoding="utf-8")
    assert "echarts" in page
    assert "Won revenue" in page
    assert "$6,400.00" in page  # the won revenue card
    assert "<script src=" not in page  # self-contained
    xlsx = tmp_path / "dashboard.xlsx"
    assert run("report", "xlsx", "--out", str(xlsx), *SPAN, db=handmade_db).returncode == 0
    sheets = load_workbook(xlsx).sheetnames
    assert {"About", "KPIs", "By rep", "Funnel", "Bottlenecks"} <= set(sheets)
    assert (
        run(
            "report", "funnel", *SPAN, "--xlsx", str(tmp_path / "f.xlsx"), db=handmade_db
        ).returncode
        == 0
    )
    assert load_workbook(tmp_path / "f.xlsx")["Funnel"]["A2"].value == "Prospecting"


def test_user_mistakes_are_one_line(handmade_db: str) -> None:
    for args, message in (
        (("kpis", "--rep", "Anne Lee"), "did you mean Ann Lee"),
        (("kpis", "--from", "2026-31-01"), "expected a date as YYYY-MM-DD"),
        (("kpis", "--from", "2026-06-30", "--to", "2026-01-01"), "is before --from"),
        (("kpis", "--kpi", "happiness"), "unknown KPI happiness"),
        (("report", "funnel", "--pipeline", "Nope"), "no such pipeline"),
        (("targets", "set", "2026-Q5", "--amount", "1"), "expected YYYY, YYYY-Qn"),
        (("targets", "set", "2026-Q2", "--amount", "1", "--team", "Nowhere"), "no such team"),
    ):
        result = run(*args, db=handmade_db)
        assert result.returncode == 1, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_targets_give_pipeline_coverage_in_the_database_and_in_an_extract(
    handmade_db: str, tmp_path: Path
) -> None:
    for args in (
        ("2026-Q2", "--amount", "10000"),
        ("2026-Q2", "--amount", "1000", "--rep", "Ann Lee"),
        ("2026-Q2", "--amount", "5,000", "--rep", "bob@handmade.example"),
        ("2026-Q2", "--amount", "4000", "--rep", "U2"),  # replaces Bob's target (external id)
    ):
        assert run("targets", "set", *args, db=handmade_db).returncode == 0
    targets = ok_json("targets", "list", "--json", db=handmade_db)
    assert sorted((t["scope"], t["owner"], t["amount"]) for t in targets) == [
        ("company", None, 10000.0),
        ("rep", "Ann Lee", 1000.0),
        ("rep", "Bob Ray", 4000.0),
    ]
    # As of 2026-05-01, coverage looks at Q2 2026: won so far D4 3,000 (Bob); open and
    # expected in Q2: D7 100 (Ann). Company 100 ÷ 7,000; Ann 100 ÷ 1,000; Bob 0 ÷ 1,000.
    span = (
        "--from",
        "2026-04-01",
        "--to",
        "2026-05-01",
        "--kpi",
        "pipeline_coverage",
        "--kpi",
        "remaining_target",
        "--by",
        "rep",
        "--json",
    )
    expected = {"value": 100 / 7000, "by": {"Ann Lee": 0.1, "Bob Ray": 0.0, "Cy Fox": None}}
    from_db = ok_json("kpis", *span, db=handmade_db)
    assert from_db["pipeline_coverage"]["value"] == round(100 / 7000, 4)  # multiples: 4 decimals
    assert from_db["pipeline_coverage"]["by"] == pytest.approx(expected["by"], abs=1e-6)
    assert from_db["remaining_target"]["value"] == 7000.0
    extract = tmp_path / "extract"
    assert run("analytics", "extract", "--out", str(extract), db=handmade_db).returncode == 0
    assert (extract / "targets.parquet").is_file()
    from_files = ok_json("kpis", *span, "--data", str(extract))
    assert from_files == from_db


def test_forecast_accuracy_from_a_registered_snapshot_reader(duck_workspace: Workspace) -> None:
    jan, feb, mar = (
        Period(date(2026, m, 1), date(2026, m, last)) for m, last in ((1, 31), (2, 28), (3, 31))
    )

    def snapshots(context: ForecastContext) -> list[ForecastPoint]:
        assert context.reporting_currency == "USD"
        return [
            ForecastPoint(jan, 1500, date(2025, 12, 25)),
            ForecastPoint(jan, 9999, date(2026, 1, 10)),  # taken during January: not used
            ForecastPoint(feb, 800, date(2026, 2, 3)),
            ForecastPoint(mar, 2000, date(2026, 2, 20)),
        ]

    register_forecast_source("test", snapshots)
    try:
        report = kpi_report(
            duck_workspace, REQUEST, ["forecast_accuracy", "forecast_mape", "forecast_bias"]
        )
    finally:
        unregister_forecast_source("test")
    values = report.contract()
    # actual won: Jan 0 (no APE), Feb 1,000 (D1), Mar 2,400 (D2): APE 0.2 and 400/2400
    mape = (0.2 + 400 / 2400) / 2
    assert values["forecast_mape"]["value"] == pytest.approx(mape, abs=1e-6)
    assert values["forecast_accuracy"]["value"] == pytest.approx(1 - mape, abs=1e-6)
    assert values["forecast_bias"]["value"] == pytest.approx((1500 - 200 - 400) / 3400, abs=1e-6)
    assert values["forecast_accuracy"]["previous"] is None
