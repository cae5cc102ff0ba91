"""One definition, several engines: a generated company gives the same KPIs, funnel and
bottlenecks on SQLite, PostgreSQL, DuckDB over CSV and DuckDB over Parquet; the hand-made
company gives the same deal KPIs and funnel on PySpark (local mode, Java 17) as on DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from analytics_handmade import CLOCK, assert_same, import_bundle
from analytics_handmade import REQUEST as HANDMADE
from sqlalchemy import Engine

from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.requests import ReportRequest
from coxswain.analytics.service import bottleneck_report, funnel_report, kpi_report
from coxswain.analytics.sources.appdb import open_app_database
from coxswain.analytics.sources.extracts import open_extract
from coxswain.analytics.workspace import Workspace, prepare
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities

CONFIG = GeneratorConfig(seed=11, opportunities=600, as_of=date(2026, 10, 31), history_months=24)
PERIOD = ReportRequest(date(2025, 11, 1), date(2026, 10, 31))
# Line items: the database keeps each total rounded to the cent, extracts recompute it.
REL = 1e-6


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("generated")
    out = {}
    for fmt in (FileFormat.CSV, FileFormat.PARQUET):
        out[fmt.value] = root / fmt.value
        write_entities(iter_entities(CONFIG), out[fmt.value], fmt)
    return out


def answers(ws: Workspace) -> dict[str, Any]:
    """Everything compared across engines, as JSON-like data."""
    out: dict[str, Any] = {}
    for by in (None, Dimension.REP, Dimension.MONTH, Dimension.PRODUCT):
        request = ReportRequest(PERIOD.start, PERIOD.end, by)
        out[f"kpis by {by}"] = kpi_report(ws, request).contract()
    out["funnel"] = funnel_report(ws, PERIOD).to_json()["funnel"]
    findings = bottleneck_report(ws, PERIOD).to_json()["findings"]
    out["bottlenecks"] = [(f["kind"], f["subject"], f["stage"], f["numbers"]) for f in findings]
    return out


@pytest.fixture(scope="session")
def duckdb_answers(generated: dict[str, Path]) -> dict[str, Any]:
    with open_extract(generated["parquet"]) as source:
        return answers(prepare(source, clock=CLOCK))


def test_csv_and_parquet_extracts_agree(
    generated: dict[str, Path], duckdb_answers: dict[str, Any]
) -> None:
    with open_extract(generated["csv"]) as source:
        assert_same(answers(prepare(source, clock=CLOCK)), duckdb_answers, "csv", REL)


def test_database_agrees_with_duckdb(
    engine: Engine, database_url: str, generated: dict[str, Path], duckdb_answers: dict[str, Any]
) -> None:
    import_bundle(engine, generated["csv"])
    with open_app_database(database_url) as source:
        assert_same(answers(prepare(source, clock=CLOCK)), duckdb_answers, source.engine, REL)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_worker_processes_agree_with_duckdb(
    engine: Engine, database_url: str, generated: dict[str, Path], duckdb_answers: dict[str, Any]
) -> None:
    """The same reports with their queries run by worker processes (``sqlite_pool.py``),
    started here whatever the model's size."""
    import_bundle(engine, generated["csv"])
    with open_app_database(database_url, workers=2) as source:
        source.pool_min_bytes = 0
        ws = prepare(source, clock=CLOCK)
        assert_same(answers(ws), duckdb_answers, "sqlite workers", REL)
        assert ws.pool is not None
        assert {label for label, _ in ws.log.entries} >= {"kpis", "funnel all"}


SPARK_KPIS = (
    "won_value",
    "won_deals",
    "win_rate",
    "avg_deal_size",
    "sales_cycle_days_median",
    "sales_cycle_days_p90",
    "close_rate",
    "created_value",
    "open_pipeline_value",
    "sales_velocity",
    "customer_lifetime_value",
)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from coxswain.analytics.sources.spark import spark_backend, spark_session

    session = spark_session(cores=2, app_name="coxswain-analytics-test")
    # Tiny data: planning, not computing, is the cost; skip code generation and AQE.
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    session.conf.set("spark.sql.adaptive.enabled", "false")
    session.conf.set("spark.sql.shuffle.partitions", "1")
    yield spark_backend(session)
    session.stop()


def test_pyspark_agrees_with_duckdb(spark: Any, handmade_dir: Path, tmp_path: Path) -> None:
    """The hand-made company as Parquet: deal KPIs by rep and the funnel, Spark vs DuckDB."""
    parquet = tmp_path / "parquet"
    parquet.mkdir()
    for file in handmade_dir.glob("*.csv"):
        table = pa_csv.read_csv(
            file, convert_options=pa_csv.ConvertOptions(strings_can_be_null=True)
        )
        pq.write_table(table, parquet / f"{file.stem}.parquet")
    request = ReportRequest(HANDMADE.start, HANDMADE.end, Dimension.REP)
    with open_extract(parquet) as source:
        duck = prepare(source, clock=CLOCK)
        expected_kpis = kpi_report(duck, request, SPARK_KPIS).contract()
        expected_funnel = funnel_report(duck, HANDMADE).to_json()["funnel"]
    source = open_extract(parquet, engine="pyspark", backend=spark, reporting_currency="USD")
    ws = prepare(source, clock=CLOCK)
    assert_same(kpi_report(ws, request, SPARK_KPIS).contract(), expected_kpis, "spark kpis")
    assert_same(funnel_report(ws, HANDMADE).to_json()["funnel"], expected_funnel, "spark funnel")
    assert expected_kpis["won_value"]["by"] == {"Ann Lee": 3400.0, "Bob Ray": 3000.0, "Cy Fox": 0.0}
