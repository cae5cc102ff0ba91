"""The deal model kept beside an extract (``sources/model_store.py``): reused while the
extract is unchanged, rebuilt when a file changes, skipped when it cannot be written.
Expected values are the hand-made company's (see analytics_handmade.py)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from analytics_handmade import CLOCK, REQUEST

from coxswain.analytics.requests import ReportRequest
from coxswain.analytics.service import dashboard, kpi_report
from coxswain.analytics.sources.extracts import open_extract
from coxswain.analytics.sources.model_store import FOLDER
from coxswain.analytics.workspace import prepare

# Won in Jan–Jun 2026: D1 1,000 USD + D2 2,000 EUR × 1.20 + D4 3,000 USD.
WON_VALUE = 6400.0


def _copy(handmade_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "extract"
    shutil.copytree(handmade_dir, folder, ignore=shutil.ignore_patterns(FOLDER))
    return folder


def _won_value(folder: Path, *, history: bool = True, keep: bool = True) -> float:
    with open_extract(folder, keep_model=keep) as source:
        ws = prepare(source, clock=CLOCK)
        if history:
            value = dashboard(ws, REQUEST).kpis.contract()["won_value"]["value"]
        else:
            value = kpi_report(ws, ReportRequest(REQUEST.start, REQUEST.end)).contract()[
                "won_value"
            ]["value"]
    return float(value)


def _stored(folder: Path) -> dict[str, int]:
    """Model files in the store, with their modification times."""
    return {p.name: p.stat().st_mtime_ns for p in (folder / FOLDER).glob("*.duckdb")}


def test_the_model_is_stored_once_and_reused(handmade_dir: Path, tmp_path: Path) -> None:
    folder = _copy(handmade_dir, tmp_path)
    assert _won_value(folder) == WON_VALUE
    first = _stored(folder)
    tables = sorted(name.split("-")[0] for name in first)
    assert tables == ["cx_activities", "cx_funnel_deals", "cx_leads"]
    assert _won_value(folder) == WON_VALUE
    assert _stored(folder) == first  # read, not rewritten
    assert _won_value(folder, history=False) == WON_VALUE  # the KPI report's own table
    assert len(_stored(folder)) == 4  # + cx_deals


def test_a_changed_file_rebuilds_the_model(handmade_dir: Path, tmp_path: Path) -> None:
    folder = _copy(handmade_dir, tmp_path)
    assert _won_value(folder) == WON_VALUE
    before = _stored(folder)
    path = folder / "opportunities.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["external_id"] == "D4":  # won 2026-04-19, 3,000 USD → 3,500 USD
            row["amount"] = "3500"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert _won_value(folder) == WON_VALUE + 500
    after = _stored(folder)
    assert len(after) == 3
    assert not set(after) & set(before)


def test_another_reporting_currency_is_another_model(handmade_dir: Path, tmp_path: Path) -> None:
    folder = _copy(handmade_dir, tmp_path)
    for currency in ("USD", "EUR"):
        with open_extract(folder, reporting_currency=currency) as source:
            ws = prepare(source, clock=CLOCK)
            won = kpi_report(ws, REQUEST).contract()["won_value"]["value"]
        if currency == "EUR":  # D1 1,000 / 1.10 + D2 2,000 + D4 3,000 / 1.20 (the dated rates)
            assert won is not None
            assert abs(won - (1000 / 1.1 + 2000 + 3000 / 1.2)) < 0.01
        else:
            assert won == WON_VALUE


def test_without_a_writable_store_the_model_is_built_in_memory(
    handmade_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(handmade_dir, tmp_path)
    (folder / FOLDER).write_text("not a folder")  # the store cannot be created
    assert _won_value(folder) == WON_VALUE
    assert _won_value(folder, keep=False) == WON_VALUE
    assert (folder / FOLDER).read_text() == "not a folder"
