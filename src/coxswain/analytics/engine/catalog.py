"""The KPI catalog: scopes (which rows), measures (Ibis aggregates) and KPIs (formulas).

A KPI is defined once:

- a :class:`Scope` picks the rows for a period (e.g. deals closed in the period) from the
  model tables, as an Ibis expression;
- its :class:`Measure` s aggregate those rows (Ibis aggregate expressions);
- the :class:`Kpi` combines measures with a plain formula (``won ÷ (won + lost)``).

The same scope and measure expressions compile to SQLite, PostgreSQL, DuckDB and Spark SQL,
and the formula runs on the numbers they return, so every engine answers alike.
Other domains add KPIs with :func:`register_kpi` and values computed outside the
engines (e.g. forecast accuracy from stored snapshots) with :func:`register_provider`.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import ibis.expr.types as ir

from coxswain.analytics.engine.dimensions import Dimension, Fact
from coxswain.analytics.engine.expressions import Dialect, count_where, mean_where, sum_where
from coxswain.analytics.engine.model import Model
from coxswain.analytics.engine.periods import Period
from coxswain.analytics.errors import AnalyticsRequestError


class Unit(StrEnum):
    """How a KPI value reads: ``ratio`` is a fraction 0–1, ``money`` reporting major units."""

    RATIO = "ratio"
    MONEY = "money"
    MONEY_PER_DAY = "money_per_day"
    COUNT = "count"
    DAYS = "days"
    HOURS = "hours"
    MULTIPLE = "multiple"


@dataclass(frozen=True, slots=True)
class Window:
    """The period a scope is evaluated for, and the date its "as of" questions use.

    ``as_of`` is the earlier of the period's end and the data's as-of date: "open at the
    end of the period" means open on ``as_of``.
    """

    period: Period
    as_of: date


@dataclass(frozen=True, slots=True)
class MeasureContext:
    """What a measure is computed in: the engine dialect, the window, and the condition
    selecting the scope's rows for that window. Every helper ANDs that condition, so a
    measure reads like a filter on the scope's rows (``c.count(t.status == WON)``) while
    the engine evaluates every scope and window in one pass over the table."""

    dialect: Dialect
    window: Window
    scope: ir.BooleanValue
    table: ir.Table

    def _where(self, condition: ir.BooleanValue | None) -> ir.BooleanValue:
        return self.scope if condition is None else self.scope & condition

    # CASE WHEN inside plain aggregates, not FILTER: DuckDB runs a hundred FILTER clauses
    # several times slower than the same number of CASE expressions.
    def count(self, condition: ir.BooleanValue | None = None) -> ir.Scalar:
        """Rows in scope satisfying ``condition`` (0 for none)."""
        return count_where(self._where(condition))

    def sum(self, value: ir.NumericValue, condition: ir.BooleanValue | None = None) -> ir.Scalar:
        """Sum of ``value`` over rows in scope satisfying ``condition`` (0 for none)."""
        return sum_where(value, self._where(condition))

    def mean(self, value: ir.NumericValue, condition: ir.BooleanValue | None = None) -> ir.Scalar:
        """Mean of ``value`` (NULL for none)."""
        return mean_where(value, self._where(condition))

    def quantile(
        self, value: ir.NumericValue, q: float, condition: ir.BooleanValue | None = None
    ) -> ir.Scalar:
        """Continuous quantile ``q`` of non-NULL ``value`` (NULL for none)."""
        return self.dialect.quantile(value, q, self._where(condition) & value.notnull())

    def nunique(self, value: ir.Value, condition: ir.BooleanValue | None = None) -> ir.Scalar:
        """Distinct non-NULL values (0 for none)."""
        return self.dialect.distinct(value, self._where(condition))


MeasureExpr = Callable[[ir.Table, MeasureContext], ir.Scalar]


@dataclass(frozen=True, slots=True)
class Measure:
    """A named aggregate; ``empty`` is its value for a group without rows."""

    name: str
    expr: MeasureExpr
    empty: float | None = 0.0


@dataclass(frozen=True, slots=True)
class Scope:
    """The rows a family of measures aggregates, for one window.

    Attributes:
        name: used in measure references (``closed.won``).
        fact: the model table the rows come from (decides which filters apply).
        anchor: the day column time dimensions (month, week, ...) group by.
        condition: which rows of the (filtered) fact table are in scope for a window.
        measures: the aggregates computed over those rows.
    """

    name: str
    fact: Fact
    anchor: str
    condition: Callable[[ir.Table, Window], ir.BooleanValue]
    measures: tuple[Measure, ...]


class MeasureView(Mapping[str, float | None]):
    """The measures of one group in one window, by ``scope.measure`` name."""

    def __init__(self, values: Mapping[str, float | None], window: Window) -> None:
        self._values = dict(values)
        self.window = window

    def __getitem__(self, key: str) -> float | None:
        return self._values.get(key)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class PrunedMeasureError(Exception):
    """A formula read a measure its report did not compute (see :func:`measures_read`)."""


class GuardedView(MeasureView):
    """A view that refuses the measures its query left out (``pruned``), so a formula
    that reads one fails instead of seeing the measure's empty default."""

    def __init__(
        self, values: Mapping[str, float | None], window: Window, pruned: frozenset[str]
    ) -> None:
        super().__init__(values, window)
        self._pruned = pruned

    def __getitem__(self, key: str) -> float | None:
        if key in self._pruned:
            raise PrunedMeasureError(key)
        return super().__getitem__(key)


