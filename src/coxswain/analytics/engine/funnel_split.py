"""Several funnels of one cohort from fewer scans (DuckDB's bottleneck analysis).

The company, rep, team and segment funnels of one cohort differ only in how the cohort's
deals are grouped. Their counts and sums come from one query grouped by every grouping's
key at once and are added up per grouping; the measures that do not add up (medians,
means) come from one query per grouping, or from one query by grouping sets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from coxswain.analytics.engine.catalog import Window
from coxswain.analytics.engine.expressions import Dialect
from coxswain.analytics.engine.funnel import (
    Cohort,
    Grouping,
    _aggregate,
    _key,
    _rows_and_measures,
)
from coxswain.analytics.engine.gathered import Gathered, gather
from coxswain.analytics.engine.grouping_sets import GROUPING_COLUMN, GroupingSetsQuery
from coxswain.analytics.engine.kpi_queries import additive
from coxswain.analytics.engine.model import StageInfo


@dataclass(frozen=True)
class SplitFunnels:
    """The funnels of several groupings of one cohort, as one query of the counts and
    sums by every grouping's key at once (``queries[0]``) and the rest (medians, means,
    ...): one query per grouping (``queries[1 + i]``) or, with ``markers``, one query by
    grouping sets (``queries[1]``: grouping ``i``'s rows are those whose
    :data:`GROUPING_COLUMN` is ``markers[i]``). See :func:`split_funnel_queries`."""

    queries: list[ir.Table | GroupingSetsQuery]
    groupings: int
    summed: tuple[str, ...]
    markers: tuple[int, ...] | None = None
    #: With collected values (SQLite): the first query also returns, per finest group,
    #: the values of each quantile (``gathered``), and ``keyed[i]`` tells whether
    #: grouping ``i`` has a key (else it is the whole).
    gathered: Gathered | None = None
    keyed: tuple[bool, ...] = ()

    def rows(self, results: Sequence[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        """Each grouping's rows as :func:`funnel_query` returns them, from the results of
        :attr:`queries`: the rest's rows with the counts and sums added up over the rows
        of the first query that fall in each group."""
        finest, out = results[0], []
        if self.gathered is not None:
            return [
                self._collected(finest, self.gathered, index) for index in range(self.groupings)
            ]
        for index, rest in enumerate(self._rest(results[1:])):
            members: dict[object, list[dict[str, Any]]] = {}
            for row in finest:
                members.setdefault(row.get(f"_k{index}"), []).append(row)
            merged = []
            for row in rest:
                found = members.get(row["_group"], [])
                merged.append({**row, **{n: _total([r[n] for r in found]) for n in self.summed}})
            out.append(merged)
        return out

    def _collected(
        self, finest: list[dict[str, Any]], gathered: Gathered, index: int
    ) -> list[dict[str, Any]]:
        """Grouping ``index``'s rows from the finest groups' counts, sums and values: each
        quantile over the values of the finest groups it is made of, put together (the
        same values the grouping's own query would see, so the same quantile)."""
        members: dict[object, list[int]] = {}
        for position, row in enumerate(finest):
            members.setdefault(row.get(f"_k{index}"), []).append(position)
        if not self.keyed[index] and not members:
            members[None] = []  # the whole, without a deal: one row, as an aggregate gives
        out = []
        for group, positions in members.items():
            merged: dict[str, Any] = {"_group": group}
            for name in self.summed:
                merged[name] = _total([finest[p][name] for p in positions])
            merged.update(gathered.quantiles_over([finest[p] for p in positions]))
            out.append(merged)
        return out

    def _rest(self, results: Sequence[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        """Each grouping's rows of the rest (``_group`` and the measures)."""
        if self.markers is None:
            return list(results)
        (rows,) = results
        out: list[list[dict[str, Any]]] = []
        for index, marker in enumerate(self.markers):
            key = f"_k{index}"
            out.append(
                [
                    {
                        "_group": row.get(key),
                        **{k: v for k, v in row.items() if not k.startswith(("_k", "_grouping"))},
                    }
                    for row in rows
                    if row[GROUPING_COLUMN] == marker
                ]
            )
        return out


def _total(values: list[Any]) -> float | int:
    """Exact for integer counts; ``math.fsum`` (correctly rounded) for money."""
    if all(isinstance(v, int) for v in values):
        return sum(int(v) for v in values)
    return math.fsum(float(v) for v in values if v is not None)


def split_funnel_queries(
    deals: ir.Table,
    stages: Sequence[StageInfo],
    pipeline: str,
    windows: Sequence[Window],
    cohort: Cohort,
    dialect: Dialect,
    groupings: Sequence[Grouping],
    detail: bool = False,
) -> SplitFunnels:
    """The funnels of every grouping of ``groupings`` (each as in :func:`funnel_query`)
    with one scan for all their counts and sums instead of one per grouping, and on an
    engine with grouping sets (DuckDB) one more for all the rest.

    Counts and sums (``COALESCE(SUM(...), 0)``: :func:`additive`) of a group are the sums
    of those of the finer groups it is made of, so one query groups by every grouping's
    key at once (a few hundred rows: rep × team × segment) and they are added up per
    grouping in Python; only the measures that do not add up (medians, means) are
    computed per grouping over the rows, all groupings in one query grouped by grouping
    sets where the dialect allows. Each grouping's key puts every row in exactly one
    group, so the answers are those of one query per grouping.
    """
    rows, measures = _rows_and_measures(deals, stages, pipeline, windows, cohort, dialect, detail)
    summed = {name: expr for name, expr in measures.items() if additive(expr)}
    rest = {name: expr for name, expr in measures.items() if name not in summed}
    rest = rest or {"_rows": rows.count()}  # (a pipeline without open stages: no medians)
    keys = {
        f"_k{index}": key
        for index, (dimension, column) in enumerate(groupings)
        if (key := _key(rows, dimension, column)) is not None
    }
    collected, gathered = gather(rest, wholes=False)
    if dialect.gathers and rest and len(gathered.quantiles) == len(rest):
        # SQLite, the rest all quantiles: no query per grouping. The finest groups return
        # their values and each grouping's quantiles are computed from them: one query
        # (one sort for its GROUP BY) instead of one more per grouping.
        grouped = rows.group_by(**keys) if keys else rows
        keyed = tuple(f"_k{i}" in keys for i in range(len(groupings)))
        return SplitFunnels(
            [grouped.aggregate(**summed, **collected)],
            len(groupings),
            tuple(summed),
            gathered=gathered,
            keyed=keyed,
        )
    finest = rows.group_by(**keys).aggregate(**summed) if keys else rows.aggregate(**summed)
    sets: list[tuple[str, ...]] = [
        (f"_k{i}",) if f"_k{i}" in keys else () for i in range(len(groupings))
    ]
    if dialect.grouping_sets and keys and _distinct(list(keys.values()), sets):
        # The rest of every grouping in one scan (GROUPING SETS): the cohort's rows are
        # filtered and flagged once instead of once per grouping.
        query = GroupingSetsQuery(rows.group_by(**keys).aggregate(**rest), tuple(keys), tuple(sets))
        markers = tuple(query.marker(s) for s in sets)
        return SplitFunnels([finest, query], len(groupings), tuple(summed), markers)
    queries: list[ir.Table | GroupingSetsQuery] = [
        _aggregate(rows, keys.get(f"_k{index}"), rest) for index in range(len(groupings))
    ]
    return SplitFunnels([finest, *queries], len(groupings), tuple(summed))


def _distinct(keys: list[ir.Value], sets: list[tuple[str, ...]]) -> bool:
    """No two groupings alike (the same key twice could be taken for one grouping set)."""
    return len(set(sets)) == len(sets) and not any(
        a.equals(b) for i, a in enumerate(keys) for b in keys[i + 1 :]
    )
