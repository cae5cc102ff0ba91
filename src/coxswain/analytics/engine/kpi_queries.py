"""The KPI queries: one aggregate query per scope (all windows, optionally grouped), and
their rows turned into measures per (window, group) (see ``compute.py`` for the formulas).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from coxswain.analytics.engine.catalog import (
    MeasureContext,
    Scope,
    Window,
    model_table,
)
from coxswain.analytics.engine.dimensions import (
    TIME_DIMENSIONS,
    Dimension,
    Fact,
    explode_products,
    group_key,
    label,
    supports,
)
from coxswain.analytics.engine.expressions import Dialect
from coxswain.analytics.engine.gathered import Gathered, gather, gatherable, share_quantiles
from coxswain.analytics.engine.kpi_request import GROUP_COLUMN, Groups, KpiRequest
from coxswain.analytics.engine.model import Model
from coxswain.analytics.engine.steps import Steps

ROWS = "_rows"


def _column(window: int, scope: str, measure: str) -> str:
    return f"w{window}__{scope}__{measure}"


def _flag(window: int, scope: str) -> str:
    return f"_in_w{window}__{scope}"


def _flags(
    base: ir.Table, scopes: Sequence[Scope], windows: Sequence[Window]
) -> dict[str, ir.BooleanValue]:
    """Each scope's condition in each window, by flag column name."""
    return {
        _flag(index, scope.name): scope.condition(base, window)
        for index, window in enumerate(windows)
        for scope in scopes
    }


def _aggregates(
    rows: ir.Table,
    scopes: Sequence[Scope],
    windows: Sequence[Window],
    dialect: Dialect,
    rolled_up: bool = False,
    wanted: frozenset[str] | None = None,
) -> dict[str, ir.Scalar]:
    """Every measure of every scope in every window, as conditional aggregates over
    ``rows`` (one pass), each reading its scope's flag column (see :func:`_fact_query`).

    With ``rolled_up``, only the measures that cannot be added up from groups (quantiles,
    means, distinct counts, ...): the others come from the grouped query (:func:`_roll_up`).
    With ``wanted`` (``scope.measure`` keys), only those measures (and each scope's rows).
    """
    aggregates: dict[str, ir.Scalar] = {}
    for index, window in enumerate(windows):
        for scope in scopes:
            context = MeasureContext(dialect, window, rows[_flag(index, scope.name)], rows)
            if not rolled_up:
                aggregates[_column(index, scope.name, ROWS)] = context.count().cast("float64")
            for measure in scope.measures:
                if wanted is not None and f"{scope.name}.{measure.name}" not in wanted:
                    continue
                expr = measure.expr(rows, context).cast("float64")
                if not (rolled_up and additive(expr)):
                    aggregates[_column(index, scope.name, measure.name)] = expr
    return aggregates


def additive(expr: ir.Scalar) -> bool:
    """Whether ``expr`` is ``COALESCE(SUM(...), 0)`` (under float casts): its value over
    all rows is then the sum of its values over the groups of any partition of the rows
    (0 when there are no rows)."""
    op = expr.op()
    while isinstance(op, ops.Cast) and op.to.is_floating():
        op = op.arg
    if not (
        isinstance(op, ops.Coalesce)
        and len(op.arg) == 2
        and isinstance(op.arg[1], ops.Literal)
        and op.arg[1].value == 0
    ):
        return False
    inner = op.arg[0]
    while isinstance(inner, ops.Cast) and inner.to.is_floating():
        inner = inner.arg
    return isinstance(inner, ops.Sum)


def _fact_query(
    base: ir.Table,
    scopes: Sequence[Scope],
    windows: Sequence[Window],
    dialect: Dialect,
    dimension: Dimension | None,
    rolled_up: bool = False,
    wanted: frozenset[str] | None = None,
    gathering: bool = False,
) -> tuple[ir.Table | None, Gathered | None]:
    """One query for ``scopes`` (all on one fact) and all ``windows`` (``None`` when
    ``rolled_up`` leaves it nothing to compute), and with ``gathering`` what its rows hold
    for the whole (see ``gathered.py``: a grouped query returns it; a rolled-up whole
    leaves out what it gets from there), or where the dialect shares quantiles, the lists
    its rows hold them in (:func:`share_quantiles`).

    Grouped by a time dimension, ``scopes`` must be a single scope (its anchor decides the
    month, week, ...); otherwise any number of scopes share one scan. Rows in no scope of
    any window are filtered out first, and each scope's condition in each window is
    computed once per row as a boolean column that every measure then reads (instead of
    being repeated inside each of dozens of ``CASE WHEN``: DuckDB evaluated them all).
    """
    flags = _flags(base, scopes, windows)
    rows = base.filter(ibis.or_(*flags.values())).mutate(**flags)
    aggregates = _aggregates(rows, scopes, windows, dialect, rolled_up, wanted)
    gathered = None
    if dimension is None and gathering:
        aggregates = {k: v for k, v in aggregates.items() if not gatherable(v)}
    elif gathering:
        aggregates, gathered = gather(aggregates)
    if not aggregates:
        return None, None
    if gathered is None and dialect.shares_quantiles:  # (SQLite gathers; the others share)
        aggregates, gathered = share_quantiles(aggregates)
    if dimension is None:
        whole = rows.aggregate(**aggregates).mutate(**{GROUP_COLUMN: ibis.null("string")})
        return whole, gathered
    key = group_key(rows, scopes[0].fact, dimension, scopes[0].anchor).cast("string")
    return rows.group_by(**{GROUP_COLUMN: key}).aggregate(**aggregates), gathered


