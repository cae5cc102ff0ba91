"""The compiled-SQL cache's key (every node and argument of the expression) and its file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import ibis
import pytest

from coxswain.analytics.sources import sql_cache
from coxswain.analytics.sources.sql_cache import SqlCache, expression_key

DEALS = ibis.table({"rep": "string", "amount": "float64", "day": "int64"}, name="deals")


def _key(expr: ibis.Table, extra: str = "") -> str | None:
    return expression_key(expr.op(), extra)


def _won(value: object, column: str = "amount") -> ibis.Table:
    return DEALS.group_by("rep").aggregate(v=(DEALS.day >= value).ifelse(DEALS[column], 0).sum())


def test_equal_expressions_built_twice_have_one_key() -> None:
    assert _key(_won(20_000)) == _key(_won(20_000))
    assert _key(_won(20_000)) is not None


@pytest.mark.parametrize(
    "other",
    [
        _won(20_001),  # another literal
        _won(20_000.0),  # the same number as a float
        _won(20_000, "day"),  # another column
        _won(20_000).mutate(d=ibis.literal(date(2024, 10, 4))),  # a date literal added
        DEALS.group_by("rep").aggregate(v=(DEALS.day >= 20_000).ifelse(DEALS.amount, 0).mean()),
        ibis.table({"rep": "string", "amount": "float32", "day": "int64"}, name="deals")
        .group_by("rep")
        .aggregate(v=ibis._.amount.sum()),
    ],
)
def test_any_difference_changes_the_key(other: ibis.Table) -> None:
    assert _key(other) != _key(_won(20_000))


def test_dates_differ_by_a_day() -> None:
    def on(day: date) -> ibis.Table:
        return DEALS.mutate(d=ibis.literal(day))

    assert _key(on(date(2024, 10, 4))) != _key(on(date(2024, 10, 5)))
    assert _key(on(date(2024, 10, 4))) == _key(on(date(2024, 10, 4)))


def test_the_table_name_and_the_extra_text_are_in_the_key() -> None:
    renamed = ibis.table(DEALS.schema(), name="deals2")
    assert _key(renamed) != _key(DEALS)
    assert _key(DEALS, "grouping sets") != _key(DEALS)


def test_in_memory_tables_are_not_cached() -> None:
    assert _key(ibis.memtable({"x": [1, 2]})) is None


def test_the_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sql-cache.json"
    cache = SqlCache(path)
    cache.put("k1", "SELECT 1")
    cache.save()
    assert SqlCache(path).get("k1") == "SELECT 1"
    assert SqlCache(path).get("k2") is None


def test_a_bad_file_is_ignored_and_an_unwritable_one_is_no_cache(tmp_path: Path) -> None:
    path = tmp_path / "sql-cache.json"
    path.write_text("{not json", encoding="utf-8")
    assert SqlCache(path).entries == {}
    missing = SqlCache(tmp_path / "no-such-folder" / "sql-cache.json")
    missing.put("k", "SELECT 1")
    missing.save()  # no error, nothing written
    assert not (tmp_path / "no-such-folder").exists()
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    in_a_file = SqlCache(tmp_path / "a-file" / "sql-cache.json")
    in_a_file.put("k", "SELECT 1")
    in_a_file.save()  # a file where the folder should be: no error either


def test_only_the_newest_entries_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql_cache, "MAX_ENTRIES", 2)
    path = tmp_path / "sql-cache.json"
    cache = SqlCache(path)
    for index in range(4):
        cache.put(f"k{index}", f"SELECT {index}")
    cache.save()
    assert json.loads(path.read_text(encoding="utf-8")) == {"k2": "SELECT 2", "k3": "SELECT 3"}
