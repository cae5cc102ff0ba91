"""A straightforward pandas implementation of the analytics dashboard, for comparison.

The same definitions as ``coxswain.analytics`` (docs/metrics.md), written the way an
analyst would in a notebook: read the Parquet extract, join, convert currencies with
``merge_asof``, then group by. It computes every KPI for the period and the previous one,
overall and by rep, the monthly trends and the funnel with time in stage, so the figures
in ``bench_analytics.py`` compare like with like. A handful of its numbers are checked
against the engine's there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SELLING = {"call", "email", "meeting"}
EPOCH = np.datetime64("1970-01-01", "D")


def _days(series: pd.Series) -> pd.Series:
    """Dates or timestamps as integer day numbers (NaN when missing)."""
    values = pd.to_datetime(series, utc=True).dt.tz_localize(None)
    return (values - pd.Timestamp("1970-01-01")).dt.days


def _seconds(series: pd.Series) -> pd.Series:
    values = pd.to_datetime(series, utc=True)
    return (values - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()


@dataclass
class Frames:
    deals: pd.DataFrame
    leads: pd.DataFrame
    activities: pd.DataFrame
    changes: pd.DataFrame
    open_positions: list[int]


def load(folder: Path, reporting: str = "USD") -> Frames:
    """Read and join the extract the straightforward way."""
    read = lambda name, cols=None: pd.read_parquet(folder / f"{name}.parquet", columns=cols)  # noqa: E731
    users = read("users", ["external_id", "full_name", "team", "region"])
    teams = read("teams", ["external_id", "name", "region", "segment"])
    owners = users.merge(
        teams, left_on="team", right_on="external_id", how="left", suffixes=("", "_team")
    )
    owners = owners.assign(region=owners["region"].fillna(owners["region_team"]))[
        ["external_id", "full_name", "name", "region"]
    ].rename(columns={"external_id": "owner", "full_name": "rep", "name": "team_name"})
    stages = read("stages", ["pipeline", "name", "position", "category"])
    deals = read(
        "opportunities",
        [
            "external_id",
            "owner",
            "account",
            "pipeline",
            "stage",
            "amount",
            "currency",
            "type",
            "opened_on",
            "engaged_on",
            "closed_on",
            "expected_close_on",
        ],
    )
    deals = deals.merge(owners, on="owner", how="left").merge(
        stages.rename(columns={"name": "stage"}), on=["pipeline", "stage"], how="left"
    )
    deals["created_day"] = _days(deals["opened_on"]).fillna(_days(deals["engaged_on"]))
    deals["closed_day"] = _days(deals["closed_on"])
    deals["expected_day"] = _days(deals["expected_close_on"])
    deals["amount"] = deals["amount"].astype("float64")
    deals = _convert(deals, read("exchange_rates"), reporting)
    items = read("line_items", ["opportunity", "product", "quantity", "unit_price", "discount"])
    products = read("products", ["external_id", "is_recurring"])
    items = items.merge(products, left_on="product", right_on="external_id")
    items["line"] = (
        items["quantity"].astype(float)
        * items["unit_price"].astype(float)
        * (1 - items["discount"].astype(float) / 100)
    )
    recurring = items[items["is_recurring"]].groupby("opportunity")["line"].sum()
    deals["recurring"] = deals["external_id"].map(recurring).fillna(0.0) * deals["factor"]
    leads = read(
        "leads",
        [
            "owner",
            "received_at",
            "mql_at",
            "accepted_at",
            "first_touch_at",
            "qualified_at",
            "converted_at",
            "status",
        ],
    ).merge(owners, on="owner", how="left")
    leads["received_day"] = _days(leads["received_at"])
    activities = read("activities", ["owner", "type", "occurred_at", "duration_minutes"]).merge(
        owners, on="owner", how="left"
    )
    activities["occurred_day"] = _days(activities["occurred_at"])
    changes = read("stage_changes", ["opportunity", "to_stage", "changed_at"]).merge(
        stages.rename(columns={"name": "to_stage"}), on="to_stage"
    )
    changes["changed_s"] = _seconds(changes["changed_at"])
    opens = sorted(stages.loc[stages["category"] == "open", "position"].unique().tolist())
    return Frames(deals, leads, activities, changes, opens)


def _convert(deals: pd.DataFrame, rates: pd.DataFrame, reporting: str) -> pd.DataFrame:
    """Amount in the reporting currency at the latest rate on or before the deal's date."""
    rates = rates[rates["quote_currency"] == reporting].copy()
    rates["day"] = _days(rates["effective_on"]).astype("int64")
    rates["rate"] = rates["rate"].astype(float)
    deals["rate_day"] = (
        deals["closed_day"].fillna(deals["created_day"]).fillna(deals["expected_day"])
    )
    deals["rate_day"] = deals["rate_day"].fillna(rates["day"].max()).astype("int64")
    deals = deals.sort_values("rate_day")
    merged = pd.merge_asof(
        deals,
        rates.sort_values("day")[["currency", "day", "rate"]],
        left_on="rate_day",
        right_on="day",
        by="currency",
        direction="backward",
    )
    first = rates.sort_values("day").groupby("currency")["rate"].first()
    merged["factor"] = merged["rate"].fillna(merged["currency"].map(first))
    merged.loc[merged["currency"] == reporting, "factor"] = 1.0
    merged["amount_rep"] = merged["amount"] * merged["factor"]
    return merged


