"""The whole from its groups: grouped by a dimension that partitions the rows, a KPI report
adds up the whole's counts and sums from the groups' and computes only the rest (quantiles,
means, distinct counts) over all rows. Every KPI of the whole must be what the ungrouped
report (which computes everything over all rows) says, on every engine."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import ibis
import pytest

from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.expressions import count_where, mean_where, sum_where
from coxswain.analytics.engine.kpi_queries import additive
from coxswain.analytics.requests import FilterInput, ReportRequest
from coxswain.analytics.service import kpi_report
from coxswain.analytics.sources.extracts import open_extract
from coxswain.analytics.workspace import Workspace, prepare
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities

from analytics_handmade import CLOCK, REQUEST  # isort: skip

PARTITIONS = (Dimension.REP, Dimension.TEAM, Dimension.SOURCE, Dimension.TYPE)


def test_additive_measures() -> None:
    t = ibis.table({"amount": "float64", "status": "string", "account": "string"}, name="t")
    won = t.status == "won"
    assert additive(count_where(won).cast("float64"))
    assert additive(sum_where(t.amount, won).cast("float64"))
    assert not additive(t.amount.sum().cast("float64"))  # NULL for no rows, not 0
    assert not additive(t.amount.sum().coalesce(5))
    assert not additive(mean_where(t.amount, won))
    assert not additive(t.amount.quantile(0.5).cast("float64"))
    assert not additive(t.account.nunique().coalesce(0).cast("float64"))
    assert not additive((sum_where(t.amount, won) - sum_where(t.amount, ~won)).cast("float64"))
    assert not additive(count_where(won).cast("int32").coalesce(0))


def _same(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)


def assert_whole_matches_ungrouped(ws: Workspace, request: ReportRequest) -> None:
    ungrouped = {v.kpi.slug: v.values for v in kpi_report(ws, request).values}
    assert any(values[0] not in (None, 0) for values in ungrouped.values())
    for dimension in PARTITIONS:
        grouped = ReportRequest(request.start, request.end, dimension, request.filters)
        for value in kpi_report(ws, grouped).values:
            expected = ungrouped[value.kpi.slug]
            assert len(value.values) == len(expected)
            for got, want in zip(value.values, expected, strict=True):
                assert _same(got, want), (dimension, value.kpi.slug, got, want)


def test_rolled_up_whole_on_duckdb(duck_workspace: Workspace) -> None:
    assert_whole_matches_ungrouped(duck_workspace, REQUEST)


def test_rolled_up_whole_in_the_database(db_workspace: Workspace) -> None:
    """SQLite and PostgreSQL (the ``backend`` parameter)."""
    assert_whole_matches_ungrouped(db_workspace, REQUEST)


@pytest.mark.parametrize(
    "filters", [FilterInput(types=("renewal",)), FilterInput(products=("Setup",))]
)
def test_rolled_up_whole_with_a_filter(duck_workspace: Workspace, filters: FilterInput) -> None:
    filtered = ReportRequest(REQUEST.start, REQUEST.end, None, filters)
    assert_whole_matches_ungrouped(duck_workspace, filtered)


def test_hand_computed_whole_from_reps(duck_workspace: Workspace) -> None:
    """The hand-made company (analytics_handmade.py): D1 1,000 USD, D2 2,000 EUR (2,400
    USD) and D4 3,000 USD won in the period; D3 and D5 lost."""
    by_rep = kpi_report(duck_workspace, ReportRequest(REQUEST.start, REQUEST.end, Dimension.REP))
    values = {v.kpi.slug: v.values[0] for v in by_rep.values}
    assert values["won_deals"] == 3
    assert values["won_value"] == pytest.approx(6400.0)
    assert values["win_rate"] == pytest.approx(3 / 5)


@pytest.fixture(scope="module")
def generated_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder = tmp_path_factory.mktemp("rollup") / "parquet"
    config = GeneratorConfig(seed=5, opportunities=800, as_of=date(2026, 10, 31), history_months=24)
    write_entities(iter_entities(config), folder, FileFormat.PARQUET)
    return prepare(open_extract(Path(folder)), clock=CLOCK)


def test_rolled_up_whole_on_a_generated_company(generated_workspace: Workspace) -> None:
    assert_whole_matches_ungrouped(
        generated_workspace, ReportRequest(date(2025, 11, 1), date(2026, 10, 31))
    )
