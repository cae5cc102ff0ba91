"""Quantiles of the same values computed by one aggregate (``gathered.share_quantiles``):
which measures share a list, and the values read back, against NumPy on DuckDB."""

from __future__ import annotations

import ibis
import numpy as np
import pytest

from coxswain.analytics.engine.expressions import native_quantile
from coxswain.analytics.engine.gathered import share_quantiles

DAYS = [3.0, 1.0, 7.5, 2.0, 11.0, 4.0, 6.0, 9.5]
GROUPS = ["a", "a", "a", "b", "b", "b", "b", "a"]
WON = [True, False, True, True, True, False, True, True]


def _table() -> ibis.Table:
    con = ibis.duckdb.connect()
    rows = ", ".join(f"('{g}', {d}, {w})" for g, d, w in zip(GROUPS, DAYS, WON, strict=True))
    con.raw_sql(f"CREATE TABLE deals AS SELECT * FROM (VALUES {rows}) v(rep, days, won)")
    return con.table("deals")


def _measures(t: ibis.Table) -> dict[str, ibis.Scalar]:
    won = t.won
    return {
        "p50": native_quantile(t.days, 0.5, None),
        "n": t.count(),
        "p90": native_quantile(t.days, 0.9, None),
        "won_p25": native_quantile(t.days, 0.25, won),
        "won_p75": native_quantile(t.days, 0.75, won),
        "alone": native_quantile(t.days, 0.5, ~won),  # no other quantile of its values
    }


def test_quantiles_of_the_same_values_share_one_list() -> None:
    t = _table()
    out, gathered = share_quantiles(_measures(t))
    assert set(out) == {"n", "alone", "_quantiles0", "_quantiles1"}
    assert gathered.listed == {
        "p50": ("_quantiles0", 0),
        "p90": ("_quantiles0", 1),
        "won_p25": ("_quantiles1", 0),
        "won_p75": ("_quantiles1", 1),
    }


@pytest.mark.parametrize("grouped", [False, True])
def test_each_row_gets_its_quantiles_back(grouped: bool) -> None:
    t = _table()
    out, gathered = share_quantiles(_measures(t))
    query = t.group_by("rep").aggregate(**out) if grouped else t.aggregate(**out)
    rows = query.to_pyarrow().to_pylist()
    gathered.fill_groups(rows)
    groups = sorted({*GROUPS}) if grouped else [None]
    by = {r.get("rep"): r for r in rows}
    for group in groups:
        row = by[group]
        days = np.array([d for d, g in zip(DAYS, GROUPS, strict=True) if group in (None, g)])
        won = np.array([w for w, g in zip(WON, GROUPS, strict=True) if group in (None, g)])
        assert row["p50"] == pytest.approx(np.quantile(days, 0.5))
        assert row["p90"] == pytest.approx(np.quantile(days, 0.9))
        assert row["won_p25"] == pytest.approx(np.quantile(days[won], 0.25))
        assert row["won_p75"] == pytest.approx(np.quantile(days[won], 0.75))
        assert row["alone"] == pytest.approx(np.quantile(days[~won], 0.5))
        assert row["n"] == len(days)


def test_a_group_without_values_has_no_quantiles() -> None:
    t = _table()
    none = t.filter(t.days > 100)
    out, gathered = share_quantiles(_measures(none))
    rows = none.aggregate(**out).to_pyarrow().to_pylist()
    gathered.fill_groups(rows)
    assert [rows[0][k] for k in ("p50", "p90", "won_p25", "won_p75", "alone")] == [None] * 5
    assert rows[0]["n"] == 0
