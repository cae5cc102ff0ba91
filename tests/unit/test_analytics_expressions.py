"""Calendar arithmetic and quantiles as Ibis expressions, run on DuckDB and on SQLite
(through the aggregate the application-database adapter registers), against Python."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import ibis
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxswain.analytics.engine.expressions import (
    QuantileCont,
    day_of_month,
    dialect_for,
    month_of_day,
    quarter_of_day,
    week_of_day,
)
from coxswain.analytics.engine.periods import day_number, month_index, week_index


@settings(max_examples=25, deadline=None)
@given(st.lists(st.dates(date(1901, 1, 1), date(2199, 12, 31)), min_size=1, max_size=40))
def test_calendar_arithmetic_matches_python(values: list[date]) -> None:
    table = ibis.memtable({"day": [day_number(v) for v in values]})
    result = (
        table.select(
            month=month_of_day(table.day),
            dom=day_of_month(table.day),
            week=week_of_day(table.day),
            quarter=quarter_of_day(table.day),
        )
        .to_pyarrow()
        .to_pylist()
    )
    for value, row in zip(values, result, strict=True):
        assert row["month"] == month_index(value)
        assert row["dom"] == value.day
        assert row["week"] == week_index(day_number(value))
        assert row["quarter"] == month_index(value) // 3


def test_month_boundaries() -> None:
    edges = [date(2024, 2, 29), date(2024, 3, 1), date(2000, 2, 29), date(1999, 12, 31)]
    table = ibis.memtable({"day": [day_number(d) for d in edges]})
    months = table.select(m=month_of_day(table.day)).to_pyarrow().column("m").to_pylist()
    assert months == [month_index(d) for d in edges]
    assert day_number(date(2024, 3, 1)) - day_number(date(2024, 2, 29)) == 1
    assert timedelta(days=1)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=50),
    st.sampled_from([0.1, 0.5, 0.9]),
)
def test_quantiles_agree_on_duckdb_sqlite_and_numpy(values: list[float], q: float) -> None:
    expected = float(np.quantile(values, q))
    table = ibis.memtable({"x": values})
    duck = table.aggregate(v=dialect_for("duckdb").quantile(table.x, q, None)).to_pyarrow()
    assert duck.column("v")[0].as_py() == pytest.approx(expected, rel=1e-9, abs=1e-9)
    con = sqlite3.connect(":memory:")
    con.create_aggregate("cx_quantile_cont", 2, QuantileCont)
    con.execute("CREATE TABLE t (x REAL)")
    con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    (lite,) = con.execute(f"SELECT cx_quantile_cont(x, {q}) FROM t").fetchone()
    assert lite == pytest.approx(expected, rel=1e-9, abs=1e-9)
