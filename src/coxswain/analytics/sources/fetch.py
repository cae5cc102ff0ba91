"""Run an Ibis table expression and return its rows as dictionaries, on any engine.

On DuckDB the rows come straight from DuckDB's own result (``fetchall``): Ibis' Arrow path
converts every result through its pandas-based converter, which costs nothing per query but
imports pandas (about 1 s of a cold process when no bytecode is cached) only to turn a
one-row aggregate into Python values. Elsewhere the rows go through Arrow as before.

On DuckDB compiling (Python, in the caller's thread) and running (DuckDB, which releases the
GIL) are separate steps, so a report can build and compile its next query while a second
thread runs this one (see ``Workspace.run_all``). Only SQL text crosses to that thread: Ibis
expressions are built and compiled in one thread only (Ibis keeps process-wide caches of
expression equality that are not made for concurrent use). Statements on one connection
run one at a time (one lock per connection).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any, TypeAlias

import ibis
import ibis.expr.types as ir
import sqlglot
import sqlglot.expressions as sge

from coxswain.analytics.engine.grouping_sets import GROUPING_COLUMN, GroupingSetsQuery
from coxswain.analytics.sources.sql_cache import SqlCache, describe

Query: TypeAlias = ir.Table | GroupingSetsQuery  # what a workspace runs

_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()


def connection_lock(backend: Any) -> threading.Lock:
    """The lock that serialises statements on ``backend``'s connection."""
    with _LOCKS_LOCK:
        lock = _LOCKS.get(backend)
        if lock is None:
            lock = _LOCKS[backend] = threading.Lock()
        return lock


@dataclass(frozen=True, slots=True)
class Compiled:
    """A DuckDB query compiled to SQL, ready to run on its backend's connection."""

    backend: Any
    sql: str


def compile_duckdb(expr: Query, cache: SqlCache | None = None) -> Compiled | None:
    """``expr`` compiled to SQL when its backend is DuckDB (else ``None``), with Ibis'
    pre-execution step done where it has work (it registers in-memory tables and Python
    UDFs), as Ibis' ``to_pyarrow`` does.
    Python work only: any thread may then :func:`run_compiled` it. With ``cache``, SQL
    compiled before for the same expression (see ``sql_cache.py``) is taken from it."""
    table = (expr.expr if isinstance(expr, GroupingSetsQuery) else expr).as_table()
    backend: Any = ibis.get_backend(table)
    if backend.name != "duckdb":
        if isinstance(expr, GroupingSetsQuery):
            raise NotImplementedError(f"grouping sets on {backend.name}")
        return None
    sets = isinstance(expr, GroupingSetsQuery)
    how = f"grouping sets {expr.keys} {expr.sets}" if sets else "query"
    described = None if cache is None else describe(table.op(), how)
    if cache is not None and described is not None:
        sql = cache.get(described.key)
        if sql is not None:
            # (No in-memory table, or it would have no key: the step has work only when
            # the expression calls a UDF that Ibis defines first. It walks the graph three
            # times: about 6 ms a dashboard query.)
            if described.registers:
                backend._run_pre_execute_hooks(table)
            return Compiled(backend, sql)
    backend._run_pre_execute_hooks(table)
    sql = _grouping_sets_sql(backend, table, expr) if sets else str(backend.compile(table))
    if cache is not None and described is not None:
        cache.put(described.key, sql)
    return Compiled(backend, sql)


def _grouping_sets_sql(backend: Any, table: ir.Table, query: GroupingSetsQuery) -> str:
    """The aggregate's SQL with its ``GROUP BY`` (each key, by position) replaced by the
    query's grouping sets, and ``GROUPING(keys...)`` added as :data:`GROUPING_COLUMN`."""
    select = backend.compiler.to_sqlglot(table)
    group = select.args.get("group") if isinstance(select, sge.Select) else None
    names = [e.alias_or_name for e in select.expressions] if group is not None else []
    if group is None or names[: len(query.keys)] != list(query.keys):
        raise ValueError("not an aggregate grouped by the grouping sets' keys, first")
    positions = [int(e.name) for e in group.expressions if isinstance(e, sge.Literal)]
    if positions != list(range(1, len(query.keys) + 1)):
        raise ValueError(f"unexpected GROUP BY for grouping sets: {group.sql('duckdb')}")

    def column(name: str) -> sge.Column:
        return sge.column(sge.to_identifier(name, quoted=True))

    sets = [sge.Tuple(expressions=[column(k) for k in keys]) for keys in query.sets]
    select.set("group", sge.Group(grouping_sets=[sge.GroupingSets(expressions=sets)]))
    marker = sge.Grouping(expressions=[column(k) for k in query.keys])
    select.append("expressions", sge.alias_(marker, GROUPING_COLUMN, quoted=True))
    raise_on = sqlglot.ErrorLevel.RAISE
    return str(select.sql(dialect=backend.dialect, copy=False, unsupported_level=raise_on))


def run_compiled(query: Compiled) -> list[dict[str, Any]]:
    """Run ``query`` on DuckDB and return its rows (DuckDB's own relation and rows; the
    connection runs one statement at a time, whichever thread asks)."""
    with connection_lock(query.backend):
        relation = query.backend.con.sql(query.sql)
        names = relation.columns
        rows = relation.fetchall()
    return [dict(zip(names, row, strict=True)) for row in rows]


def fetch_rows(expr: Query, cache: SqlCache | None = None) -> list[dict[str, Any]]:
    """Every row of ``expr`` as a ``{column: value}`` dictionary (NULL → ``None``)."""
    compiled = compile_duckdb(expr, cache)
    if compiled is not None:
        return run_compiled(compiled)
    assert not isinstance(expr, GroupingSetsQuery)  # (compile_duckdb raised)
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows
