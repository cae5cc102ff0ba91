"""Pipeline and retention KPIs over the deal scopes: pipeline created, open pipeline, sales
velocity, renewal churn, recurring revenue and customer lifetime value.

Every formula is written out in ``docs/metrics.md`` with a worked example.
"""

from __future__ import annotations

from coxswain.analytics.engine.catalog import Kpi, MeasureView, Unit, ratio, register_kpi
from coxswain.analytics.engine.kpis_deals import closed_pair

PIPELINE, RETENTION = "Pipeline", "Retention"


def _velocity(m: MeasureView) -> float | None:
    """Open deals × win rate × average deal size ÷ mean cycle (money per day)."""
    win_rate = ratio(m["closed.won"], (m["closed.won"] or 0) + (m["closed.lost"] or 0))
    deal_size = ratio(m["closed.won_value"], m["closed.won"])
    cycle = m["closed.cycle_won_mean"]
    open_deals = m["open_at_end.deals"]
    if win_rate is None or deal_size is None or open_deals is None or not cycle:
        return None
    return open_deals * win_rate * deal_size / cycle


def _clv(m: MeasureView) -> float | None:
    """Recurring won value per customer ÷ renewal churn rate."""
    lost, won = m["closed.renewals_lost"], m["closed.renewals_won"]
    churn = ratio(lost, (won or 0) + (lost or 0))
    per_customer = ratio(m["closed.recurring_won_value"], m["closed.recurring_customers"])
    return ratio(per_customer, churn)


for _kpi in (
    Kpi(
        "created_deals",
        "Deals created",
        Unit.COUNT,
        PIPELINE,
        "count of deals created in the period",
        ("created",),
        lambda m: m["created.deals"],
    ),
    Kpi(
        "created_value",
        "Pipeline created",
        Unit.MONEY,
        PIPELINE,
        "Σ amount of deals created in the period",
        ("created",),
        lambda m: m["created.value"],
    ),
    Kpi(
        "open_deals",
        "Open deals",
        Unit.COUNT,
        PIPELINE,
        "deals open at the end of the period",
        ("open_at_end",),
        lambda m: m["open_at_end.deals"],
        higher_is_better=None,
    ),
    Kpi(
        "open_pipeline_value",
        "Open pipeline",
        Unit.MONEY,
        PIPELINE,
        "Σ amount of deals open at the end of the period",
        ("open_at_end",),
        lambda m: m["open_at_end.value"],
    ),
    Kpi(
        "sales_velocity",
        "Sales velocity",
        Unit.MONEY_PER_DAY,
        PIPELINE,
        "open deals at period end × win rate × average deal size ÷ mean sales cycle (days)",
        ("open_at_end", "closed"),
        _velocity,
        time_groupable=False,
    ),
    Kpi(
        "churn_rate",
        "Renewal churn rate",
        Unit.RATIO,
        RETENTION,
        "renewals lost ÷ renewals closed (won + lost) in the period",
        ("closed",),
        closed_pair("renewals_lost", "renewals_won"),
        higher_is_better=False,
    ),
    Kpi(
        "revenue_churn_rate",
        "Revenue churn rate",
        Unit.RATIO,
        RETENTION,
        "renewal value lost ÷ renewal value closed in the period",
        ("closed",),
        closed_pair("renewal_lost_value", "renewal_won_value"),
        higher_is_better=False,
    ),
    Kpi(
        "recurring_won_value",
        "Recurring revenue won",
        Unit.MONEY,
        RETENTION,
        "Σ recurring-product line value of deals won in the period",
        ("closed",),
        lambda m: m["closed.recurring_won_value"],
    ),
    Kpi(
        "customer_lifetime_value",
        "Customer lifetime value",
        Unit.MONEY,
        RETENTION,
        "(recurring won value ÷ customers with recurring wins) ÷ renewal churn rate",
        ("closed",),
        _clv,
    ),
):
    register_kpi(_kpi)
