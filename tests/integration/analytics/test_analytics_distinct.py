"""Distinct counts: DuckDB spells them ``list_unique(list(x) FILTER (WHERE ...))`` instead of
``COUNT(DISTINCT x) FILTER (WHERE ...)`` (engine/expressions.py); both must give the number
of distinct non-NULL values among the rows that satisfy the condition, 0 for none, per group
and overall, on DuckDB as on SQLite. Expected values are counted by hand below."""

from __future__ import annotations

from typing import Any

import ibis
import pytest

from coxswain.analytics.engine.expressions import dialect_for, duckdb_distinct, native_distinct

# (group, account, won): group a has accounts x, x, y won and z lost; b has x won, a NULL
# account won and w lost; c has only lost deals.
ROWS: list[dict[str, Any]] = [
    {"g": "a", "account": "x", "won": True},
    {"g": "a", "account": "x", "won": True},
    {"g": "a", "account": "y", "won": True},
    {"g": "a", "account": "z", "won": False},
    {"g": "b", "account": "x", "won": True},
    {"g": "b", "account": None, "won": True},
    {"g": "b", "account": "w", "won": False},
    {"g": "c", "account": "v", "won": False},
]
# Won accounts, by hand: a → {x, y} = 2; b → {x} = 1 (NULL not counted); c → none = 0.
BY_GROUP = {"a": 2.0, "b": 1.0, "c": 0.0}
# Overall won accounts: {x, y} = 2; all accounts: {x, y, z, w, v} = 5.
OVERALL_WON, OVERALL_ANY = 2.0, 5.0


def _counts(backend: Any, distinct: Any) -> tuple[dict[str, float], float, float]:
    schema = ibis.schema({"g": "string", "account": "string", "won": "boolean"})
    table = ibis.memtable(ROWS, schema=schema)
    grouped = table.group_by("g").aggregate(n=distinct(table.account, table.won).cast("float64"))
    whole = table.aggregate(
        won=distinct(table.account, table.won).cast("float64"),
        any=distinct(table.account, ibis.literal(True)).cast("float64"),
    )
    by = {r["g"]: r["n"] for r in backend.to_pyarrow(grouped).to_pylist()}
    (row,) = backend.to_pyarrow(whole).to_pylist()
    return by, row["won"], row["any"]


@pytest.mark.parametrize("distinct", [duckdb_distinct, native_distinct])
def test_distinct_on_duckdb(distinct: Any) -> None:
    assert _counts(ibis.duckdb.connect(), distinct) == (BY_GROUP, OVERALL_WON, OVERALL_ANY)


def test_distinct_on_sqlite() -> None:
    assert _counts(ibis.sqlite.connect(), native_distinct) == (BY_GROUP, OVERALL_WON, OVERALL_ANY)


def test_duckdb_dialect_uses_list_unique() -> None:
    table = ibis.table({"account": "string", "won": "boolean"}, name="t")
    duck = ibis.to_sql(table.aggregate(n=dialect_for("duckdb").distinct(table.account, table.won)))
    assert "LIST_UNIQUE" in duck
    assert "DISTINCT" not in duck
    for name in ("sqlite", "postgres", "pyspark"):
        assert dialect_for(name).distinct is native_distinct
