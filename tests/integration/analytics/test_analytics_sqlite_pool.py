"""Report queries on SQLite run by worker processes (``sources/sqlite_pool.py``): the same
dashboard as in-process, errors raised where the report waits, workers gone on close."""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

import ibis
import pytest
from analytics_handmade import CLOCK, REQUEST, assert_same

from coxswain.analytics.engine.quantiles import bound_name, bound_names
from coxswain.analytics.service import dashboard
from coxswain.analytics.sources.appdb import open_app_database
from coxswain.analytics.sources.sqlite_pool import SqlitePool, converters
from coxswain.analytics.workspace import prepare

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def _dashboard(url: str, workers: int) -> tuple[dict[str, Any], bool]:
    with open_app_database(url, workers=workers) as source:
        source.pool_min_bytes = 0
        ws = prepare(source, clock=CLOCK)
        result = dashboard(ws, REQUEST)
        started = ws.pool is not None
    assert result.funnel is not None
    assert result.bottlenecks is not None
    data = {
        "kpis": result.kpis.contract(),
        "by_rep": result.by_rep.contract(),
        "trends": [dataclasses.asdict(s) for s in result.trends],
        "funnel": result.funnel.to_json(),
        "bottlenecks": result.bottlenecks.to_json(),
    }
    return data, started


@SQLITE_ONLY
def test_the_dashboard_is_the_same_with_worker_processes(handmade_db: str) -> None:
    alone, started_alone = _dashboard(handmade_db, workers=0)
    pooled, started = _dashboard(handmade_db, workers=2)
    assert not started_alone
    assert started
    assert_same(pooled, alone, "dashboard")
    assert pooled["kpis"]["won_value"]["value"] == 6400.0  # by hand (analytics_handmade.py)


@SQLITE_ONLY
def test_a_workers_error_is_raised_where_the_report_waits(handmade_db: str) -> None:
    database = handmade_db.removeprefix("sqlite:///")
    pool = SqlitePool(database, ["CREATE TEMP TABLE t (x INTEGER)", "INSERT INTO t VALUES (7)"], 1)
    try:
        columns = converters({"x": ibis.dtype("int64")})
        assert columns is not None
        bad = pool.submit("SELECT x FROM no_such_table", (), columns, lambda _: None)
        with pytest.raises(sqlite3.OperationalError, match="no such table: no_such_table"):
            bad.result(timeout=60)
        good = pool.submit("SELECT x FROM t", (), columns, lambda _: None)  # still serving
        assert good.result(timeout=60) == [{"x": 7}]
        quantile = pool.submit(
            f"SELECT {bound_name(0.5).upper()}(v) AS x FROM (SELECT 1 AS v UNION ALL SELECT 4)",
            (),
            converters({"x": ibis.dtype("float64")}) or [],
            lambda _: None,
        )
        assert quantile.result(timeout=60) == [{"x": 2.5}]  # halfway between 1 and 4
    finally:
        pool.close()


def test_bound_quantile_names_round_trip() -> None:
    assert bound_name(0.5) == "cx_quantile_cont_q0_5"
    assert bound_name(0.25) == "cx_quantile_cont_q0_25"
    sql = "SELECT CX_QUANTILE_CONT_Q0_9(a), cx_quantile_cont_q0_25(b), cx_quantile_cont(c, 0.5)"
    assert bound_names(sql) == {"cx_quantile_cont_q0_9": 0.9, "cx_quantile_cont_q0_25": 0.25}
    with pytest.raises(ValueError, match="expected a number from 0 to 1"):
        bound_name(-0.5)
