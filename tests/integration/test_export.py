"""Exports: every entity in CSV, XLSX and Parquet; CSV and XLSX import back without changes."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy.orm import Session

from coxswain.imports.datasets import import_dataset
from coxswain.imports.engine.schema import BUNDLE_ORDER, entity_spec
from coxswain.imports.export import export_entity
from coxswain.imports.service import import_file


@pytest.fixture
def maven_loaded(session: Session, shared_data: Path) -> Session:
    import_dataset(session, "maven", shared_data / "maven_crm_sales_opportunities")
    return session


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_changes_nothing(maven_loaded: Session, tmp_path: Path, fmt: str) -> None:
    for entity in (
        "stages",
        "teams",
        "users",
        "products",
        "accounts",
        "opportunities",
        "line_items",
        "stage_changes",
    ):
        out = tmp_path / f"{entity}.{fmt}"
        report = export_entity(maven_loaded, entity=entity, out=out, fmt=fmt)
        assert report.rows > 0
        back = import_file(maven_loaded, entity=entity, path=out)
        assert (back.inserted, back.updated, back.rejected) == (0, 0, 0), (
            entity,
            back.rejects_file,
        )
        assert back.unchanged == report.rows


def test_csv_values_are_native(maven_loaded: Session, tmp_path: Path) -> None:
    out = tmp_path / "opportunities.csv"
    export_entity(maven_loaded, entity="opportunities", out=out, fmt="csv")
    with out.open(newline="", encoding="utf-8") as handle:
        rows = {r["external_id"]: r for r in csv.DictReader(handle)}
    # Source row: Z063OYW0,Darcel Schlecht,GTXPro,Isdom,Won,2016-10-25,2017-03-11,4514
    deal = rows["Z063OYW0"]
    assert (deal["amount"], deal["currency"], deal["stage"], deal["owner"], deal["account"]) == (
        "4514.00",
        "USD",
        "Won",
        "Darcel Schlecht",
        "Isdom",
    )
    assert (deal["opened_on"], deal["closed_on"], deal["forecast_category"]) == (
        "2016-10-25",
        "2017-03-11",
        "closed",
    )


def test_parquet_has_typed_columns_for_every_entity(maven_loaded: Session, tmp_path: Path) -> None:
    for entity in BUNDLE_ORDER:
        out = tmp_path / f"{entity}.parquet"
        report = export_entity(maven_loaded, entity=entity, out=out, fmt="parquet")
        table = pq.read_table(out)
        assert table.num_rows == report.rows
        expected = [n for n in entity_spec(entity).field_names if n in table.column_names]
        assert expected == [n for n in table.column_names if n != "external_source"]
    deals = pq.read_table(tmp_path / "opportunities.parquet").to_pylist()
    won = sum(d["amount"] for d in deals if d["stage"] == "Won")
    assert won == 10_005_534
    assert (
        str(pq.read_table(tmp_path / "opportunities.parquet").schema.field("closed_on").type)
        == "date32[day]"
    )
