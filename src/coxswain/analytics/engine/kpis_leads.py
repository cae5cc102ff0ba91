"""Lead and activity KPIs: new leads, conversion through the lead funnel, response time,
selling time.

A lead *reached* a lifecycle step when that step's timestamp, or a later step's, is set
(a lead converted straight from MQL still counts as accepted and qualified).
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
    ratio,
    register_kpi,
    register_scope,
)
from coxswain.analytics.engine.dimensions import Fact
from coxswain.analytics.engine.expressions import within
from coxswain.core.enums import LeadStatus

LEADS, ACTIVITY = "Leads", "Activity"
STEPS = ("mql_s", "accepted_s", "qualified_s", "converted_s")


def reached(t: ir.Table, step: str) -> ir.BooleanValue:
    """The lead reached ``step`` (or any later step) of MQL → accepted → qualified →
    converted. ``converted`` also counts a lead whose status says so without a timestamp."""
    later = STEPS[STEPS.index(step) :]
    condition = t.status == LeadStatus.CONVERTED.value
    for column in later:
        condition = condition | t[column].notnull()
    return condition


def response_hours(t: ir.Table) -> ir.FloatingValue:
    """Hours from a lead's arrival to its first touch."""
    return (t.first_touch_s - t.received_s).cast("float64") / 3600


def _responded(t: ir.Table) -> ir.BooleanValue:
    return t.first_touch_s.notnull() & t.received_s.notnull() & (t.first_touch_s >= t.received_s)


def _response_quantile(q: float) -> Measure:
    def expr(t: ir.Table, c: MeasureContext) -> ir.Scalar:
        return c.quantile(response_hours(t), q, _responded(t))

    return Measure(f"response_p{round(q * 100)}", expr, empty=None)


register_scope(
    Scope(
        "leads",
        Fact.LEADS,
        "received_day",
        lambda t, w: within(t.received_day, w.period.start_day, w.period.end_day),
        (
            Measure("new", lambda _t, c: c.count()),
            Measure("mql", lambda t, c: c.count(reached(t, "mql_s"))),
            Measure("accepted", lambda t, c: c.count(reached(t, "accepted_s"))),
            Measure("qualified", lambda t, c: c.count(reached(t, "qualified_s"))),
            Measure("converted", lambda t, c: c.count(reached(t, "converted_s"))),
            Measure(
                "response_mean",
                lambda t, c: c.mean(response_hours(t), _responded(t)),
                empty=None,
            ),
            _response_quantile(0.5),
            _response_quantile(0.9),
        ),
    )
)

register_scope(
    Scope(
        "activities",
        Fact.ACTIVITIES,
        "occurred_day",
        lambda t, w: within(t.occurred_day, w.period.start_day, w.period.end_day),
        (
            Measure("selling_minutes", lambda t, c: c.sum(t.duration_minutes, t.is_selling)),
            Measure("logged_minutes", lambda t, c: c.sum(t.duration_minutes)),
            Measure("reps", lambda t, c: c.nunique(t.owner_id)),
        ),
    )
)


def _step_rate(numerator: str, denominator: str):  # type: ignore[no-untyped-def]
    def compute(m: MeasureView) -> float | None:
        return ratio(m[f"leads.{numerator}"], m[f"leads.{denominator}"])

    return compute


def _selling_hours(m: MeasureView) -> float | None:
    minutes, reps = m["activities.selling_minutes"], m["activities.reps"]
    per_rep = ratio(minutes, reps)
    return None if per_rep is None else per_rep / 60 / m.window.period.weeks


for _kpi in (
    Kpi(
        "new_leads",
        "New leads",
        Unit.COUNT,
        LEADS,
        "count of leads received in the period",
        ("leads",),
        lambda m: m["leads.new"],
    ),
    Kpi(
        "new_leads_per_week",
        "New leads per week",
        Unit.COUNT,
        LEADS,
        "new leads ÷ (days in the period ÷ 7)",
        ("leads",),
        lambda m: ratio(m["leads.new"], m.window.period.weeks),
    ),
    Kpi(
        "new_leads_per_month",
        "New leads per month",
        Unit.COUNT,
        LEADS,
        "new leads ÷ months in the period",
        ("leads",),
        lambda m: ratio(m["leads.new"], m.window.period.months),
    ),
    Kpi(
        "lead_conversion_rate",
        "Lead conversion rate",
        Unit.RATIO,
        LEADS,
        "leads received in the period that converted to an opportunity ÷ leads received",
        ("leads",),
        _step_rate("converted", "new"),
    ),
    Kpi(
        "lead_to_mql_rate",
        "Lead → MQL",
        Unit.RATIO,
        LEADS,
        "leads received that reached MQL ÷ leads received",
        ("leads",),
        _step_rate("mql", "new"),
    ),
    Kpi(
        "mql_to_accepted_rate",
        "MQL → accepted",
        Unit.RATIO,
        LEADS,
        "leads that reached accepted ÷ leads that reached MQL (received in the period)",
        ("leads",),
        _step_rate("accepted", "mql"),
    ),
    Kpi(
        "accepted_to_qualified_rate",
        "Accepted → qualified",
        Unit.RATIO,
        LEADS,
        "leads that reached qualified ÷ leads that reached accepted (received in the period)",
        ("leads",),
        _step_rate("qualified", "accepted"),
    ),
    Kpi(
        "qualified_to_converted_rate",
        "Qualified → converted",
        Unit.RATIO,
        LEADS,
        "leads converted ÷ leads that reached qualified (received in the period)",
        ("leads",),
        _step_rate("converted", "qualified"),
    ),
    Kpi(
        "lead_response_hours_mean",
        "Lead response time (mean)",
        Unit.HOURS,
        LEADS,
        "mean hours from arrival to first touch, leads received in the period",
        ("leads",),
        lambda m: m["leads.response_mean"],
        higher_is_better=False,
    ),
    Kpi(
        "lead_response_hours_median",
        "Lead response time (median)",
        Unit.HOURS,
        LEADS,
        "median hours from arrival to first touch, leads received in the period",
        ("leads",),
        lambda m: m["leads.response_p50"],
        higher_is_better=False,
    ),
    Kpi(
        "lead_response_hours_p90",
        "Lead response time (p90)",
        Unit.HOURS,
        LEADS,
        "90th percentile of hours from arrival to first touch",
        ("leads",),
        lambda m: m["leads.response_p90"],
        higher_is_better=False,
    ),
    Kpi(
        "selling_hours_per_rep_week",
        "Selling hours per rep-week",
        Unit.HOURS,
        ACTIVITY,
        "selling minutes (calls, e-mails, meetings) ÷ 60 ÷ reps with activity ÷ weeks",
        ("activities",),
        _selling_hours,
    ),
    Kpi(
        "selling_time_share",
        "Selling share of logged time",
        Unit.RATIO,
        ACTIVITY,
        "selling minutes ÷ all logged minutes in the period",
        ("activities",),
        lambda m: ratio(m["activities.selling_minutes"], m["activities.logged_minutes"]),
    ),
    Kpi(
        "logged_hours",
        "Logged hours",
        Unit.HOURS,
        ACTIVITY,
        "all logged activity minutes in the period ÷ 60",
        ("activities",),
        lambda m: ratio(m["activities.logged_minutes"], 60),
    ),
):
    register_kpi(_kpi)