def _within(days: pd.Series, start: int, end: int) -> pd.Series:
    return days.notna() & (days >= start) & (days <= end)


def _group(
    frame: pd.DataFrame, by: str | None, fn: Callable[[pd.DataFrame], dict[str, Any]]
) -> dict[Any, dict[str, Any]]:
    if by is None:
        return {None: fn(frame)}
    return {key: fn(part) for key, part in frame.groupby(by, dropna=False)}


def _deal_kpis(part: pd.DataFrame, start: int, end: int, as_of: int) -> dict[str, Any]:
    closed = part[part["category"].isin(["won", "lost"]) & _within(part["closed_day"], start, end)]
    won = closed[closed["category"] == "won"]
    cycle = (won["closed_day"] - won["created_day"]).dropna()
    cycle = cycle[cycle >= 0]
    created = part[_within(part["created_day"], start, end)]
    open_now = part[
        ((part["created_day"].isna()) | (part["created_day"] <= as_of))
        & ((part["category"] == "open") | (part["closed_day"] > as_of))
    ]
    renewals = closed[closed["type"] == "renewal"]
    churn = (renewals["category"] == "lost").mean() if len(renewals) else None
    won_n, lost_n = len(won), len(closed) - len(won)
    win_rate = won_n / (won_n + lost_n) if won_n + lost_n else None
    avg = won["amount_rep"].sum() / won_n if won_n else None
    mean_cycle = cycle.mean() if len(cycle) else None
    velocity = (
        len(open_now) * win_rate * avg / mean_cycle
        if win_rate is not None and avg is not None and mean_cycle
        else None
    )
    customers = won.loc[won["recurring"] > 0, "account"].nunique()
    return {
        "won_deals": won_n,
        "lost_deals": lost_n,
        "won_value": won["amount_rep"].sum(),
        "win_rate": win_rate,
        "avg_deal_size": avg,
        "sales_cycle_days_mean": mean_cycle,
        "sales_cycle_days_median": cycle.median() if len(cycle) else None,
        "sales_cycle_days_p90": cycle.quantile(0.9) if len(cycle) else None,
        "created_deals": len(created),
        "created_value": created["amount_rep"].sum(),
        "close_rate": (created["category"] == "won").mean() if len(created) else None,
        "open_deals": len(open_now),
        "open_pipeline_value": open_now["amount_rep"].sum(),
        "sales_velocity": velocity,
        "churn_rate": churn,
        "recurring_won_value": won["recurring"].sum(),
        "customer_lifetime_value": (won["recurring"].sum() / customers / churn)
        if customers and churn
        else None,
    }