class _RecordingView(MeasureView):
    """A view answering each key with a value of its own (drawn by ``draw``) and
    remembering which keys were read."""

    def __init__(self, draw: Callable[[], float | None], window: Window, read: set[str]) -> None:
        super().__init__({}, window)
        self._draw, self._read, self._answers = draw, read, dict[str, float | None]()
        self.iterated = False

    def __getitem__(self, key: str) -> float | None:
        self._read.add(key)
        if key not in self._answers:
            self._answers[key] = self._draw()
        return self._answers[key]

    def __contains__(self, key: object) -> bool:
        self.iterated = True  # membership tests: treat like iteration (read everything)
        return True

    def __iter__(self):  # type: ignore[no-untyped-def]
        self.iterated = True
        return iter(())


TRACE_VALUES = (None, 0.0, 1.0, -1.0, 2.0, 0.5, 3.0, 1e6, -1e6)
TRACE_RUNS = 64


@functools.lru_cache(maxsize=1024)
def measures_read(
    compute: Callable[[MeasureView], float | None], window: Window
) -> frozenset[str] | None:
    """The ``scope.measure`` keys a KPI formula reads, or ``None`` (read everything).

    Found by running the formula on :data:`TRACE_RUNS` views whose keys answer values
    drawn (with a fixed seed) from :data:`TRACE_VALUES`, so branches on NULLs, zeros,
    signs and orderings are taken. ``None`` when the formula iterates the view or fails.
    This only lets a report leave out measures no formula of it reads: a formula that
    reads a left-out measure anyway hits a :class:`GuardedView` and the report is
    computed again with every measure (``compute_kpis``); the tests check every
    catalogue formula against random views holding only these keys.
    """
    rng = random.Random(20261122)
    read: set[str] = set()
    for _ in range(TRACE_RUNS):
        view = _RecordingView(lambda: rng.choice(TRACE_VALUES), window, read)
        try:
            compute(view)
        except Exception:  # an unknown formula: read everything
            return None
        if view.iterated:
            return None
    return frozenset(read)


