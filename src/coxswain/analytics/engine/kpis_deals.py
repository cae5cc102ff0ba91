"""Deal KPIs: win and close rates, revenue, deal size, cycle, velocity, growth, churn.

Every formula is written out in ``docs/metrics.md`` with a worked example.
"""

from __future__ import annotations

import ibis.expr.types as ir

from coxswain.analytics.engine.catalog import (
    Kpi,
    Measure,
    MeasureContext,
    MeasureView,
    Scope,
    Unit,
    Window,
    ratio,
    register_kpi,
    register_scope,
)
from coxswain.analytics.engine.dimensions import Fact
from coxswain.analytics.engine.expressions import within
from coxswain.analytics.engine.model import LOST, OPEN, WON
from coxswain.analytics.engine.periods import day_number, growth_windows

RENEWAL = "renewal"


def _cycle(t: ir.Table) -> ir.IntegerValue:
    """Sales cycle in days: close date minus creation date."""
    return t.closed_day - t.created_day


def _valid_cycle(t: ir.Table) -> ir.BooleanValue:
    """Deals whose cycle is known and not negative (a close before creation is an error)."""
    return t.created_day.notnull() & t.closed_day.notnull() & (t.closed_day >= t.created_day)


def _cycle_quantile(q: float, won_only: bool) -> Measure:
    def expr(t: ir.Table, c: MeasureContext) -> ir.Scalar:
        where = _valid_cycle(t) & (t.status == WON) if won_only else _valid_cycle(t)
        return c.quantile(_cycle(t), q, where)

    kind = "won" if won_only else "closed"
    return Measure(f"cycle_{kind}_p{round(q * 100)}", expr, empty=None)


def _closed(t: ir.Table, w: Window) -> ir.BooleanValue:
    """Won or lost with the close date in the period."""
    return t.status.isin([WON, LOST]) & within(t.closed_day, w.period.start_day, w.period.end_day)


def _renewal(t: ir.Table, status: str) -> ir.BooleanValue:
    return (t.status == status) & (t.deal_type == RENEWAL)


CLOSED = register_scope(
    Scope(
        "closed",
        Fact.DEALS,
        "closed_day",
        _closed,
        (
            Measure("won", lambda t, c: c.count(t.status == WON)),
            Measure("lost", lambda t, c: c.count(t.status == LOST)),
            Measure("won_value", lambda t, c: c.sum(t.amount, t.status == WON)),
            Measure("lost_value", lambda t, c: c.sum(t.amount, t.status == LOST)),
            Measure(
                "cycle_won_mean",
                lambda t, c: c.mean(_cycle(t), _valid_cycle(t) & (t.status == WON)),
                empty=None,
            ),
            _cycle_quantile(0.5, True),
            _cycle_quantile(0.9, True),
            Measure(
                "cycle_closed_mean", lambda t, c: c.mean(_cycle(t), _valid_cycle(t)), empty=None
            ),
            _cycle_quantile(0.5, False),
            _cycle_quantile(0.9, False),
            Measure("renewals_won", lambda t, c: c.count(_renewal(t, WON))),
            Measure("renewals_lost", lambda t, c: c.count(_renewal(t, LOST))),
            Measure("renewal_won_value", lambda t, c: c.sum(t.amount, _renewal(t, WON))),
            Measure("renewal_lost_value", lambda t, c: c.sum(t.amount, _renewal(t, LOST))),
            Measure("recurring_won_value", lambda t, c: c.sum(t.recurring_amount, t.status == WON)),
            Measure(
                "recurring_customers",
                lambda t, c: c.nunique(t.account_id, (t.status == WON) & (t.recurring_amount > 0)),
            ),
        ),
    )
)


def _created(t: ir.Table, w: Window) -> ir.BooleanValue:
    return within(t.created_day, w.period.start_day, w.period.end_day)