def _lead_kpis(part: pd.DataFrame, start: int, end: int) -> dict[str, Any]:
    leads = part[_within(part["received_day"], start, end)]
    converted = leads["converted_at"].notna() | (leads["status"] == "converted")
    qualified = converted | leads["qualified_at"].notna()
    accepted = qualified | leads["accepted_at"].notna()
    mql = accepted | leads["mql_at"].notna()
    hours = (_seconds(leads["first_touch_at"]) - _seconds(leads["received_at"])) / 3600
    hours = hours[hours >= 0]
    n = len(leads)
    return {
        "new_leads": n,
        "lead_conversion_rate": converted.mean() if n else None,
        "mql_to_accepted_rate": accepted.sum() / mql.sum() if mql.sum() else None,
        "accepted_to_qualified_rate": qualified.sum() / accepted.sum() if accepted.sum() else None,
        "lead_response_hours_median": hours.median() if len(hours) else None,
    }


def _activity_kpis(part: pd.DataFrame, start: int, end: int) -> dict[str, Any]:
    acts = part[_within(part["occurred_day"], start, end)]
    selling = acts.loc[acts["type"].isin(SELLING), "duration_minutes"].sum()
    logged = acts["duration_minutes"].sum()
    reps = acts["owner"].nunique()
    weeks = (end - start + 1) / 7
    return {
        "selling_time_share": selling / logged if logged else None,
        "selling_hours_per_rep_week": selling / 60 / reps / weeks if reps else None,
    }


def _funnel(frames: Frames, start: int, end: int) -> dict[str, Any]:
    """Time in stage from first entries (the engine's definition) and reach per stage."""
    changes = frames.changes
    first = changes.pivot_table(
        index="opportunity", columns="position", values="changed_s", aggfunc="min"
    )
    closed = changes[changes["category"] != "open"].groupby("opportunity")["changed_s"].min()
    deals = frames.deals.set_index("external_id")
    cohort = deals[_within(deals["created_day"], start, end)]
    out = {}
    for i, k in enumerate(frames.open_positions):
        later = [first[q] for q in frames.open_positions[i + 1 :] if q in first] + [
            closed.reindex(first.index)
        ]
        entered = first[k] if k in first else pd.Series(dtype=float)
        nxt = pd.concat([s.where(s > entered) for s in later], axis=1).min(axis=1)
        days = ((nxt - entered) / 86_400).reindex(cohort.index).dropna()
        out[k] = {"median": days.median(), "p90": days.quantile(0.9), "timed": len(days)}
    return out


def dashboard(
    folder: Path, start: date, end: date, prev: tuple[date, date], as_of: date
) -> dict[str, Any]:
    """Every KPI for the period and the previous one, overall and by rep, monthly won
    revenue and the funnel's time in stage."""
    frames = load(folder)
    day = lambda d: int((np.datetime64(d, "D") - EPOCH).astype(int))  # noqa: E731
    windows = {
        "current": (day(start), day(end), day(as_of)),
        "previous": (day(prev[0]), day(prev[1]), day(prev[1])),
    }
    out: dict[str, Any] = {}
    for name, (s, e, a) in windows.items():
        for by in (None, "rep"):
            out[(name, by, "deals")] = _group(
                frames.deals, by, lambda p, s=s, e=e, a=a: _deal_kpis(p, s, e, a)
            )
            out[(name, by, "leads")] = _group(
                frames.leads, by, lambda p, s=s, e=e: _lead_kpis(p, s, e)
            )
            out[(name, by, "activities")] = _group(
                frames.activities, by, lambda p, s=s, e=e: _activity_kpis(p, s, e)
            )
    won = frames.deals[
        (frames.deals["category"] == "won")
        & _within(frames.deals["closed_day"], day(start), day(end))
    ]
    out["monthly_won"] = won.groupby(pd.to_datetime(won["closed_on"]).dt.strftime("%Y-%m"))[
        "amount_rep"
    ].sum()
    out["funnel"] = _funnel(frames, day(start), day(end))
    return out
