"""Workspace.run_all: on DuckDB a second thread runs each query while the caller builds and
compiles the next; the rows must come back as one-by-one runs give them, in order, and a
failing query must fail the call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import duckdb
import ibis.expr.types as ir
import pytest

from coxswain.analytics.workspace import Workspace


def _queries(ws: Workspace) -> list[ir.Table]:
    deals = ws.model.deals
    return [
        deals.group_by("rep").aggregate(n=deals.count()).order_by("rep"),
        deals.aggregate(total=deals.amount.sum(), won=(deals.status == "won").sum()),
        ws.model.leads.aggregate(n=ws.model.leads.count()),
        deals.filter(deals.status == "open").select("deal_id").order_by("deal_id"),
    ]


def test_rows_in_order_as_one_by_one(duck_workspace: Workspace) -> None:
    one_by_one = [duck_workspace.run(q) for q in _queries(duck_workspace)]
    built: list[str] = []

    def lazily() -> Iterator[ir.Table]:
        for query in _queries(duck_workspace):
            built.append(threading.current_thread().name)
            yield query

    assert duck_workspace.run_all(lazily()) == one_by_one
    # The queries are built in the caller's thread only (Ibis is not used concurrently).
    assert set(built) == {threading.current_thread().name}
    # The hand-made company: 9 deals, D6 and D7 open (analytics_handmade.py).
    assert sum(r["n"] for r in one_by_one[0]) == 9
    assert [r["deal_id"] for r in one_by_one[3]] == sorted(r["deal_id"] for r in one_by_one[3])
    assert len(one_by_one[3]) == 2


def test_a_failing_query_fails_the_call(duck_workspace: Workspace) -> None:
    deals = duck_workspace.model.deals
    bad = deals.aggregate(x=(deals.amount.cast("string") + "x").cast("int64").sum())
    with pytest.raises(duckdb.Error):
        duck_workspace.run_all([deals.aggregate(n=deals.count()), bad])


def test_other_engines_run_one_by_one(db_workspace: Workspace) -> None:
    queries = _queries(db_workspace)
    assert db_workspace.run_all(queries) == [db_workspace.run(q) for q in queries]


def test_rate_table_on_duckdb(duck_workspace: Workspace) -> None:
    """The rate calendar, filled in one statement on DuckDB, holds exactly its rows: EUR at
    1.10 from 2025-07-01 and 1.20 from 2026-03-01 (analytics_handmade.py)."""
    con = duck_workspace.source.backend.con
    stored = con.execute(
        'SELECT currency, day, factor, extrapolated FROM "cx_rates" ORDER BY currency, day'
    ).fetchall()
    expected = sorted((c, int(d), float(f), bool(e)) for c, d, f, e in duck_workspace.calendar.rows)
    assert stored == expected
    by_day = {(c, d): f for c, d, f, _ in stored}
    first = (date(2025, 7, 1) - date(1970, 1, 1)).days
    switch = (date(2026, 3, 1) - date(1970, 1, 1)).days
    assert by_day[("EUR", first)] == 1.10
    assert by_day[("EUR", switch - 1)] == 1.10
    assert by_day[("EUR", switch)] == 1.20
    types = con.execute('SELECT column_name, column_type FROM (DESCRIBE "cx_rates")').fetchall()
    assert types == [
        ("currency", "VARCHAR"),
        ("day", "BIGINT"),
        ("factor", "DOUBLE"),
        ("extrapolated", "BOOLEAN"),
    ]
