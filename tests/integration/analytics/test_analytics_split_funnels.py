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

import numpy as np
import pytest

from coxswain.analytics.engine.dimensions import Dimension, Fact
from coxswain.analytics.engine.funnel import (
    Cohort,
    Funnel,
    Grouping,
    funnel_query,
    funnels_by_window,
    gathered_funnel_query,
)
from coxswain.analytics.engine.funnel_split import SplitFunnels, split_funnel_queries
from coxswain.analytics.engine.gathered import Gathered
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
    queries: int | None = None,
) -> list[dict[int, list[Funnel]]]:
    ws.model.include_history()
    resolved = resolve(ws, request)
    deals = resolved.filters.apply(ws.model.funnel_deals, Fact.DEALS, ws.model.deal_products)
    pipeline, stages, windows = _pipeline(ws, None), ws.model.stages, resolved.windows
    if split:
        dialect = replace(ws.dialect, grouping_sets=grouping_sets)
        split_queries = split_funnel_queries(
            deals, stages, pipeline, windows, cohort, dialect, GROUPINGS, detail
        )
        # DuckDB: the counts, then every grouping's medians by grouping sets (or one
        # query per grouping without them).
        expected = queries or (2 if grouping_sets else 1 + len(GROUPINGS))
        assert len(split_queries.queries) == expected
        results = split_queries.rows([ws.run(q) for q in split_queries.queries])
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


@pytest.mark.parametrize("cohort", [Cohort.ACTIVE, Cohort.CREATED])
@pytest.mark.parametrize("detail", [False, True])
def test_split_on_the_application_database(
    db_workspace: Workspace, cohort: Cohort, detail: bool
) -> None:
    """On SQLite the bottleneck funnels (medians only) are one query: each finest group's
    time-in-stage values come back and every grouping's medians are computed from them.
    With means (``detail``), and on PostgreSQL, one query per grouping."""
    collected = db_workspace.source.engine == "sqlite" and not detail
    queries = 1 if collected else 1 + len(GROUPINGS)
    split = _funnels(db_workspace, REQUEST, cohort, detail, True, False, queries)
    each = _funnels(db_workspace, REQUEST, cohort, detail, split=False)
    assert _same(split, each)
    medians = [
        s.days_median for funnel in split[1][0] for s in funnel.stages if s.days_median is not None
    ]
    assert medians  # (the comparison covered some medians)


def test_split_on_the_application_database_without_deals(db_workspace: Workspace) -> None:
    """A period in which no deal was created: no funnel in any grouping, as with one query
    per grouping."""
    empty = ReportRequest(date(2031, 1, 1), date(2031, 12, 31))
    queries = 1 if db_workspace.source.engine == "sqlite" else 1 + len(GROUPINGS)
    split = _funnels(db_workspace, empty, Cohort.CREATED, False, True, False, queries)
    each = _funnels(db_workspace, empty, Cohort.CREATED, False, split=False)
    assert _same(split, each)
    assert split == [{}, {}, {}, {}]


def _blob(values: list[float]) -> bytes | None:
    return np.array(values, dtype=np.float64).tobytes() if values else None


def test_collected_quantiles_of_every_grouping() -> None:
    """The rows of the finest groups (team × rep here) with their values: each grouping's
    median is NumPy's over the values of its groups put together, counts are added, and
    the whole is one row even when no finest group exists."""
    gathered = Gathered({"median": ("_values0", 0.5)}, {}, {})
    split = SplitFunnels([], 3, ("n",), gathered=gathered, keyed=(False, True, True))
    finest = [
        {"_k1": "east", "_k2": "ann", "n": 2, "_values0": _blob([3.0, 1.0])},
        {"_k1": "east", "_k2": "bob", "n": 1, "_values0": _blob([10.0])},
        {"_k1": "west", "_k2": "cy", "n": 3, "_values0": None},
    ]
    whole, teams, reps = split.rows([finest])
    assert whole == [{"_group": None, "n": 6, "median": float(np.quantile([3, 1, 10], 0.5))}]
    assert teams == [
        {"_group": "east", "n": 3, "median": 3.0},
        {"_group": "west", "n": 3, "median": None},
    ]
    assert [r["median"] for r in reps] == [2.0, 10.0, None]
    assert split.rows([[]]) == [[{"_group": None, "n": 0, "median": None}], [], []]


@pytest.mark.parametrize("cohort", [Cohort.ACTIVE, Cohort.CREATED])
@pytest.mark.parametrize("by", [None, Dimension.REP])
def test_gathered_funnel_equals_the_plain_query(
    db_workspace: Workspace, cohort: Cohort, by: Dimension | None
) -> None:
    """The detail funnel collects each stage's times once for its median and 90th
    percentile (SQLite: their values; PostgreSQL: both quantiles from one
    ``PERCENTILE_CONT(ARRAY[...])``); its funnels are those of the plain query (one
    quantile aggregate each)."""
    ws = db_workspace
    ws.model.include_history()
    resolved = resolve(ws, REQUEST)
    deals = resolved.filters.apply(ws.model.funnel_deals, Fact.DEALS, ws.model.deal_products)
    pipeline, stages, windows = _pipeline(ws, None), ws.model.stages, resolved.windows
    args = (deals, stages, pipeline, windows, cohort, ws.dialect, by)
    query, gathered = gathered_funnel_query(*args)
    rows = ws.run(query)
    assert gathered is not None
    if ws.source.engine == "sqlite":
        shared = {values for values, _ in gathered.quantiles.values()}
        assert len(shared) * 2 == len(gathered.quantiles)  # median and p90 of each stage
    else:
        assert not gathered.quantiles
        lists = {name for name, _ in gathered.listed.values()}
        assert len(lists) * 2 == len(gathered.listed)
        assert all(len(rows[0][name]) == 2 for name in lists if rows[0][name] is not None)
    gathered.fill_groups(rows)
    plain = ws.run(funnel_query(*args))
    ours = funnels_by_window(rows, stages, pipeline, cohort, by, False, len(windows))
    theirs = funnels_by_window(plain, stages, pipeline, cohort, by, False, len(windows))
    assert ours == theirs
    assert any(s.days_p90 is not None for f in ours[0] for s in f.stages)
