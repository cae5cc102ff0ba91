"""What the analytics use cases (``service.py``) share: data-quality notes, report meta,
KPIs and funnel sets, each also as :data:`~coxswain.analytics.engine.steps.Steps` so the
dashboard can interleave its sections' queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import ibis
from babel import Locale
from babel.numbers import format_compact_currency

from coxswain.analytics.engine.compute import KpiRequest, KpiValue, kpi_steps
from coxswain.analytics.engine.dimensions import Dimension, Fact
from coxswain.analytics.engine.expressions import count_where
from coxswain.analytics.engine.funnel import (
    Cohort,
    Funnel,
    funnel_from_row,
    funnels_by_window,
    gathered_funnel_query,
    main_pipeline,
)
from coxswain.analytics.engine.funnel_split import split_funnel_queries
from coxswain.analytics.engine.gathered import Gathered
from coxswain.analytics.engine.steps import Steps, drive
from coxswain.analytics.errors import AnalyticsRequestError
from coxswain.analytics.providers import providers
from coxswain.analytics.requests import Resolved
from coxswain.analytics.schemas import Meta
from coxswain.analytics.workspace import Workspace


def _quality_notes(ws: Workspace) -> tuple[str, ...]:
    run = ws.runner("data quality")
    notes: tuple[str, ...] = drive(_quality_steps(ws), lambda batch: [run(q) for q in batch])
    return notes


def _quality_steps(ws: Workspace) -> Steps[tuple[str, ...]]:
    """The data-quality notes (computed once per workspace)."""
    if "quality" not in ws.cache:
        (rows,) = yield [_quality_query(ws)]
        ws.cache["quality"] = _quality_from_row(ws, rows[0])
    notes: tuple[str, ...] = ws.cache["quality"]
    return notes


def _quality_query(ws: Workspace) -> ibis.Table:
    deals = ws.model.deals
    return deals.aggregate(
        unconverted=count_where(deals.amount.isnull()),
        extrapolated=count_where(deals.rate_extrapolated),
        undated=count_where(deals.created_day.isnull()),
        negative=count_where(deals.closed_day < deals.created_day),
        unstaged=count_where(deals.status.isnull()),
    )


def _quality_from_row(ws: Workspace, row: dict[str, Any]) -> tuple[str, ...]:
    notes = []
    if row["unconverted"]:
        notes.append(
            f"{row['unconverted']} deals have no exchange rate to "
            f"{ws.reporting_currency} and are left out of money KPIs"
        )
    if row["extrapolated"]:
        notes.append(
            f"{row['extrapolated']} deals predate their currency's first rate and "
            f"were converted at that first rate"
        )
    if row["undated"]:
        notes.append(
            f"{row['undated']} deals have no creation date: they count in open "
            f"pipeline but not in created or cycle KPIs"
        )
    if row["negative"]:
        notes.append(
            f"{row['negative']} deals close before they were created and are left out of cycle KPIs"
        )
    if row["unstaged"]:
        notes.append(f"{row['unstaged']} deals are in a stage unknown to their pipeline")
    return tuple(notes)


def _meta(ws: Workspace, resolved: Resolved, by: Dimension | None, notes: bool = True) -> Meta:
    previous = resolved.previous
    return Meta(
        period=resolved.period,
        previous=None if previous is None else previous.period,
        as_of=resolved.as_of,
        currency=ws.reporting_currency,
        engine=ws.source.engine,
        source=ws.source.location,
        by=by,
        filters={d.value: v for d, v in resolved.filters.active().items()},
        notes=_quality_notes(ws) if notes else (),
    )


def _kpis(
    ws: Workspace,
    resolved: Resolved,
    by: Dimension | None,
    slugs: Sequence[str] | None,
    *,
    overall: bool = True,
) -> list[KpiValue]:
    return drive(_kpi_steps(ws, resolved, by, slugs, overall=overall), ws.batch_runner("kpis"))


def _kpi_steps(
    ws: Workspace,
    resolved: Resolved,
    by: Dimension | None,
    slugs: Sequence[str] | None,
    *,
    overall: bool = True,
) -> Steps[list[KpiValue]]:
    request = KpiRequest(
        resolved.windows, resolved.filters, by, tuple(slugs) if slugs else None, overall
    )
    return kpi_steps(ws.model, ws.dialect, request, providers(ws, resolved.filters))


def _pipeline(ws: Workspace, wanted: str | None) -> str:
    names = sorted({s.pipeline for s in ws.model.stages})
    if wanted is not None:
        match = next((n for n in names if n.casefold() == wanted.casefold()), None)
        if match is None:
            raise AnalyticsRequestError(
                f"--pipeline {wanted!r}: no such pipeline; expected one of: {', '.join(names)}"
            )
        return match
    if "pipelines" not in ws.cache:
        deals = ws.model.deals
        rows = ws.run(deals.group_by("pipeline").aggregate(n=deals.count()), "pipelines")
        ws.cache["pipelines"] = {
            str(r["pipeline"]): int(r["n"]) for r in rows if r["pipeline"] is not None
        }
    counts: dict[str, int] = ws.cache["pipelines"]
    chosen = main_pipeline(ws.model.stages, counts)
    if chosen is None:
        raise AnalyticsRequestError("no pipeline with open stages: nothing to draw a funnel of")
    return chosen


FunnelSpec = tuple[Cohort, Dimension | None, str | None, bool]  # cohort, by, column, detail


def _funnel_set(
    ws: Workspace, resolved: Resolved, pipeline: str, specs: Sequence[FunnelSpec]
) -> list[dict[int, list[Funnel]]]:
    """The funnels of each spec: their queries built one by one while the previous run."""
    label = f"funnel {', '.join(s[2] or (s[1].value if s[1] else 'all') for s in specs)}"
    return drive(_funnel_set_steps(ws, resolved, pipeline, specs), ws.batch_runner(label))


def _funnel_set_steps(
    ws: Workspace,
    resolved: Resolved,
    pipeline: str,
    specs: Sequence[FunnelSpec],
) -> Steps[list[dict[int, list[Funnel]]]]:
    """:func:`_funnel_set` as steps (one batch)."""
    deals = resolved.filters.apply(ws.model.funnel_deals, Fact.DEALS, ws.model.deal_products)
    stages, windows = ws.model.stages, resolved.windows
    cohorts, details = {s[0] for s in specs}, {s[3] for s in specs}
    splits = ws.dialect.name in ("duckdb", "sqlite")
    if splits and len(specs) > 1 and len(cohorts) == len(details) == 1:
        # One scan for every grouping's counts (see split_funnel_queries); elsewhere
        # (PostgreSQL, Spark) one query per grouping as before. On SQLite (no grouping
        # sets) the rest of each grouping is one query of its own: 5 queries of the 4
        # bottleneck funnels at 1M deals took 28.0 s against 33.8 s for one per grouping.
        split = split_funnel_queries(
            deals,
            stages,
            pipeline,
            windows,
            specs[0][0],
            ws.dialect,
            [(by, column) for _, by, column, _ in specs],
            specs[0][3],
        )
        results = split.rows((yield split.queries))
    else:
        built: list[Gathered | None] = []

        def queries() -> Iterator[ibis.Table]:  # built one by one while the previous run
            for cohort, by, column, detail in specs:
                query, gathered = gathered_funnel_query(
                    deals, stages, pipeline, windows, cohort, ws.dialect, by, column, detail
                )
                built.append(gathered)
                yield query

        results = yield queries()
        for gathered, rows in zip(built, results, strict=True):
            if gathered is not None:
                gathered.fill_groups(rows)
    funnels = [
        funnels_by_window(
            found, stages, pipeline, c, by, grouped=col is not None, windows=len(windows)
        )
        for (c, by, col, _), found in zip(specs, results, strict=True)
    ]
    return funnels


def _first_or_empty(
    ws: Workspace, funnels: dict[int, list[Funnel]], pipeline: str, cohort: Cohort
) -> Funnel:
    """The current window's funnel, or an empty one (every count 0) when no deal is in the
    cohort (a period after the data, a rep without deals)."""
    found = funnels.get(0)
    return found[0] if found else funnel_from_row({}, ws.model.stages, pipeline, cohort)


def money_formatter(currency: str):  # type: ignore[no-untyped-def]
    locale = Locale.parse("en_US")  # (parsed once: a third of each call's time)

    def money(value: float) -> str:
        return str(format_compact_currency(value, currency, locale=locale, fraction_digits=1))

    return money
