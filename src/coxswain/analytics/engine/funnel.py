"""The opportunity funnel: how far deals got, where they stopped, and how long they stayed.

A deal *reached* an open stage when it entered it or any later open stage, or when it was
won (a won deal went through every open stage). The furthest stage comes from the stage
history; when history is sparse (Maven: no dated history for the first stage, only
"entered Engaging" then "won/lost"), the stage *position* fills the gap: a deal now in
stage k reached every stage before k. A lost deal with no history is taken to have been
lost in the first stage.

Per open stage k of a pipeline, over a cohort of deals:

- ``reached``: deals that reached k (and their value);
- ``open_here``: deals open in k now; ``lost_here``: lost with k their furthest stage;
- ``advanced``: deals that got past k (reached the next open stage, or won after the last);
- ``conversion = advanced ÷ (reached − open_here)`` and ``drop_off = lost_here ÷ (reached −
  open_here)``: among deals that left k, the share that moved on and the share lost there
  (deals still in k have not had their chance yet, so they are not in the denominator);
- time in stage: days from entering k to the next stage change (completed visits only,
  summed over re-entries), as mean, median and 90th percentile.

Cohorts: ``created`` — deals created in the period; ``active`` — deals open at any time in
the period (created by its end, not closed before its start).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import ibis
import ibis.expr.types as ir

from coxswain.analytics.engine.catalog import MeasureContext, Window
from coxswain.analytics.engine.dimensions import NONE_LABEL, Dimension, Fact, group_key, label
from coxswain.analytics.engine.expressions import Dialect, count_where, within
from coxswain.analytics.engine.gathered import Gathered, gather, share_quantiles
from coxswain.analytics.engine.model import LOST, OPEN, WON, StageInfo


class Cohort(StrEnum):
    CREATED = "created"
    ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class FunnelStage:
    stage: str
    position: int
    reached: int
    reached_value: float
    open_here: int
    lost_here: int
    advanced: int
    conversion: float | None
    drop_off: float | None
    days_mean: float | None
    days_median: float | None
    days_p90: float | None
    timed: int

    @property
    def exited(self) -> int:
        """Deals that left the stage (moved on or were lost there)."""
        return self.reached - self.open_here


@dataclass(frozen=True, slots=True)
class Funnel:
    """One pipeline's funnel for one cohort (and one group when grouped)."""

    pipeline: str
    cohort: Cohort
    group: str | None
    deals: int
    won: int
    won_value: float
    lost: int
    stages: tuple[FunnelStage, ...]

    @property
    def overall_conversion(self) -> float | None:
        """Won ÷ deals that reached the first stage."""
        first = self.stages[0].reached if self.stages else 0
        return self.won / first if first else None

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None

    def stage(self, position: int) -> FunnelStage | None:
        return next((s for s in self.stages if s.position == position), None)


def open_stages(stages: Sequence[StageInfo], pipeline: str) -> list[StageInfo]:
    return sorted(
        (s for s in stages if s.pipeline == pipeline and s.category == OPEN),
        key=lambda s: s.position,
    )


def in_cohort(deals: ir.Table, window: Window, cohort: Cohort) -> ir.BooleanValue:
    """Whether a deal is in the cohort for ``window`` (see the module docstring)."""
    start, end = window.period.start_day, window.period.end_day
    if cohort is Cohort.CREATED:
        return within(deals.created_day, start, end)
    created = deals.created_day.isnull() | (deals.created_day <= end)
    not_closed_before = deals.closed_day.isnull() | (deals.closed_day >= start)
    dated_or_open = deals.created_day.notnull() | (deals.status == OPEN)
    return created & not_closed_before & dated_or_open


def cohort_rows(deals: ir.Table, window: Window, cohort: Cohort) -> ir.Table:
    return deals.filter(in_cohort(deals, window, cohort))


def _stage_measures(
    t: ir.Table, k: int, nxt: int | None, c: MeasureContext, prefix: str, detail: bool
) -> dict[str, Any]:
    days = t[f"days_p{k}"]
    advanced = (t.max_open_position >= nxt) if nxt is not None else t.status == WON
    reached = t.max_open_position >= k
    measures = {
        f"{prefix}reached_{k}": c.count(reached),
        f"{prefix}open_{k}": c.count((t.status == OPEN) & (t.stage_position == k)),
        f"{prefix}lost_{k}": c.count((t.status == LOST) & (t.max_open_position == k)),
        f"{prefix}advanced_{k}": c.count(reached & advanced),
        f"{prefix}median_{k}": c.quantile(days, 0.5),
        f"{prefix}timed_{k}": c.count(days.notnull()),
    }
    if detail:
        measures[f"{prefix}value_{k}"] = c.sum(t.amount, reached)
        measures[f"{prefix}mean_{k}"] = c.mean(days, days.notnull())
        measures[f"{prefix}p90_{k}"] = c.quantile(days, 0.9)
    return measures