CREATED = register_scope(
    Scope(
        "created",
        Fact.DEALS,
        "created_day",
        _created,
        (
            Measure("deals", lambda _t, c: c.count()),
            Measure("value", lambda t, c: c.sum(t.amount)),
            Measure("won", lambda t, c: c.count(t.status == WON)),
        ),
    )
)


def open_on(t: ir.Table, as_of: int) -> ir.BooleanValue:
    """Open on day ``as_of``: created by then (or undated and open now), and open now or
    closed after it."""
    created = t.created_day.isnull() | (t.created_day <= as_of)
    still_open = (t.status == OPEN) | (t.closed_day.notnull() & (t.closed_day > as_of))
    undated_ok = t.created_day.notnull() | (t.status == OPEN)
    return created & still_open & undated_ok


OPEN_AT_END = register_scope(
    Scope(
        "open_at_end",
        Fact.DEALS,
        "expected_close_day",
        lambda t, w: open_on(t, day_number(w.as_of)),
        (
            Measure("deals", lambda _t, c: c.count()),
            Measure("value", lambda t, c: c.sum(t.amount)),
        ),
    )
)


def _growth_rows(t: ir.Table, w: Window) -> ir.BooleanValue:
    windows = growth_windows(w.period.end)
    start, end = windows.year[1].start_day, windows.month[0].end_day
    return (t.status == WON) & within(t.closed_day, start, end)


def _won_in(position: int, which: str) -> Measure:
    def expr(t: ir.Table, c: MeasureContext) -> ir.Scalar:
        period = getattr(growth_windows(c.window.period.end), which)[position]
        return c.sum(t.amount, within(t.closed_day, period.start_day, period.end_day))

    return Measure(f"{which}_{'current' if position == 0 else 'previous'}", expr)


GROWTH = register_scope(
    Scope(
        "growth",
        Fact.DEALS,
        "closed_day",
        _growth_rows,
        tuple(_won_in(p, which) for which in ("month", "quarter", "year") for p in (0, 1)),
    )
)


def _growth(which: str):  # type: ignore[no-untyped-def]
    def compute(m: MeasureView) -> float | None:
        current, previous = m[f"growth.{which}_current"], m[f"growth.{which}_previous"]
        if current is None or previous is None:
            return None
        return ratio(current - previous, previous)

    return compute


def _per(measure: str, length: str):  # type: ignore[no-untyped-def]
    def compute(m: MeasureView) -> float | None:
        return ratio(m[measure], getattr(m.window.period, length))

    return compute


def closed_pair(a: str, b: str):  # type: ignore[no-untyped-def]
    def compute(m: MeasureView) -> float | None:
        return ratio(m[f"closed.{a}"], (m[f"closed.{a}"] or 0) + (m[f"closed.{b}"] or 0))

    return compute


REVENUE = "Revenue"

