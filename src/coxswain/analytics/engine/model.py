"""From the canonical tables to the analysis model: one wide row per deal, lead and activity.

What is decided here, once for every engine:

- a deal's **rep** is its owner's full name, its **team** the owner's team, its **region**
  the owner's region (else the team's), its **territory** the account's country, followed by
  `` / state`` when the account has a state (until a territories domain exists), its
  **segment** the account's segment (else the owner's team's);
- a deal's **status** is its stage's category (open / won / lost), never the stage name;
- a deal was **created** on ``opened_day``, else ``engaged_day`` when the source only knows
  when it was engaged (Maven);
- **amount** is in the reporting currency, converted at the rate of the deal's date: the
  close date for closed deals, else the creation date, else the expected close date;
- **stage history** per deal: the furthest open stage it entered (``max_open_position``)
  and the days spent in each open stage (from first entering it to first moving past it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from coxswain.analytics.engine.expressions import SECONDS_PER_DAY, attach, day_of_instant
from coxswain.analytics.engine.money import RateCalendar
from coxswain.core.enums import SELLING_ACTIVITY_TYPES, StageCategory

OPEN = StageCategory.OPEN.value
WON = StageCategory.WON.value
LOST = StageCategory.LOST.value


@dataclass(frozen=True, slots=True)
class StageInfo:
    """One stage of one pipeline (the small ``stages`` table, read into memory)."""

    pipeline: str
    stage: str
    position: int
    category: str


@dataclass
class Model:
    """The analysis model: Ibis tables every KPI, funnel and bottleneck query reads.

    The deal tables are built (and stored) on first use: ``deals`` for KPIs, which need no
    stage history, and ``funnel_deals`` (deals with their history, the most expensive table
    to build on large data) for funnels and bottlenecks. A caller that will read both (the
    dashboard) calls :meth:`include_history` first: one table with the history then serves
    both, instead of storing the deals and then a copy of them with the history.
    ``deal_days`` (creation and close day of every deal, never stored) is for cheap questions
    such as the data's last day.
    """

    leads: ir.Table
    activities: ir.Table
    stages: tuple[StageInfo, ...]
    deal_days: ir.Table
    build_deals: Callable[[], ir.Table]
    build_funnel_deals: Callable[[ir.Table | None], ir.Table]
    build_deal_products: Callable[[ir.Table], ir.Table]
    _deals: ir.Table | None = None
    _funnel_deals: ir.Table | None = None
    _deal_products: ir.Table | None = None

    @property
    def deals(self) -> ir.Table:
        if self._deals is None:
            self._deals = self.build_deals()
        return self._deals

    @property
    def funnel_deals(self) -> ir.Table:
        if self._funnel_deals is None:
            self._funnel_deals = self.build_funnel_deals(self._deals)
            if self._deals is None:
                self._deals = self._funnel_deals
        return self._funnel_deals

    @property
    def deal_products(self) -> ir.Table:
        if self._deal_products is None:
            self._deal_products = self.build_deal_products(self.deals)
        return self._deal_products

    def include_history(self) -> None:
        """Build the deals with their stage history now, when they are not built yet, so
        that ``deals`` and ``funnel_deals`` are one table."""
        if self._deals is None:
            _ = self.funnel_deals

    def open_positions(self, pipeline: str | None = None) -> list[int]:
        """Positions of open stages (of ``pipeline``, or of any pipeline), ascending."""
        return sorted(
            {
                s.position
                for s in self.stages
                if s.category == OPEN and (pipeline is None or s.pipeline == pipeline)
            }
        )


def territory(country: ir.StringValue, state: ir.StringValue) -> ir.StringValue:
    """``Country / State`` when a state is known, else the country (NULL when neither)."""
    has_state = state.notnull() & (state.length() > 0)
    return has_state.ifelse(country.coalesce("") + " / " + state, country)


def _owners(tables: Mapping[str, ir.Table]) -> ir.Table:
    users, teams = tables["users"], tables["teams"]
    named_teams = teams.select("team_id", "team", team_region="region", team_segment="segment")
    joined = attach(users, named_teams, ["team_id"])
    return joined.select(
        owner_id=joined.user_id,
        rep=joined.full_name,
        team=joined.team,
        region=joined.region.coalesce(joined.team_region),
        team_segment=joined.team_segment,
    )


def _converted(deals: ir.Table, calendar: RateCalendar, rates: ir.Table | None) -> ir.Table:
    """Add ``factor`` (reporting per local unit) and ``amount`` (reporting major units)."""
    is_reporting = deals.currency == calendar.reporting
    if rates is None or calendar.first_day is None or calendar.last_day is None:
        factor = is_reporting.ifelse(1.0, ibis.null("float64"))
        with_factor = deals.mutate(factor=factor, rate_extrapolated=False)
    else:
        rate_day = deals.closed_day.coalesce(
            deals.created_day, deals.expected_close_day, calendar.last_day
        )
        clamped = ibis.greatest(ibis.least(rate_day, calendar.last_day), calendar.first_day)
        keyed = deals.mutate(_rate_day=clamped)
        joined = keyed.left_join(
            rates,
            (keyed.currency == rates.currency) & (keyed._rate_day == rates.day),
        )
        factor = is_reporting.ifelse(1.0, joined.factor)
        with_factor = joined.select(
            *[joined[c] for c in deals.columns],
            factor=factor.cast("float64"),
            rate_extrapolated=(~is_reporting & joined.extrapolated.coalesce(False)),
        )
    return with_factor.mutate(amount=with_factor.amount_local * with_factor.factor)


NEVER = 2**62  # a day or instant later than any real one


def _least(values: Sequence[ir.IntegerValue]) -> ir.IntegerValue:
    """The smallest non-NULL value (NULL when all are NULL), the same on every engine.

    NULLs become a sentinel first: SQLite's MIN(a, b) is NULL as soon as one argument is,
    and nesting CASE expressions instead would grow the SQL exponentially.
    """
    if len(values) == 1:
        return values[0]  # SQLite's one-argument MIN() is the *aggregate*
    smallest = ibis.least(*[v.coalesce(NEVER) for v in values])
    return smallest.nullif(NEVER)


def build_stage_history(tables: Mapping[str, ir.Table], stages: Sequence[StageInfo]) -> ir.Table:
    """Per deal: the furthest open stage entered and the days spent in each open stage.

    Days in stage k = the first time the deal moved past k (entered a later open stage or
    closed) after it first entered k, minus that first entry. Computed with one group-by
    (the first entry into each stage) instead of a window over the whole history: for
    histories that only move forward it equals the sum of the stage's visits, and it is
    several times cheaper on large histories.
    """
    positions = sorted({s.position for s in stages if s.category == OPEN})
    names = [s.stage for s in stages]
    if len(names) == len(set(names)):
        # Stage names unique across pipelines (the usual case): no need to look up each
        # change's pipeline through its deal, a join as large as the history itself.
        info = tables["stages"].drop("pipeline")
        changes = attach(tables["stage_changes"], info, ["stage"])
    else:
        deals = tables["deals"].select("deal_id", "pipeline")
        changes = attach(tables["stage_changes"], deals, ["deal_id"])
        changes = attach(changes, tables["stages"], ["pipeline", "stage"])
    changes = changes.filter(changes.position.notnull())
    is_open = changes.category == OPEN
    entries = {
        f"_in{p}": (is_open & (changes.position == p))
        .ifelse(changes.changed_s, ibis.null("int64"))
        .min()
        for p in positions
    }
    closed = (~is_open).ifelse(changes.changed_s, ibis.null("int64")).min()
    firsts = changes.group_by("deal_id").aggregate(
        history_open_position=is_open.ifelse(changes.position, ibis.null("int64")).max(),
        _closed=closed,
        **entries,
    )
    days = {}
    for index, p in enumerate(positions):
        entered = firsts[f"_in{p}"]
        later = [firsts[f"_in{q}"] for q in positions[index + 1 :]] + [firsts._closed]
        after = [ibis.cases((v > entered, v), else_=ibis.null("int64")) for v in later]
        days[f"days_p{p}"] = (_least(after) - entered).cast("float64") / SECONDS_PER_DAY
    return firsts.select("deal_id", "history_open_position", **days)


def _recurring(tables: Mapping[str, ir.Table]) -> ir.Table:
    """Per deal: the local-currency total of its line items for recurring products."""
    items, products = tables["deal_products"], tables["products"]
    recurring_ids = products.filter(products.is_recurring).select("product_id")
    recurring = items.filter(items.product_id.isin(recurring_ids.product_id))
    return recurring.group_by("deal_id").aggregate(recurring_local=recurring.amount_local.sum())


def _furthest_open(deals: ir.Table, stages: Sequence[StageInfo]) -> ir.IntegerValue:
    """The furthest open stage position a deal reached (see the module docstring)."""
    last_open: dict[str, int] = {}
    first_open: dict[str, int] = {}
    for s in stages:
        if s.category == OPEN:
            last_open[s.pipeline] = max(last_open.get(s.pipeline, s.position), s.position)
            first_open[s.pipeline] = min(first_open.get(s.pipeline, s.position), s.position)
    won_position = deals.pipeline.cases(*last_open.items(), else_=ibis.null("int64"))
    floor = deals.pipeline.cases(*first_open.items(), else_=ibis.null("int64"))
    current = ibis.cases(
        (deals.status == OPEN, deals.stage_position),
        (deals.status == WON, won_position),
        else_=ibis.null("int64"),
    )
    furthest = ibis.greatest(current.coalesce(floor), deals.history_open_position.coalesce(floor))
    return furthest.cast("int64")


def created_day(deals: ir.Table) -> ir.IntegerValue:
    """A deal's creation day: when it was opened, else when it was engaged."""
    return deals.opened_day.coalesce(deals.engaged_day)