def _window_measures(
    t: ir.Table, positions: Sequence[int], c: MeasureContext, prefix: str, detail: bool
) -> dict[str, Any]:
    measures: dict[str, Any] = {
        f"{prefix}deals": c.count(),
        f"{prefix}won": c.count(t.status == WON),
        f"{prefix}won_value": c.sum(t.amount, t.status == WON),
        f"{prefix}lost": c.count(t.status == LOST),
    }
    for i, k in enumerate(positions):
        nxt = positions[i + 1] if i + 1 < len(positions) else None
        measures.update(_stage_measures(t, k, nxt, c, prefix, detail))
    return measures


def _rows_and_measures(
    deals: ir.Table,
    stages: Sequence[StageInfo],
    pipeline: str,
    windows: Sequence[Window],
    cohort: Cohort,
    dialect: Dialect,
    detail: bool,
) -> tuple[ir.Table, dict[str, Any]]:
    positions = [s.position for s in open_stages(stages, pipeline)]
    rows = deals.filter(deals.pipeline == pipeline)
    flags = {f"_in{i}": in_cohort(rows, w, cohort) for i, w in enumerate(windows)}
    anywhere = ibis.or_(*flags.values())
    # Flags computed once per row: aggregates then filter on a boolean column each.
    rows = rows.filter(anywhere).mutate(**flags)
    measures: dict[str, Any] = {}
    for index, window in enumerate(windows):
        context = MeasureContext(dialect, window, rows[f"_in{index}"], rows)
        measures.update(_window_measures(rows, positions, context, f"w{index}_", detail))
    return rows, measures


def _key(rows: ir.Table, dimension: Dimension | None, column: str | None) -> ir.Value | None:
    """The group key of a grouping by ``dimension`` (display names) or a model ``column``;
    ``None`` for the whole."""
    if column is not None:
        return rows[column].cast("string").coalesce(NONE_LABEL)
    if dimension is None:
        return None
    return group_key(rows, Fact.DEALS, dimension, "created_day").cast("string")


def funnel_query(
    deals: ir.Table,
    stages: Sequence[StageInfo],
    pipeline: str,
    windows: Sequence[Window],
    cohort: Cohort,
    dialect: Dialect,
    dimension: Dimension | None = None,
    column: str | None = None,
    detail: bool = True,
) -> ir.Table:
    """One row per group with every stage's counts, values and times, for every window
    (columns prefixed ``w<i>_``), in one pass over the pipeline's deals.

    Groups by ``dimension`` (display names) or, for internal peer groups, by a model
    ``column``; by neither, one row. Without ``detail``, values, mean and 90th percentile
    times are left out (the bottleneck analysis reads counts and medians only).
    """
    rows, measures = _rows_and_measures(deals, stages, pipeline, windows, cohort, dialect, detail)
    return _aggregate(rows, _key(rows, dimension, column), measures)


def gathered_funnel_query(
    deals: ir.Table,
    stages: Sequence[StageInfo],
    pipeline: str,
    windows: Sequence[Window],
    cohort: Cohort,
    dialect: Dialect,
    dimension: Dimension | None = None,
    column: str | None = None,
    detail: bool = True,
) -> tuple[ir.Table, Gathered | None]:
    """:func:`funnel_query` with each stage's median and 90th percentile time from one
    collection of its times: on SQLite (``Dialect.gathers``) the values, on DuckDB and
    PostgreSQL (``Dialect.shares_quantiles``) both quantiles by one aggregate. The rows
    then get their quantiles from :meth:`Gathered.fill_groups` (``None``: nothing to do)."""
    rows, measures = _rows_and_measures(deals, stages, pipeline, windows, cohort, dialect, detail)
    gathered = None
    if dialect.gathers:
        measures, gathered = gather(measures, wholes=False)
    elif dialect.shares_quantiles:
        measures, gathered = share_quantiles(measures)
    return _aggregate(rows, _key(rows, dimension, column), measures), gathered


def _aggregate(rows: ir.Table, key: ir.Value | None, measures: dict[str, Any]) -> ir.Table:
    """``measures`` per ``_group`` of ``key``, or over every row (``_group`` NULL)."""
    if key is None:
        return rows.aggregate(**measures).mutate(_group=ibis.null("string"))
    return rows.group_by(_group=key).aggregate(**measures)


Grouping = tuple[Dimension | None, str | None]  # by a dimension, a model column, or neither


def _num(row: Mapping[str, Any], key: str) -> float | None:
    value = row.get(key)
    return None if value is None else float(value)


