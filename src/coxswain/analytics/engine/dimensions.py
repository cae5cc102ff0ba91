"""What reports can be grouped and filtered by, and the column each fact uses for it.

Group names are display names: the rep's full name, the team's name, a month as
``YYYY-MM``, a quarter as ``YYYY-Qn``, an ISO week as ``YYYY-Www``, a year as ``YYYY``.
A missing value groups under ``(none)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import ibis
import ibis.expr.types as ir

from coxswain.analytics.engine import periods
from coxswain.analytics.engine.expressions import (
    attach,
    month_of_day,
    quarter_of_day,
    week_of_day,
    year_of_day,
)

NONE_LABEL = "(none)"


class Fact(StrEnum):
    """The row kind a KPI counts: deals, leads or activities."""

    DEALS = "deals"
    LEADS = "leads"
    ACTIVITIES = "activities"


class Dimension(StrEnum):
    REP = "rep"
    TEAM = "team"
    REGION = "region"
    TERRITORY = "territory"
    COUNTRY = "country"
    PRODUCT = "product"
    SEGMENT = "segment"
    SOURCE = "source"
    TYPE = "type"
    PIPELINE = "pipeline"
    MONTH = "month"
    QUARTER = "quarter"
    WEEK = "week"
    YEAR = "year"


TIME_DIMENSIONS: frozenset[Dimension] = frozenset(
    {Dimension.MONTH, Dimension.QUARTER, Dimension.WEEK, Dimension.YEAR}
)

# Attribute dimensions: the model column each fact groups and filters by.
ATTRIBUTE_COLUMNS: Mapping[Fact, Mapping[Dimension, str]] = {
    Fact.DEALS: {
        Dimension.REP: "rep",
        Dimension.TEAM: "team",
        Dimension.REGION: "region",
        Dimension.TERRITORY: "territory",
        Dimension.COUNTRY: "country",
        Dimension.SEGMENT: "segment",
        Dimension.SOURCE: "source",
        Dimension.TYPE: "deal_type",
        Dimension.PIPELINE: "pipeline",
    },
    Fact.LEADS: {
        Dimension.REP: "rep",
        Dimension.TEAM: "team",
        Dimension.REGION: "region",
        Dimension.TERRITORY: "territory",
        Dimension.COUNTRY: "country",
        Dimension.SEGMENT: "segment",
        Dimension.SOURCE: "source",
    },
    Fact.ACTIVITIES: {
        Dimension.REP: "rep",
        Dimension.TEAM: "team",
        Dimension.REGION: "region",
    },
}

TIME_KEYS: Mapping[Dimension, Callable[[ir.IntegerValue], ir.IntegerValue]] = {
    Dimension.MONTH: month_of_day,
    Dimension.QUARTER: quarter_of_day,
    Dimension.WEEK: week_of_day,
    Dimension.YEAR: year_of_day,
}

TIME_LABELS: Mapping[Dimension, Callable[[int], str]] = {
    Dimension.MONTH: periods.month_label,
    Dimension.QUARTER: periods.quarter_label,
    Dimension.WEEK: periods.week_label,
    Dimension.YEAR: periods.year_label,
}


def supports(fact: Fact, dimension: Dimension) -> bool:
    """Whether rows of ``fact`` can be grouped or filtered by ``dimension``."""
    if dimension in TIME_DIMENSIONS:
        return True
    if dimension is Dimension.PRODUCT:
        return fact is Fact.DEALS
    return dimension in ATTRIBUTE_COLUMNS[fact]


def group_key(table: ir.Table, fact: Fact, dimension: Dimension, anchor: str) -> ir.Value:
    """The grouping expression: a label column, or an integer index for time dimensions."""
    if dimension in TIME_DIMENSIONS:
        return TIME_KEYS[dimension](table[anchor])
    if dimension is Dimension.PRODUCT:
        return table["product"].coalesce(NONE_LABEL)
    return table[ATTRIBUTE_COLUMNS[fact][dimension]].coalesce(NONE_LABEL)


def label(dimension: Dimension | None, key: object) -> str:
    """The display name of a group key (``None`` → ``(none)``)."""
    if key is None:
        return NONE_LABEL
    if dimension is not None and dimension in TIME_DIMENSIONS:
        return TIME_LABELS[dimension](int(key))  # type: ignore[call-overload]
    return str(key)


def explode_products(deals: ir.Table, deal_products: ir.Table) -> ir.Table:
    """One row per (deal, product) with ``amount`` the product's share of the deal.

    A deal with three products counts once under each; its ``amount`` (and recurring
    amount) become that product's line total, so product groups do not add up to the
    company total when deals mix products. Deals without line items group under ``(none)``.
    """
    lines = deal_products.group_by("deal_id", "product").aggregate(
        line_amount=deal_products.line_amount.sum(),
        line_recurring=deal_products.is_recurring.ifelse(deal_products.line_amount, 0.0).sum(),
    )
    joined = attach(deals, lines, ["deal_id"])
    has_line = joined.product.notnull()
    return joined.mutate(
        amount=has_line.ifelse(joined.line_amount, joined.amount),
        recurring_amount=has_line.ifelse(joined.line_recurring, joined.recurring_amount),
    ).drop("line_amount", "line_recurring")


@dataclass(frozen=True, slots=True)
class Filters:
    """Which rows a report keeps. Each field lists accepted values (empty: no filter).

    ``teams`` must already include every team below a named team (the service expands the
    subtree); ``territories`` match a territory (``Country / State``) or a whole country.
    """

    reps: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    pipelines: tuple[str, ...] = ()

    def active(self) -> dict[Dimension, tuple[str, ...]]:
        """The filters in use, by dimension."""
        given = {
            Dimension.REP: self.reps,
            Dimension.TEAM: self.teams,
            Dimension.REGION: self.regions,
            Dimension.TERRITORY: self.territories,
            Dimension.PRODUCT: self.products,
            Dimension.SEGMENT: self.segments,
            Dimension.SOURCE: self.sources,
            Dimension.TYPE: self.types,
            Dimension.PIPELINE: self.pipelines,
        }
        return {dim: values for dim, values in given.items() if values}

    def unsupported(self, fact: Fact) -> list[Dimension]:
        """Filters that rows of ``fact`` cannot honour (their KPIs are then undefined)."""
        return [dim for dim in self.active() if not supports(fact, dim)]

    def apply(self, table: ir.Table, fact: Fact, deal_products: ir.Table | None) -> ir.Table:
        """``table`` restricted to the rows every supported filter accepts."""
        for dim, values in self.active().items():
            if not supports(fact, dim):
                continue
            table = table.filter(_condition(table, fact, dim, values, deal_products))
        return table


def _condition(
    table: ir.Table,
    fact: Fact,
    dim: Dimension,
    values: tuple[str, ...],
    deal_products: ir.Table | None,
) -> ir.BooleanValue:
    if dim is Dimension.PRODUCT:
        if deal_products is None:
            return ibis.literal(False)
        chosen = deal_products.filter(deal_products["product"].isin(values))
        return table["deal_id"].isin(chosen["deal_id"])
    if dim is Dimension.TERRITORY:
        return table["territory"].isin(values) | table["country"].isin(values)
    if dim in TIME_DIMENSIONS:
        return ibis.literal(True)
    return table[ATTRIBUTE_COLUMNS[fact][dim]].isin(values)