def build_deal_days(tables: Mapping[str, ir.Table]) -> ir.Table:
    """Each deal's ``created_day`` and ``closed_day`` straight from the canonical deals."""
    deals = tables["deals"]
    return deals.select(created_day=created_day(deals), closed_day=deals.closed_day)


def build_deals(
    tables: Mapping[str, ir.Table], calendar: RateCalendar, rates: ir.Table | None
) -> ir.Table:
    """The wide deal table (see the module docstring for every column's rule), without
    stage history (see :func:`with_history`)."""
    deals, accounts = tables["deals"], tables["accounts"]
    owners = _owners(tables)
    stage_table = tables["stages"].rename(stage_position="position", status="category")
    joined = attach(deals, owners, ["owner_id"])
    joined = attach(joined, accounts.rename(account_segment="segment"), ["account_id"])
    joined = attach(joined, stage_table, ["pipeline", "stage"])
    base = joined.mutate(
        territory=territory(joined.country, joined.state),
        segment=joined.account_segment.coalesce(joined.team_segment),
        created_day=created_day(joined),
    ).drop("account_segment", "state", "opened_day")
    converted = _converted(attach(base, _recurring(tables), ["deal_id"]), calendar, rates)
    return converted.mutate(
        recurring_amount=converted.recurring_local.coalesce(0.0) * converted.factor
    ).drop("recurring_local")