def _int(row: Mapping[str, Any], key: str) -> int:
    value = row.get(key)
    return 0 if value is None else int(value)


def funnel_from_row(
    row: Mapping[str, Any],
    stages: Sequence[StageInfo],
    pipeline: str,
    cohort: Cohort,
    dimension: Dimension | None = None,
    grouped: bool = False,
) -> Funnel:
    """Turn one window's columns (prefix already stripped) of a result row of
    :func:`funnel_query` into a :class:`Funnel`."""
    out = []
    for info in open_stages(stages, pipeline):
        k = info.position
        reached, open_here = _int(row, f"reached_{k}"), _int(row, f"open_{k}")
        exited = reached - open_here
        advanced, lost = _int(row, f"advanced_{k}"), _int(row, f"lost_{k}")
        out.append(
            FunnelStage(
                stage=info.stage,
                position=k,
                reached=reached,
                reached_value=_num(row, f"value_{k}") or 0.0,
                open_here=open_here,
                lost_here=lost,
                advanced=advanced,
                conversion=advanced / exited if exited > 0 else None,
                drop_off=lost / exited if exited > 0 else None,
                days_mean=_num(row, f"mean_{k}"),
                days_median=_num(row, f"median_{k}"),
                days_p90=_num(row, f"p90_{k}"),
                timed=_int(row, f"timed_{k}"),
            )
        )
    group = row.get("_group")
    return Funnel(
        pipeline=pipeline,
        cohort=cohort,
        group=label(dimension, group) if dimension is not None or grouped else None,
        deals=_int(row, "deals"),
        won=_int(row, "won"),
        won_value=_num(row, "won_value") or 0.0,
        lost=_int(row, "lost"),
        stages=tuple(out),
    )


def funnels_by_window(
    rows: Sequence[Mapping[str, Any]],
    stages: Sequence[StageInfo],
    pipeline: str,
    cohort: Cohort,
    dimension: Dimension | None = None,
    grouped: bool = False,
    windows: int = 1,
) -> dict[int, list[Funnel]]:
    """Funnels by window index, one per group with deals in that window's cohort."""
    out: dict[int, list[Funnel]] = {}
    for row in rows:
        for index in range(windows):
            prefix = f"w{index}_"
            part = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}
            if not part.get("deals"):
                continue
            part["_group"] = row.get("_group")
            funnel = funnel_from_row(part, stages, pipeline, cohort, dimension, grouped)
            out.setdefault(index, []).append(funnel)
    for funnels in out.values():
        funnels.sort(key=lambda f: f.group or "")
    return out


def main_pipeline(stages: Sequence[StageInfo], counts: Mapping[str, int]) -> str | None:
    """The pipeline with the most deals (ties: by name); ``None`` without open stages."""
    candidates = sorted({s.pipeline for s in stages if s.category == OPEN})
    if not candidates:
        return None
    return max(candidates, key=lambda p: (counts.get(p, 0), [-ord(ch) for ch in p]))


def speed_queries(
    deals: ir.Table,
    stages: Sequence[StageInfo],
    pipeline: str,
    window: Window,
    cohort: Cohort,
    dialect: Dialect,
) -> tuple[ir.Table, Callable[[Mapping[str, Any]], ir.Table]]:
    """Queries for time-in-stage against outcome, per open stage of ``pipeline``.

    The first returns each stage's 25th percentile of days in stage over the cohort's
    closed deals (``p25_<k>``); given that row, the second counts closed deals below the
    threshold (``fast``) and the rest, won and closed, per stage.
    """
    positions = [s.position for s in open_stages(stages, pipeline)]
    rows = cohort_rows(deals.filter(deals.pipeline == pipeline), window, cohort)
    closed = rows.filter(rows.status.isin([WON, LOST]))
    thresholds = closed.aggregate(
        **{
            f"p25_{k}": dialect.quantile(closed[f"days_p{k}"], 0.25, closed[f"days_p{k}"].notnull())
            for k in positions
        }
    )

    def outcomes(threshold_row: Mapping[str, Any]) -> ir.Table:
        measures: dict[str, Any] = {"closed_deals": closed.count()}
        for k in positions:
            days = closed[f"days_p{k}"]
            limit = threshold_row.get(f"p25_{k}")
            fast = days.notnull() & (days < (limit if limit is not None else -1.0))
            rest = days.notnull() & ~fast
            won = closed.status == WON
            measures[f"fast_won_{k}"] = count_where(fast & won)
            measures[f"fast_closed_{k}"] = count_where(fast)
            measures[f"rest_won_{k}"] = count_where(rest & won)
            measures[f"rest_closed_{k}"] = count_where(rest)
        return closed.aggregate(**measures)

    return thresholds, outcomes
