"""Evaluate KPIs: one aggregate query per scope (all windows, optionally grouped:
``kpi_queries.py``), then the formulas in Python over the returned measures.

The engine never executes anything itself: the caller passes a :data:`Runner` that runs an
Ibis table expression and returns its rows (the service's, with timing and engine setup).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from coxswain.analytics.engine import (  # noqa: F401  (they register the KPIs)
    kpis_deals,
    kpis_leads,
    kpis_pipeline,
    kpis_targets,
)
from coxswain.analytics.engine.catalog import (
    CATALOG,
    GuardedView,
    Kpi,
    MeasureView,
    Provider,
    ProviderRequest,
    PrunedMeasureError,
    Scope,
    Window,
    measures_read,
)
from coxswain.analytics.engine.dimensions import (
    TIME_DIMENSIONS,
    supports,
)
from coxswain.analytics.engine.expressions import Dialect
from coxswain.analytics.engine.kpi_queries import ROWS, run_scopes
from coxswain.analytics.engine.kpi_request import Groups, KpiRequest, KpiValue, Runner
from coxswain.analytics.engine.model import Model
from coxswain.analytics.engine.steps import BatchRunner, Steps, drive


def _defaults(needs: Sequence[str]) -> dict[str, float | None]:
    defaults: dict[str, float | None] = {}
    for name in needs:
        scope = CATALOG.scopes.get(name)
        if scope is not None:
            for measure in scope.measures:
                defaults[f"{name}.{measure.name}"] = measure.empty
    return defaults


def _run_providers(
    request: KpiRequest, providers: Mapping[str, Provider], names: set[str]
) -> tuple[Groups, Groups]:
    overall: Groups = {}
    grouped: Groups = {}
    active = request.filters.active()
    for name in sorted(names):
        provider = providers.get(name)
        if provider is None:
            continue
        for index, window in enumerate(request.windows):
            for dimension, into in ((None, overall), (request.dimension, grouped)):
                if into is grouped and dimension is None:
                    continue
                answer = provider(ProviderRequest(window, dimension, active))
                for group, measures in answer.items():
                    if (group is None) != (dimension is None):
                        continue
                    target = into.setdefault((index, group), {})
                    target.update({f"{name}.{k}": v for k, v in measures.items()})
    return overall, grouped


def _note(kpi: Kpi, request: KpiRequest) -> str | None:
    facts = {CATALOG.fact_of(n) for n in kpi.needs}
    blocked = sorted({d.value for f in facts for d in request.filters.unsupported(f)})
    if blocked:
        return f"not defined under a {', '.join(blocked)} filter"
    dimension = request.dimension
    if dimension is not None and (
        any(not supports(f, dimension) for f in facts)
        or (dimension in TIME_DIMENSIONS and not kpi.time_groupable)
    ):
        return f"not broken down by {dimension.value}"
    return None


def _has_rows(needs: tuple[str, ...], measures: Mapping[str, float | None]) -> bool:
    """The group has rows in one of the scopes ``needs`` names (or values from one of the
    providers it names)."""
    for need in needs:
        if need in CATALOG.scopes:
            if (measures.get(f"{need}.{ROWS}") or 0) > 0:
                return True
        elif any(key.startswith(f"{need}.") for key in measures):
            return True
    return False


class _Grouped:
    """The grouped measures, with what every KPI asks of them worked out once: each
    window's group names in order, and whether a group has rows for a KPI's needs (KPIs
    with the same needs share the answer)."""

    def __init__(self, grouped: Groups) -> None:
        self.measures = grouped
        self._labels: dict[int, list[str]] = {}
        self._rows: dict[tuple[tuple[str, ...], int, str], bool] = {}

    def labels(self, index: int) -> list[str]:
        found = self._labels.get(index)
        if found is None:
            names = {g for (i, g) in self.measures if i == index and g is not None}
            found = self._labels[index] = sorted(names)
        return found

    def has_rows(self, needs: tuple[str, ...], index: int, group: str) -> bool:
        key = (needs, index, group)
        found = self._rows.get(key)
        if found is None:
            measures = self.measures.get((index, group), {})
            found = self._rows[key] = _has_rows(needs, measures)
        return found


# The measures of one group in one window with a KPI's defaults filled in, by (the KPI's
# needs, window index, group): KPIs with the same needs share one (a view is read-only).
Views = dict[tuple[tuple[str, ...], int, str | None], MeasureView]


def _evaluate(
    kpi: Kpi,
    request: KpiRequest,
    overall: Groups,
    grouped: _Grouped,
    views: Views,
    pruned: frozenset[str] = frozenset(),
) -> KpiValue:
    note = _note(kpi, request)
    values: list[float | None] = []
    by: list[dict[str, float | None]] = []

    def view(index: int, group: str | None, measures: Mapping[str, float | None]) -> MeasureView:
        key = (kpi.needs, index, group)
        found = views.get(key)
        if found is None:
            merged = {**_defaults(kpi.needs), **measures}
            window = request.windows[index]
            found = views[key] = (
                GuardedView(merged, window, pruned) if pruned else MeasureView(merged, window)
            )
        return found

    for index in range(len(request.windows)):
        whole = overall.get((index, None))
        if whole is None or (note is not None and note.startswith("not defined")):
            values.append(None)
        else:
            values.append(kpi.compute(view(index, None, whole)))
        groups: dict[str, float | None] = {}
        if request.dimension is not None and note is None:
            for group in grouped.labels(index):
                if not grouped.has_rows(kpi.needs, index, group):
                    continue
                measures = grouped.measures.get((index, group), {})
                groups[group] = kpi.compute(view(index, group, measures))
        by.append(groups)
    return KpiValue(kpi, tuple(values), tuple(by), note)


def _wanted(kpis: Sequence[Kpi], windows: Sequence[Window]) -> frozenset[str] | None:
    """The measures ``kpis``' formulas read in any window (``None``: all of them)."""
    wanted: set[str] = set()
    for kpi in kpis:
        for window in windows:
            read = measures_read(kpi.compute, window)
            if read is None:
                return None
            wanted |= read
    return frozenset(wanted)