def with_history(deals: ir.Table, history: ir.Table, stages: Sequence[StageInfo]) -> ir.Table:
    """Deals with their stage history: ``max_open_position`` and ``days_p<k>`` columns."""
    joined = attach(deals, history, ["deal_id"])
    return joined.mutate(max_open_position=_furthest_open(joined, stages))


def build_deal_products(tables: Mapping[str, ir.Table], deals: ir.Table) -> ir.Table:
    """Line items with the product's name and the line total in the reporting currency."""
    items, products = tables["deal_products"], tables["products"]
    joined = attach(items, products, ["product_id"])
    joined = attach(joined, deals.select("deal_id", "factor"), ["deal_id"])
    return joined.select(
        "deal_id",
        product=joined.product.coalesce("(unknown product)"),
        family=joined.family,
        is_recurring=joined.is_recurring.coalesce(False),
        line_amount=joined.amount_local * joined.factor,
    )


def build_leads(tables: Mapping[str, ir.Table]) -> ir.Table:
    """Leads with their owner's rep/team/region and the lead's own territory and segment."""
    leads = tables["leads"]
    joined = attach(leads, _owners(tables).drop("team_segment"), ["owner_id"])
    return joined.mutate(
        territory=territory(joined.country, joined.state),
        received_day=day_of_instant(joined.received_s),
    ).drop("state")


