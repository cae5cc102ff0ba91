"""Grouping sets on DuckDB (sources/fetch.py): one query answering several groupings, each
row told apart by its GROUPING() marker. Values computed by hand from a 5-row table."""

from __future__ import annotations

from typing import Any

import ibis
import pytest

from coxswain.analytics.engine.grouping_sets import GROUPING_COLUMN, GroupingSetsQuery
from coxswain.analytics.sources.fetch import compile_duckdb, fetch_rows

ROWS = "('x', 'p', 1.0), ('x', 'q', 2.0), ('y', 'q', 3.0), (NULL, 'p', 4.0), ('y', 'q', NULL)"


def _query(backend: Any) -> GroupingSetsQuery:
    backend.raw_sql("CREATE TABLE cx_gs (a VARCHAR, b VARCHAR, v DOUBLE PRECISION)")
    backend.raw_sql(f"INSERT INTO cx_gs VALUES {ROWS}")
    t = backend.table("cx_gs")
    expr = t.group_by(ka=t.a.coalesce("(none)"), kb=t.b).aggregate(
        n=t.count(), total=t.v.sum(), median=t.v.quantile(0.5)
    )
    return GroupingSetsQuery(expr, ("ka", "kb"), ((), ("ka",), ("kb",)))


def _by_set(query: GroupingSetsQuery, rows: list[dict[str, Any]]) -> dict[int, dict[Any, Any]]:
    out: dict[int, dict[Any, Any]] = {}
    for keys in query.sets:
        marker = query.marker(keys)
        key = keys[0] if keys else None
        out[marker] = {
            (r[key] if key else None): (r["n"], r["total"], r["median"])
            for r in rows
            if r[GROUPING_COLUMN] == marker
        }
    return out


def test_each_set_answered_by_hand() -> None:
    query = _query(ibis.duckdb.connect())
    by_set = _by_set(query, fetch_rows(query))
    assert by_set == {
        0b11: {None: (5, 10.0, 2.5)},  # the whole: v = 1, 2, 3, 4 (and a NULL)
        0b01: {"x": (2, 3.0, 1.5), "y": (2, 3.0, 3.0), "(none)": (1, 4.0, 4.0)},
        0b10: {"p": (2, 5.0, 2.5), "q": (3, 5.0, 2.5)},
    }


def test_equals_one_query_per_set() -> None:
    backend = ibis.duckdb.connect()
    query = _query(backend)
    t = backend.table("cx_gs")
    whole = t.aggregate(n=t.count(), total=t.v.sum(), median=t.v.quantile(0.5))
    by_a = t.group_by(g=t.a.coalesce("(none)")).aggregate(
        n=t.count(), total=t.v.sum(), median=t.v.quantile(0.5)
    )
    by_b = t.group_by(g=t.b).aggregate(n=t.count(), total=t.v.sum(), median=t.v.quantile(0.5))
    expected = {
        0b11: {None: tuple(fetch_rows(whole)[0].values())},
        0b01: {r["g"]: (r["n"], r["total"], r["median"]) for r in fetch_rows(by_a)},
        0b10: {r["g"]: (r["n"], r["total"], r["median"]) for r in fetch_rows(by_b)},
    }
    assert _by_set(query, fetch_rows(query)) == expected


def test_sql_groups_by_the_sets() -> None:
    compiled = compile_duckdb(_query(ibis.duckdb.connect()))
    assert compiled is not None
    assert 'GROUPING SETS ((), ("ka"), ("kb"))' in compiled.sql
    assert 'GROUPING("ka", "kb") AS "_grouping"' in compiled.sql


def test_other_engines_refuse() -> None:
    with pytest.raises(NotImplementedError, match="sqlite"):
        fetch_rows(_query(ibis.sqlite.connect()))