def compute_kpis(
    model: Model,
    dialect: Dialect,
    request: KpiRequest,
    runner: Runner,
    providers: Mapping[str, Provider] | None = None,
    run_all: BatchRunner | None = None,
) -> list[KpiValue]:
    """Evaluate the requested KPIs for every window of ``request``.

    Runs one query per needed scope (two when grouped) through ``run_all`` (all at once)
    or else ``runner`` (one by one); providers (e.g. sales targets, forecast accuracy) are
    called per window and grouping.
    """
    batch = run_all or (lambda queries: [runner(query) for query in queries])
    return drive(kpi_steps(model, dialect, request, providers), batch)


def kpi_steps(
    model: Model,
    dialect: Dialect,
    request: KpiRequest,
    providers: Mapping[str, Provider] | None = None,
) -> Steps[list[KpiValue]]:
    """:func:`compute_kpis` as :data:`Steps`: yields its batch of queries (twice when a
    formula read a measure left out) and returns the KPIs."""
    kpis = CATALOG.select(list(request.slugs) if request.slugs is not None else None)
    needs = {n for kpi in kpis for n in kpi.needs}
    scopes = [s for name, s in CATALOG.scopes.items() if name in needs]
    wanted = _wanted(kpis, request.windows)
    try:
        return (yield from _compute(kpis, request, scopes, model, dialect, providers, wanted))
    except PrunedMeasureError:  # a formula read a measure left out: compute every measure
        return (yield from _compute(kpis, request, scopes, model, dialect, providers, None))


def _compute(
    kpis: Sequence[Kpi],
    request: KpiRequest,
    scopes: Sequence[Scope],
    model: Model,
    dialect: Dialect,
    providers: Mapping[str, Provider] | None,
    wanted: frozenset[str] | None,
) -> Steps[list[KpiValue]]:
    overall, grouped = yield from run_scopes(model, dialect, request, scopes, wanted)
    provider_names = {n for kpi in kpis for n in kpi.needs if n in CATALOG.provider_facts}
    p_overall, p_grouped = _run_providers(request, providers or {}, provider_names)
    for key, measures in p_overall.items():
        overall.setdefault(key, {}).update(measures)
    for key, measures in p_grouped.items():
        grouped.setdefault(key, {}).update(measures)
    pruned = frozenset(
        f"{scope.name}.{measure.name}"
        for scope in scopes
        for measure in scope.measures
        if wanted is not None and f"{scope.name}.{measure.name}" not in wanted
    )
    views: Views = {}
    shared = _Grouped(grouped)
    return [_evaluate(kpi, request, overall, shared, views, pruned) for kpi in kpis]


__all__ = ["KpiRequest", "KpiValue", "Runner", "compute_kpis", "kpi_steps"]