for _kpi in (
    Kpi(
        "won_value",
        "Won revenue",
        Unit.MONEY,
        REVENUE,
        "Σ amount of deals won with close date in the period",
        ("closed",),
        lambda m: m["closed.won_value"],
    ),
    Kpi(
        "won_deals",
        "Deals won",
        Unit.COUNT,
        REVENUE,
        "count of deals won with close date in the period",
        ("closed",),
        lambda m: m["closed.won"],
    ),
    Kpi(
        "lost_deals",
        "Deals lost",
        Unit.COUNT,
        REVENUE,
        "count of deals lost with close date in the period",
        ("closed",),
        lambda m: m["closed.lost"],
        higher_is_better=False,
    ),
    Kpi(
        "win_rate",
        "Win rate",
        Unit.RATIO,
        REVENUE,
        "won ÷ (won + lost), deals closed in the period",
        ("closed",),
        closed_pair("won", "lost"),
    ),
    Kpi(
        "win_rate_value",
        "Win rate by value",
        Unit.RATIO,
        REVENUE,
        "won value ÷ (won value + lost value), deals closed in the period",
        ("closed",),
        closed_pair("won_value", "lost_value"),
    ),
    Kpi(
        "close_rate",
        "Close rate",
        Unit.RATIO,
        REVENUE,
        "deals created in the period and won (by now) ÷ deals created in the period",
        ("created",),
        lambda m: ratio(m["created.won"], m["created.deals"]),
    ),
    Kpi(
        "avg_deal_size",
        "Average deal size",
        Unit.MONEY,
        REVENUE,
        "won value ÷ deals won, closed in the period",
        ("closed",),
        lambda m: ratio(m["closed.won_value"], m["closed.won"]),
    ),
    Kpi(
        "sales_cycle_days_mean",
        "Sales cycle (mean)",
        Unit.DAYS,
        REVENUE,
        "mean of close date − creation date over won deals closed in the period",
        ("closed",),
        lambda m: m["closed.cycle_won_mean"],
        higher_is_better=False,
    ),
    Kpi(
        "sales_cycle_days_median",
        "Sales cycle (median)",
        Unit.DAYS,
        REVENUE,
        "median of close date − creation date over won deals closed in the period",
        ("closed",),
        lambda m: m["closed.cycle_won_p50"],
        higher_is_better=False,
    ),
    Kpi(
        "sales_cycle_days_p90",
        "Sales cycle (p90)",
        Unit.DAYS,
        REVENUE,
        "90th percentile of close date − creation date, won deals closed in the period",
        ("closed",),
        lambda m: m["closed.cycle_won_p90"],
        higher_is_better=False,
    ),
    Kpi(
        "closed_cycle_days_mean",
        "Cycle, all closed (mean)",
        Unit.DAYS,
        REVENUE,
        "mean of close date − creation date over won and lost deals closed in the period",
        ("closed",),
        lambda m: m["closed.cycle_closed_mean"],
        higher_is_better=False,
    ),
    Kpi(
        "closed_cycle_days_median",
        "Cycle, all closed (median)",
        Unit.DAYS,
        REVENUE,
        "median of close date − creation date over won and lost deals closed in the period",
        ("closed",),
        lambda m: m["closed.cycle_closed_p50"],
        higher_is_better=False,
    ),
    Kpi(
        "closed_cycle_days_p90",
        "Cycle, all closed (p90)",
        Unit.DAYS,
        REVENUE,
        "90th percentile of close − creation date, won and lost deals closed in the period",
        ("closed",),
        lambda m: m["closed.cycle_closed_p90"],
        higher_is_better=False,
    ),
    Kpi(
        "won_value_per_month",
        "Won revenue per month",
        Unit.MONEY,
        REVENUE,
        "won value ÷ months in the period",
        ("closed",),
        _per("closed.won_value", "months"),
    ),
    Kpi(
        "won_value_per_day",
        "Won revenue per day",
        Unit.MONEY,
        REVENUE,
        "won value ÷ calendar days in the period",
        ("closed",),
        _per("closed.won_value", "days"),
    ),
    Kpi(
        "revenue_growth_mom",
        "Revenue growth MoM",
        Unit.RATIO,
        REVENUE,
        "(won in last complete month M − won in M−1) ÷ won in M−1",
        ("growth",),
        _growth("month"),
        time_groupable=False,
    ),
    Kpi(
        "revenue_growth_qoq",
        "Revenue growth QoQ",
        Unit.RATIO,
        REVENUE,
        "(won in last complete quarter − won in the quarter before) ÷ the quarter before",
        ("growth",),
        _growth("quarter"),
        time_groupable=False,
    ),
    Kpi(
        "revenue_growth_yoy",
        "Revenue growth YoY",
        Unit.RATIO,
        REVENUE,
        "(won in the 12 months ending M − won in the 12 months before) ÷ the 12 before",
        ("growth",),
        _growth("year"),
        time_groupable=False,
    ),
):
    register_kpi(_kpi)