@dataclass(frozen=True, slots=True)
class Kpi:
    """One KPI: its slug (the JSON key), how it reads and how it is computed.

    Attributes:
        slug: stable identifier (``win_rate``); part of the JSON contract.
        label: short display name.
        unit: how to read and format the value.
        section: dashboard group (Revenue, Pipeline, Leads, Activity, Forecast).
        formula: the definition in one line, as printed in docs/metrics.md.
        needs: the ``scope`` names (or provider names) whose measures the formula reads.
        compute: the formula over the measures of one group (``None`` when undefined).
        higher_is_better: for colouring period-over-period change (``None``: neutral).
        time_groupable: ``False`` when grouping by month/week/... means nothing (growth
            compares fixed windows; velocity mixes close and expected-close months).
    """

    slug: str
    label: str
    unit: Unit
    section: str
    formula: str
    needs: tuple[str, ...]
    compute: Callable[[MeasureView], float | None]
    higher_is_better: bool | None = True
    time_groupable: bool = True


@dataclass(frozen=True, slots=True)
class ProviderRequest:
    """What a provider is asked for: a window, an optional grouping and the filters used."""

    window: Window
    dimension: Dimension | None
    filters: Mapping[Dimension, tuple[str, ...]]


# A provider returns, per group label (``None`` = the whole), measure name → value.
Provider = Callable[[ProviderRequest], Mapping[str | None, Mapping[str, float | None]]]


SECTION_ORDER = ("Revenue", "Pipeline", "Retention", "Leads", "Activity", "Forecast")


@dataclass
class Catalog:
    """Scopes, KPIs and providers by name, in registration order."""

    scopes: dict[str, Scope] = field(default_factory=dict)
    kpis: dict[str, Kpi] = field(default_factory=dict)
    provider_facts: dict[str, Fact] = field(default_factory=dict)

    def add_scope(self, scope: Scope) -> None:
        self.scopes[scope.name] = scope

    def add_kpi(self, kpi: Kpi) -> None:
        unknown = [n for n in kpi.needs if n not in self.scopes and n not in self.provider_facts]
        if unknown:
            raise ValueError(f"KPI {kpi.slug}: unknown scope(s) {', '.join(unknown)}")
        self.kpis[kpi.slug] = kpi

    def ordered(self) -> list[Kpi]:
        """Every KPI, by section (:data:`SECTION_ORDER`), then in registration order."""
        rank = {name: index for index, name in enumerate(SECTION_ORDER)}
        return sorted(self.kpis.values(), key=lambda k: rank.get(k.section, len(rank)))

    def select(self, slugs: list[str] | None) -> list[Kpi]:
        """The KPIs named in ``slugs`` (all when ``None``), in catalog order."""
        if slugs is None:
            return self.ordered()
        unknown = [s for s in slugs if s not in self.kpis]
        if unknown:
            raise AnalyticsRequestError(
                f"unknown KPI {', '.join(unknown)}; expected one of: {', '.join(self.kpis)}"
            )
        return [k for k in self.ordered() if k.slug in slugs]

    def fact_of(self, need: str) -> Fact:
        if need in self.scopes:
            return self.scopes[need].fact
        return self.provider_facts[need]


CATALOG = Catalog()


def register_scope(scope: Scope) -> Scope:
    CATALOG.add_scope(scope)
    return scope


def register_kpi(kpi: Kpi) -> Kpi:
    """Add a KPI to the catalog (other domains call this at import time)."""
    CATALOG.add_kpi(kpi)
    return kpi


def declare_provider(name: str, fact: Fact) -> None:
    """Declare a measure provider's name so KPIs can list it in ``needs``.

    The provider function itself is bound at run time by the service (it may need the
    database); until one is bound, its measures are ``None`` and its KPIs are null.
    """
    CATALOG.provider_facts[name] = fact


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator ÷ denominator``, ``None`` when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def model_table(model: Model, fact: Fact) -> ir.Table:
    return {Fact.DEALS: model.deals, Fact.LEADS: model.leads, Fact.ACTIVITIES: model.activities}[
        fact
    ]