def _scope_base(
    model: Model, fact: Fact, request: KpiRequest, dimension: Dimension | None
) -> ir.Table:
    base = request.filters.apply(model_table(model, fact), fact, model.deal_products)
    if dimension is Dimension.PRODUCT and fact is Fact.DEALS:
        base = explode_products(base, model.deal_products)
    return base


def _collect(
    scopes: Sequence[Scope],
    windows: int,
    rows: list[dict[str, Any]],
    dimension: Dimension | None,
    into: Groups,
) -> None:
    for row in rows:
        group = None if dimension is None else _group_label(dimension, row[GROUP_COLUMN])
        for index in range(windows):
            target = into.setdefault((index, group), {})
            for scope in scopes:
                for name in (ROWS, *[m.name for m in scope.measures]):
                    column = _column(index, scope.name, name)
                    if column in row:
                        value = row[column]
                        target[f"{scope.name}.{name}"] = None if value is None else float(value)


def _roll_up(
    scopes: Sequence[Scope], windows: int, rows: list[dict[str, Any]], into: Groups
) -> None:
    """Each measure the whole's own query left out (the additive ones: see
    :func:`_aggregates`) as the sum of the groups' values (``rows`` of a query grouped
    over the same rows as the whole, so every row is in exactly one group; no group: 0)."""
    for index in range(windows):
        target = into.setdefault((index, None), {})
        for scope in scopes:
            for name in (ROWS, *[m.name for m in scope.measures]):
                key = f"{scope.name}.{name}"
                column = _column(index, scope.name, name)
                if key not in target and (not rows or column in rows[0]):
                    target[key] = math.fsum(float(r[column]) for r in rows)


def _group_label(dimension: Dimension, raw: object) -> str:
    if raw is None:
        return label(dimension, None)
    if dimension in TIME_DIMENSIONS:
        return label(dimension, int(float(str(raw))))
    return label(dimension, raw)


def _batches(scopes: Sequence[Scope], dimension: Dimension | None, fold: bool) -> list[list[Scope]]:
    """Scopes that share one query: all scopes of a fact when the dialect folds them,
    except under a time dimension, where each scope groups by its own anchor day."""
    by_fact: dict[Fact, list[Scope]] = {}
    for scope in scopes:
        by_fact.setdefault(scope.fact, []).append(scope)
    if not fold or (dimension is not None and dimension in TIME_DIMENSIONS):
        return [[scope] for group in by_fact.values() for scope in group]
    return list(by_fact.values())


def run_scopes(
    model: Model,
    dialect: Dialect,
    request: KpiRequest,
    scopes: Sequence[Scope],
    wanted: frozenset[str] | None = None,
) -> Steps[tuple[Groups, Groups]]:
    """Measures per (window, None) overall and per (window, group) when grouped (only
    the ``wanted`` ones, when given).

    Grouped by a dimension that puts each row in exactly one group (not a time dimension,
    where each scope groups by its own day, nor products, which repeat a deal), the
    whole's additive measures are the sums of the groups': its own query computes only
    the others (quantiles, means, distinct counts), or is not run when there are none.
    """
    overall: Groups = {}
    grouped: Groups = {}
    usable = [s for s in scopes if not request.filters.unsupported(s.fact)]
    windows = request.windows
    fold = dialect.fold_scopes
    dimension = request.dimension
    partition = dimension is not None and dimension not in (*TIME_DIMENSIONS, Dimension.PRODUCT)
    grouped_scopes = [] if dimension is None else [s for s in usable if supports(s.fact, dimension)]
    wholes = _batches(usable, None, fold) if request.overall else []
    rolled = [partition and all(s in grouped_scopes for s in batch) for batch in wholes]
    # The wholes gathered from the grouped rows (SQLite): the facts whose every scope is
    # rolled up (with one scope per query, a grouped batch is then a whole's batch).
    gathering = {b[0].fact for b, r in zip(wholes, rolled, strict=True) if r and dialect.gathers}
    plan: list[tuple[Dimension | None, list[Scope], Gathered | None]] = []

    def queries() -> Iterator[ir.Table]:  # built one by one while the previous ones run
        for batch, rolled_up in zip(wholes, rolled, strict=True):
            base = _scope_base(model, batch[0].fact, request, None)
            gathers = batch[0].fact in gathering
            query, shared = _fact_query(
                base, batch, windows, dialect, None, rolled_up, wanted, gathering=gathers
            )
            if query is not None:
                plan.append((None, batch, shared))
                yield query
        for batch in _batches(grouped_scopes, dimension, fold) if dimension else []:
            base = _scope_base(model, batch[0].fact, request, dimension)
            gathers = batch[0].fact in gathering
            query, gathered = _fact_query(
                base, batch, windows, dialect, dimension, wanted=wanted, gathering=gathers
            )
            assert query is not None  # every measure, and the row count, of every group
            plan.append((dimension, batch, gathered))
            yield query

    results = yield queries()
    for (by, batch, gathered), rows in zip(plan, results, strict=True):  # the wholes first
        if gathered is not None:
            if by is not None and batch[0].fact in gathering:
                whole = gathered.whole(rows)
                _collect(batch, len(windows), [whole], None, overall)
            gathered.fill_groups(rows)
        _collect(batch, len(windows), rows, by, overall if by is None else grouped)
        if by is not None and partition and request.overall:
            _roll_up(batch, len(windows), rows, overall)
    return overall, grouped
