"""The SQLite report backend: shaped SQL (no flattening, filtered quantiles) gives the same
answers as Ibis' plain SQLite compilation, and quantiles equal hand-computed values."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from coxswain.analytics.engine.expressions import (
    QuantileCont,
    count_where,
    month_of_day,
    sqlite_quantile,
)
from coxswain.analytics.sources.appdb_sqlite import ReportBackend, connect_report_backend

ROWS = [
    # group, value, in scope
    ("a", 1.0, 1),
    ("a", 2.0, 1),
    ("a", 3.0, 0),
    ("a", 4.0, 1),
    ("a", 10.0, 1),
    ("a", None, 1),
    ("b", 5.0, 1),
    ("b", None, 1),
    ("c", 7.0, 0),
]


def _load(backend: Any) -> ir.Table:
    backend.con.execute("CREATE TABLE facts (g TEXT, v REAL, c INTEGER)")
    backend.con.executemany("INSERT INTO facts VALUES (?, ?, ?)", ROWS)
    return backend.table("facts")


def _report_query(t: ir.Table) -> ir.Table:
    """A query shaped like the engine's: flags in a derived table, masked aggregates."""
    rows = t.filter((t.c == 1) | (t.v > 0)).mutate(_in=t.c == 1)
    return (
        rows.group_by("g")
        .aggregate(
            n=count_where(rows._in),
            median=sqlite_quantile(rows.v, 0.5, rows._in & rows.v.notnull()),
            p90=sqlite_quantile(rows.v, 0.9, rows._in & rows.v.notnull()),
            everything=sqlite_quantile(rows.v, 0.5, None),
            total=rows.v.sum(where=rows._in),
            mean=rows.v.mean(where=rows._in),
            low=rows.v.min(where=rows._in),
            high=rows.v.max(where=rows._in),
            counted=rows.v.count(where=rows._in),
            # a zero else-branch: rewritten only under COALESCE(..., 0)
            zero_else=ibis.ifelse(rows._in, rows.v, 0).sum(),
            zero_else_0=ibis.ifelse(rows._in, rows.v, 0).sum().coalesce(0),
        )
        .order_by("g")
    )


def test_quantiles_equal_hand_computed_values() -> None:
    backend = connect_report_backend(":memory:")
    rows = _report_query(_load(backend)).to_pyarrow().to_pylist()
    # a in scope: 1, 2, 4, 10 -> median at rank 1.5: 2 + 0.5 x (4 - 2) = 3;
    # p90 at rank 2.7: 4 + 0.7 x (10 - 4) = 8.2; all of a: 1, 2, 3, 4, 10 -> median 3.
    a, b, c = rows
    assert a["n"] == 5
    assert a["median"] == 3.0
    assert abs(a["p90"] - 8.2) < 1e-12
    assert a["everything"] == 3.0
    assert (b["median"], b["p90"], b["everything"]) == (5.0, 5.0, 5.0)
    assert (c["n"], c["median"], c["p90"], c["everything"]) == (0, None, None, 7.0)
    # masked aggregates, a in scope: 1, 2, 4, 10 (and a NULL)
    assert (a["total"], a["mean"], a["low"], a["high"], a["counted"]) == (17.0, 4.25, 1.0, 10.0, 4)
    assert (a["zero_else"], a["zero_else_0"]) == (17.0, 17.0)
    # c has a row but none in scope: NULL sums, 0 where COALESCE says so
    assert (c["total"], c["mean"], c["low"], c["high"], c["counted"]) == (None, None, None, None, 0)
    assert (c["zero_else"], c["zero_else_0"]) == (0.0, 0.0)


def test_shaped_sql_gives_the_same_rows_as_plain_ibis() -> None:
    plain = ibis.sqlite.connect(":memory:")
    plain.con.create_aggregate("cx_quantile_cont", 2, QuantileCont)
    expected = _report_query(_load(plain)).to_pyarrow().to_pylist()
    shaped = connect_report_backend(":memory:")
    assert _report_query(_load(shaped)).to_pyarrow().to_pylist() == expected


def test_derived_tables_under_aggregates_are_not_flattened() -> None:
    backend: ReportBackend = connect_report_backend(":memory:")
    sql = backend.compile(_report_query(_load(backend)))
    assert "LIMIT -1" in sql
    assert "FILTER(WHERE" in sql.replace(" (WHERE", "(WHERE")
    assert "CX_QUANTILE_CONT(" not in sql.upper()
    assert "COUNT(*) FILTER(WHERE" in sql.replace(
        " (WHERE", "(WHERE"
    )  # COALESCE(SUM(IIF(c, 1, 0)), 0)
    assert "SUM(IIF(" in sql  # the zero else-branch without COALESCE, kept
    plan = " ".join(str(row) for row in backend.con.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "CO-ROUTINE" in plan or "MATERIALIZE" in plan


def test_an_empty_scan_gives_null_quantiles() -> None:
    backend = connect_report_backend(":memory:")
    t = _load(backend)
    empty = t.filter(t.g == "none")
    (row,) = empty.aggregate(m=sqlite_quantile(empty.v, 0.5, None)).to_pyarrow().to_pylist()
    assert row["m"] is None


def test_month_of_day_on_sqlite_uses_its_calendar_and_agrees() -> None:
    """SQLite's month index comes from ``strftime`` (see ``month_of_day``): equal to
    hand-computed months and to the integer arithmetic (run by DuckDB) over 10,000 years."""
    backend = connect_report_backend(":memory:")
    days = [*range(-700_000, 2_900_000, 89), 0, -1, 31, 11_016, 20_757]
    backend.con.execute("CREATE TABLE d (day INTEGER)")
    backend.con.executemany("INSERT INTO d VALUES (?)", [(d,) for d in days] + [(None,)])
    t = backend.table("d")
    assert "strftime" in ibis.to_sql(t.select(m=month_of_day(t.day))).lower()
    got = {
        r["day"]: r["m"] for r in t.select("day", m=month_of_day(t.day)).to_pyarrow().to_pylist()
    }
    # 1970-01-01, 1969-12-31, 1970-02-01, 2000-02-29, 2026-10-31 (year × 12 + month − 1)
    assert [got[0], got[-1], got[31], got[11_016], got[20_757]] == [
        23_640,
        23_639,
        23_641,
        24_001,
        24_321,
    ]
    assert got[None] is None
    duck = ibis.duckdb.connect()
    dt = duck.create_table("d", ibis.memtable({"day": days}, schema={"day": "int64"}))
    expected = {
        r["day"]: r["m"] for r in dt.select("day", m=month_of_day(dt.day)).to_pyarrow().to_pylist()
    }
    assert {d: got[d] for d in days} == expected
