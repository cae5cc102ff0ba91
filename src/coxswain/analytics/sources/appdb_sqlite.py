"""The SQLite connection reports run on: Ibis' SQLite backend, with the compiled SQL shaped
for how SQLite executes it, and a connection tuned for large read-only scans.

The KPI, funnel and bottleneck queries are written once in Ibis (see ``engine/``): a
derived table computes each scope's condition once per row as a boolean column, and an
aggregate over it reads that column in dozens of ``CASE`` expressions. Two things make
that slow on SQLite, and :func:`shape_for_sqlite` changes both, without changing any
result:

- **Flattening.** SQLite's query flattener merges such a derived table into the outer
  query and substitutes each column by its expression, so every scope condition is
  evaluated again inside every aggregate that reads it (measured on the funnel by rep at
  100k deals: 2.2 s CPU, 1.2 s without flattening). ``LIMIT -1`` (no limit) on the derived
  table stops the flattener (SQLite's rule 14 for aggregates over a limited subquery): the
  derived table is then a co-routine whose columns are computed once per row.
- **Quantiles.** SQLite has no quantile aggregate; ``cx_quantile_cont`` is a Python
  aggregate the adapter registers. The engine masks the rows out of scope with
  ``CASE WHEN cond THEN value END`` (what columnar engines run fastest), so SQLite calls
  back into Python for *every* row of the scan, in-scope or not. Rewritten as
  ``cx_quantile_cont_q<quantile>(value) FILTER (WHERE cond)`` the callback runs only for rows in
  scope, with the quantile bound in the aggregate (one argument fewer to convert per row).
  The result is the same continuous (linearly interpolated) quantile. The value collectors
  ``cx_float_values`` and ``cx_distinct_values`` (quantiles and distinct counts of groups
  put together, computed after the query: ``funnel_split.py``, ``engine/gathered.py``)
  are masked the same way.
- **Masked aggregates.** The same masks in ``SUM``, ``AVG``, ``MIN``, ``MAX`` and ``COUNT``
  (``SUM(IIF(cond, v, NULL))``, ``COALESCE(SUM(IIF(cond, 1, 0)), 0)``) become ``FILTER
  (WHERE cond)`` clauses: SQLite then skips the aggregate's step for the rows out of scope
  instead of calling it with a NULL or a 0 (the detail funnel at 1M deals: 9.2 → 7.8 s; the
  lead KPIs by rep: 5.8 → 4.7 s). A ``SUM`` whose else-branch is 0 is rewritten only
  under ``COALESCE(..., 0)``: without it, a group with no row in scope would read NULL
  instead of 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import sqlglot as sg
import sqlglot.expressions as sge
from ibis.backends.sqlite import Backend as IbisSQLiteBackend

from coxswain.analytics.engine.quantiles import (
    DISTINCT_UDF,
    QUANTILE_UDF,
    VALUES_UDF,
    bound_name,
    bound_quantile,
)
from coxswain.analytics.sources.sqlite_worker import configure_report_connection


def _is_aggregate_select(select: sge.Select) -> bool:
    if select.args.get("group"):
        return True
    return any(
        isinstance(node, sge.AggFunc) or _is_python_aggregate(node)
        for projection in select.expressions
        for node in projection.walk()
    )


def _is_python_aggregate(node: sge.Expression) -> bool:
    return isinstance(node, sge.Anonymous) and str(node.name).lower() in _PYTHON_AGGREGATES


_PYTHON_AGGREGATES = frozenset({QUANTILE_UDF, VALUES_UDF, DISTINCT_UDF})


def _plain_derived_table(select: sge.Select) -> sge.Select | None:
    """The ``SELECT`` of ``select``'s only source when that is a derived table that a
    ``LIMIT -1`` may be added to (no joins, no limit, no aggregate of its own)."""
    source = select.args.get("from_") or select.args.get("from")
    if source is None or select.args.get("joins"):
        return None
    derived = source.this
    if not isinstance(derived, sge.Subquery) or not isinstance(derived.this, sge.Select):
        return None
    inner = derived.this
    if inner.args.get("limit") or inner.args.get("offset") or _is_aggregate_select(inner):
        return None
    return inner


def _stop_flattening(query: sge.Expression) -> None:
    for select in list(query.find_all(sge.Select)):
        if not _is_aggregate_select(select):
            continue
        inner = _plain_derived_table(select)
        if inner is not None:
            inner.set("limit", sge.Limit(expression=sge.Literal.number(-1)))


def _filtered_quantiles(query: sge.Expression, name_of: Callable[[float], str]) -> None:
    for call in list(query.find_all(sge.Anonymous)):
        if not _is_python_aggregate(call) or isinstance(call.parent, sge.Filter):
            continue
        if len(call.expressions) == 1:  # a value collector: cx_float_values(value), ...
            (value,) = call.expressions
            function = sge.Anonymous(this=str(call.name).lower(), expressions=[])
        elif len(call.expressions) == 2:
            value, quantile = call.expressions
            if not isinstance(quantile, sge.Literal) or quantile.is_string:
                continue
            function = sge.Anonymous(this=name_of(float(quantile.this)), expressions=[])
        else:
            continue
        masked = _mask(value)
        if masked is None:
            masked = (sge.true(), value)
        condition, kept = masked
        function.set("expressions", [kept])
        present = sge.Not(this=sge.Is(this=kept.copy(), expression=sge.Null()))
        where = sge.Where(this=sge.and_(sge.paren(condition), present))
        call.replace(sge.Filter(this=function, expression=where))


def _mask(value: sge.Expression) -> tuple[sge.Expression, sge.Expression] | None:
    """``(cond, v)`` when ``value`` is ``IIF(cond, v, NULL)`` (a masked value)."""
    if not isinstance(value, sge.If):
        return None
    otherwise = value.args.get("false")
    while isinstance(otherwise, sge.Cast):
        otherwise = otherwise.this
    if not isinstance(otherwise, sge.Null):
        return None
    return value.this, value.args["true"]


def _is_zero(node: sge.Expression | None) -> bool:
    return isinstance(node, sge.Literal) and not node.is_string and node.this == "0"


def _is_one(node: sge.Expression) -> bool:
    return isinstance(node, sge.Literal) and not node.is_string and node.this == "1"


def _zero_if_none(node: sge.Expression) -> bool:
    """Whether ``node``'s value is ``COALESCE(node, 0)``'s first argument (an empty
    aggregate reads as 0 either way)."""
    parent = node.parent
    return (
        isinstance(parent, sge.Coalesce)
        and parent.this is node
        and len(parent.expressions) == 1
        and _is_zero(parent.expressions[0])
    )


def _filtered_aggregates(query: sge.Expression) -> None:
    for aggregate in list(query.find_all(sge.Sum, sge.Avg, sge.Min, sge.Max, sge.Count)):
        masked = aggregate.this
        if not isinstance(masked, sge.If) or isinstance(aggregate.parent, sge.Filter):
            continue
        condition, value = masked.this, masked.args["true"]
        otherwise = masked.args.get("false")
        if _mask(masked) is not None:  # IIF(cond, v, NULL): the rows out of scope add nothing
            replacement = aggregate.__class__(this=value)
        elif isinstance(aggregate, sge.Sum) and _is_zero(otherwise) and _zero_if_none(aggregate):
            # COALESCE(SUM(IIF(cond, v, 0)), 0): zeros add nothing, and no row reads as 0
            is_count = _is_one(value)
            replacement = sge.Count(this=sge.Star()) if is_count else sge.Sum(this=value)
        else:
            continue
        where = sge.Where(this=condition)
        aggregate.replace(sge.Filter(this=replacement, expression=where))


def shape_for_sqlite(query: sge.Expression, name_of: Callable[[float], str]) -> sge.Expression:
    """``query`` with derived tables under aggregates kept from flattening, masked
    quantiles turned into filtered ones and masked sums, counts, means, minima and maxima
    into filtered ones (see the module docstring); modified in place."""
    _stop_flattening(query)
    _filtered_quantiles(query, name_of)
    _filtered_aggregates(query)
    return query


class ReportBackend(IbisSQLiteBackend):  # type: ignore[misc]
    """Ibis' SQLite backend compiling report queries with :func:`shape_for_sqlite`."""

    def _post_connect(self, type_map: Mapping[str, Any] | None = None) -> None:
        super()._post_connect(type_map)
        self._quantile_names: set[str] = set()
        configure_report_connection(self.con)

    def _quantile_name(self, quantile: float) -> str:
        name = bound_name(quantile)
        if name not in self._quantile_names:
            self.con.create_aggregate(name, 1, bound_quantile(quantile))
            self._quantile_names.add(name)
        return name

    def compile(
        self,
        expr: Any,
        /,
        *,
        limit: int | None = None,
        params: Mapping[Any, Any] | None = None,
        pretty: bool = False,
    ) -> str:
        query = self.compiler.to_sqlglot(expr, limit=limit, params=params)
        shaped = shape_for_sqlite(query, self._quantile_name)
        sql: str = shaped.sql(
            dialect=self.dialect, pretty=pretty, copy=False, unsupported_level=sg.ErrorLevel.RAISE
        )
        self._log(sql)
        return sql


def connect_report_backend(database: str | Path) -> ReportBackend:
    """A :class:`ReportBackend` on the SQLite file (or ``:memory:``) at ``database``."""
    backend = ReportBackend()
    connected: ReportBackend = backend.connect(str(database))
    return connected


__all__ = ["ReportBackend", "connect_report_backend", "shape_for_sqlite"]
