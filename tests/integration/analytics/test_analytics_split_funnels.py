"""Split funnels (DuckDB's bottleneck analysis): the counts and sums of the company, rep,
team and segment funnels come from one query grouped by all their keys at once and are added
up per grouping; only medians are computed per grouping (all groupings in one query by
grouping sets, or one query per grouping). Every funnel must be what one query
per grouping (``funnel_query``, what the other engines run) gives, and the hand-made
company's numbers must be the hand-computed ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coxswain.analytics.engine.dimensions import Dimension, Fact
from coxswain.analytics.engine.funnel import (
    Cohort,
    Funnel,
    Grouping,
    funnel_query,
    funnels_by_window,
)
from coxswain.analytics.engine.funnel_split import split_funnel_queries
from coxswain.analytics.requests import ReportRequest, resolve
from coxswain.analytics.service_base import _pipeline
from coxswain.analytics.sources.extracts import open_extract
from coxswain.analytics.workspace import Workspace, prepare
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities

from analytics_handmade import CLOCK, REQUEST  # isort: skip

GROUPINGS: list[Grouping] = [
    (None, None),
    (Dimension.REP, None),
    (Dimension.TEAM, None),
    (None, "team_segment"),
]


def _funnels(
    ws: Workspace,
    request: ReportRequest,
    cohort: Cohort,
    detail: bool,
    split: bool,
    grouping_sets: bool = True,
) -> list[dict[int, list[Funnel]]]:
    ws.model.include_history()
    resolved = resolve(ws, request)
    deals = resolved.filters.apply(ws.model.funnel_deals, Fact.DEALS, ws.model.deal_products)
    pipeline, stages, windows = _pipeline(ws, None), ws.model.stages, resolved.windows
    if split:
        dialect = replace(ws.dialect, grouping_sets=grouping_sets)
        queries = split_funnel_queries(
            deals, stages, pipeline, windows, cohort, dialect, GROUPINGS, detail
        )
        # DuckDB: the counts, then every grouping's medians by grouping sets (or one
        # query per grouping without them).
        assert len(queries.queries) == (2 if grouping_sets else 1 + len(GROUPINGS))
        results = queries.rows([ws.run(q) for q in queries.queries])
    else:
        results = [
            ws.run(funnel_query(deals, stages, pipeline, windows, cohort, ws.dialect, b, c, detail))
            for b, c in GROUPINGS
        ]
    return [
        funnels_by_window(rows, stages, pipeline, cohort, b, c is not None, len(windows))
        for (b, c), rows in zip(GROUPINGS, results, strict=True)
    ]


def _same(left: Any, right: Any) -> bool:
    """Equal, money to 1e-9 relative (sums added up in another order)."""
    if isinstance(left, float) and isinstance(right, float):
        return left == pytest.approx(right, rel=1e-9, abs=1e-9)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(
            _same(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if hasattr(left, "__dataclass_fields__"):
        return type(left) is type(right) and _same(vars_of(left), vars_of(right))
    return bool(left == right)


def vars_of(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


@pytest.mark.parametrize("cohort", [Cohort.ACTIVE, Cohort.CREATED])
@pytest.mark.parametrize("detail", [False, True])
@pytest.mark.parametrize("grouping_sets", [True, False])
def test_split_equals_one_query_per_grouping(
    duck_workspace: Workspace, cohort: Cohort, detail: bool, grouping_sets: bool
) -> None:
    split = _funnels(duck_workspace, REQUEST, cohort, detail, True, grouping_sets)
    each = _funnels(duck_workspace, REQUEST, cohort, detail, split=False)
    assert _same(split, each)


def test_split_by_hand(duck_workspace: Workspace) -> None:
    """The created cohort of the hand-made company (test_analytics_handmade): 6 deals, 2 won
    for 3,400; Ann Lee's and Bob Ray's funnels add up to it."""
    company, reps, teams, _ = _funnels(duck_workspace, REQUEST, Cohort.CREATED, True, split=True)
    (whole,) = company[0]
    assert (whole.deals, whole.won, whole.won_value) == (6, 2, 3400.0)
    assert sum(f.deals for f in reps[0]) == 6
    assert sum(f.won_value for f in teams[0]) == pytest.approx(3400.0)


@pytest.fixture(scope="module")
def generated_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder = tmp_path_factory.mktemp("split") / "parquet"
    config = GeneratorConfig(seed=7, opportunities=800, as_of=date(2026, 10, 31), history_months=24)
    write_entities(iter_entities(config), folder, FileFormat.PARQUET)
    return prepare(open_extract(Path(folder)), clock=CLOCK)


@pytest.mark.parametrize("cohort", [Cohort.ACTIVE, Cohort.CREATED])
@pytest.mark.parametrize("grouping_sets", [True, False])
def test_split_on_a_generated_company(
    generated_workspace: Workspace, cohort: Cohort, grouping_sets: bool
) -> None:
    request = ReportRequest(date(2025, 11, 1), date(2026, 10, 31))
    split = _funnels(generated_workspace, request, cohort, False, True, grouping_sets)
    each = _funnels(generated_workspace, request, cohort, False, split=False)
    assert sum(len(f) for f in split[1].values()) > 10  # many reps with deals
    assert _same(split, each)