def build_activities(tables: Mapping[str, ir.Table]) -> ir.Table:
    """Activities with their owner's rep/team/region and whether they are selling time."""
    activities = tables["activities"]
    joined = attach(activities, _owners(tables).drop("team_segment"), ["owner_id"])
    selling = sorted(t.value for t in SELLING_ACTIVITY_TYPES)
    return joined.mutate(
        occurred_day=day_of_instant(joined.occurred_s),
        is_selling=joined.activity_type.isin(selling),
        duration_minutes=joined.duration_minutes.coalesce(0),
    )


Materialize = Callable[[str, ir.Table], ir.Table]


def rate_rows(calendar: RateCalendar) -> dict[str, list[object]]:
    """The rate calendar as columns (``currency``, ``day``, ``factor``, ``extrapolated``)."""
    columns: list[list[object]] = [[], [], [], []]
    for row in calendar.rows:
        for index, value in enumerate(row):
            columns[index].append(value)
    return dict(zip(("currency", "day", "factor", "extrapolated"), columns, strict=True))


RATE_SCHEMA = {"currency": "string", "day": "int64", "factor": "float64", "extrapolated": "boolean"}


def build_model(
    tables: Mapping[str, ir.Table],
    calendar: RateCalendar,
    stages: Sequence[StageInfo],
    *,
    rates: ir.Table | None = None,
    materialize: Materialize | None = None,
    stored: Sequence[str] = ("deals", "funnel_deals", "leads", "activities"),
) -> Model:
    """Every model table over ``tables``.

    ``rates`` is the rate calendar as a table on the same engine (see :func:`rate_rows`;
    ``None`` when the calendar is empty). ``materialize(name, expr)`` may store a model
    table (a temporary table) so later queries read it instead of recomputing the joins;
    only the tables named in ``stored`` are stored (line items never are: only product
    filters and groupings read them).
    """
    keep: Materialize = materialize or (lambda _name, expr: expr)

    def maybe(name: str, expr: ir.Table) -> ir.Table:
        return keep(f"cx_{name}", expr) if name in stored else expr

    def deals() -> ir.Table:
        return maybe("deals", build_deals(tables, calendar, rates))

    def funnel_deals(built: ir.Table | None) -> ir.Table:
        history = build_stage_history(tables, stages)
        if built is not None:
            return maybe("funnel_deals", with_history(built, history, stages))
        # The deals are not built yet: this one table serves as both (see Model).
        both = with_history(build_deals(tables, calendar, rates), history, stages)
        store = "deals" in stored or "funnel_deals" in stored
        return keep("cx_funnel_deals", both) if store else both

    return Model(
        leads=maybe("leads", build_leads(tables)),
        activities=maybe("activities", build_activities(tables)),
        stages=tuple(stages),
        deal_days=build_deal_days(tables),
        build_deals=deals,
        build_funnel_deals=funnel_deals,
        build_deal_products=lambda built: build_deal_products(tables, built),
    )
