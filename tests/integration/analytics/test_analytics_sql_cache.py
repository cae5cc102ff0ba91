"""Compiled SQL kept beside the extract's model: a second run of the dashboard compiles
none of the queries the first compiled, and its answers are those of a run without the
cache."""

from __future__ import annotations

import shutil
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import ibis
import pytest
from ibis.backends.duckdb import Backend

from coxswain.analytics.service import dashboard
from coxswain.analytics.sources.extracts import open_extract
from coxswain.analytics.sources.fetch import compile_duckdb, fetch_rows, run_compiled
from coxswain.analytics.sources.model_store import FOLDER
from coxswain.analytics.sources.sql_cache import FILE, SqlCache, describe
from coxswain.analytics.workspace import prepare

from analytics_handmade import CLOCK, REQUEST  # isort: skip


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return None if callable(value) else value


def _dashboard(folder: Path, compiled: list[str], cached: bool = True) -> tuple[Any, int]:
    """The dashboard's data and how many queries it compiled (opening and preparing the
    extract read the reference tables without the cache)."""
    with open_extract(folder) as source:
        ws = prepare(source, clock=CLOCK)
        if not cached:
            ws.sql_cache = None
        before = len(compiled)
        data = _plain(dashboard(ws, REQUEST))
        return data, len(compiled) - before


def test_a_second_run_compiles_nothing(
    handmade_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "extract"
    shutil.copytree(handmade_dir, folder, ignore=shutil.ignore_patterns(FOLDER))
    compiled: list[str] = []
    original = Backend.compile

    def counting(self: Backend, *args: Any, **kwargs: Any) -> str:
        compiled.append("x")
        return str(original(self, *args, **kwargs))

    monkeypatch.setattr(Backend, "compile", counting)
    first, compiled_first = _dashboard(folder, compiled)
    assert (folder / FOLDER / FILE).is_file()
    assert compiled_first > 10
    second, compiled_second = _dashboard(folder, compiled)
    assert compiled_second == 0
    assert second == first
    without, compiled_without = _dashboard(folder, compiled, cached=False)
    assert without == first
    assert compiled_without == compiled_first


def test_the_model_store_key_is_not_compiled_again(
    handmade_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored model is found by its SQL: the second run takes that SQL from the cache
    (and finds the same stored files, so the model is not rebuilt)."""
    folder = tmp_path / "extract"
    shutil.copytree(handmade_dir, folder, ignore=shutil.ignore_patterns(FOLDER))
    calls: list[str] = []
    original = ibis.to_sql

    def counting(expr: Any, *args: Any, **kwargs: Any) -> str:
        calls.append("x")
        return str(original(expr, *args, **kwargs))

    monkeypatch.setattr(ibis, "to_sql", counting)
    first, _ = _dashboard(folder, [])
    stored = sorted(p.name for p in (folder / FOLDER).glob("*.duckdb"))
    assert len(stored) == 3
    assert calls
    calls.clear()
    second, _ = _dashboard(folder, [])
    assert calls == []
    assert sorted(p.name for p in (folder / FOLDER).glob("*.duckdb")) == stored
    assert second == first


@ibis.udf.scalar.python
def _doubled(x: float) -> float:
    return x * 2


def test_a_cached_query_calling_a_python_udf_still_defines_it(tmp_path: Path) -> None:
    """Taken from the cache, a query skips Ibis' pre-execution step unless it calls a UDF
    that Ibis defines on the connection: on a new connection (a new process), the UDF is
    defined before the cached SQL runs, and a query without one runs as well."""
    cache = SqlCache(tmp_path / FILE)

    def connect() -> tuple[Backend, ibis.Table]:
        con = ibis.duckdb.connect()
        con.raw_sql("CREATE TABLE t AS SELECT x::DOUBLE AS x FROM (VALUES (1.5), (4.0)) v(x)")
        return con, con.table("t")

    _, t = connect()
    first = fetch_rows(t.select(y=_doubled(t.x)).order_by("y"), cache)
    assert first == [{"y": 3.0}, {"y": 8.0}]
    plain_sql = compile_duckdb(t.select(y=t.x + 1), cache)
    assert plain_sql is not None
    assert len(cache.entries) == 2
    _, t2 = connect()
    compiled = compile_duckdb(t2.select(y=_doubled(t2.x)).order_by("y"), cache)
    assert compiled is not None
    assert compiled.sql == cache.entries[next(iter(cache.entries))]
    assert run_compiled(compiled) == [{"y": 3.0}, {"y": 8.0}]
    assert fetch_rows(t2.select(y=t2.x + 1).order_by("y"), cache) == [{"y": 2.5}, {"y": 5.0}]
    assert _registers(t2.select(y=_doubled(t2.x)))
    assert not _registers(t2.select(y=t2.x + 1))


def _registers(expr: ibis.Table) -> bool:
    described = describe(expr.op())
    assert described is not None
    return described.registers
