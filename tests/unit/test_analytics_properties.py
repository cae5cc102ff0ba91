"""Invariants of the KPI and funnel definitions on random small companies (in-memory
DuckDB): groups add up to the whole, rates stay in 0–1, the funnel narrows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coxswain.analytics.engine import schema
from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.periods import Period, day_number
from coxswain.analytics.requests import ReportRequest
from coxswain.analytics.service import funnel_report, kpi_report
from coxswain.analytics.sources.base import AnalyticsSource
from coxswain.analytics.workspace import prepare
from coxswain.core.clock import FixedClock

START = day_number(date(2026, 1, 1))
PERIOD = Period(date(2026, 1, 1), date(2026, 12, 31))
OPEN_STAGES = ["S1", "S2", "S3"]
CLOCK = FixedClock(datetime(2027, 6, 1, tzinfo=UTC))

deal = st.tuples(
    st.sampled_from(["u1", "u2", "u3"]),
    st.sampled_from(["open", "won", "lost"]),
    st.integers(0, 2),  # furthest open stage index
    st.integers(0, 300),  # created, days after START
    st.integers(0, 60),  # days per stage
    st.integers(0, 10_000),  # amount
)


def company(deals: list[tuple[str, str, int, int, int, int]]) -> dict[str, Any]:
    """Canonical tables for ``deals`` (one pipeline, USD only)."""
    rows: dict[str, list[dict[str, Any]]] = {spec.name: [] for spec in schema.CANONICAL}
    for position, name in enumerate([*OPEN_STAGES, "Won", "Lost"], start=1):
        category = {"Won": "won", "Lost": "lost"}.get(name, "open")
        rows["stages"].append(
            {"pipeline": "P", "stage": name, "position": position, "category": category}
        )
    for uid in ("u1", "u2", "u3"):
        rows["users"].append(
            {
                "user_id": uid,
                "full_name": f"Rep {uid}",
                "team_id": "t",
                "region": "R",
                "role": "rep",
            }
        )
    rows["teams"].append(
        {"team_id": "t", "team": "Team", "parent_id": None, "region": "R", "segment": "smb"}
    )
    for index, (owner, status, furthest, created, per_stage, amount) in enumerate(deals):
        deal_id = f"d{index}"
        path = OPEN_STAGES[: furthest + 1] if status != "won" else OPEN_STAGES
        steps = [*path, "Won"] if status == "won" else [*path, "Lost"] if status == "lost" else path
        day = START + created
        for step_number, stage in enumerate(steps):
            rows["stage_changes"].append(
                {
                    "deal_id": deal_id,
                    "stage": stage,
                    "changed_s": (day + step_number * per_stage) * 86_400,
                }
            )
        closed = day + (len(steps) - 1) * per_stage if status != "open" else None
        rows["deals"].append(
            {
                "deal_id": deal_id,
                "owner_id": owner,
                "account_id": None,
                "pipeline": "P",
                "stage": steps[-1],
                "amount_local": float(amount),
                "currency": "USD",
                "deal_type": "new_business",
                "source": "web",
                "opened_day": day,
                "engaged_day": None,
                "closed_day": closed,
                "expected_close_day": None,
            }
        )
    return {
        spec.name: ibis.memtable(rows[spec.name], schema=ibis.schema(dict(spec.columns)))
        if rows[spec.name]
        else spec.empty()
        for spec in schema.CANONICAL
    }


def workspace(deals: list[tuple[str, str, int, int, int, int]]) -> Any:
    backend = ibis.duckdb.connect()
    tables = {}
    for name, table in company(deals).items():
        backend.con.register("incoming", table.to_pyarrow())
        backend.con.execute(f"CREATE TABLE src_{name} AS SELECT * FROM incoming")
        backend.con.unregister("incoming")
        tables[name] = backend.table(f"src_{name}")
    return prepare(AnalyticsSource("duckdb", backend, tables, "USD", "memory"), clock=CLOCK)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(deal, min_size=1, max_size=25))
def test_groups_add_up_and_rates_stay_in_range(
    deals: list[tuple[str, str, int, int, int, int]],
) -> None:
    ws = workspace(deals)
    slugs = [
        "won_value",
        "won_deals",
        "lost_deals",
        "win_rate",
        "close_rate",
        "sales_cycle_days_median",
    ]
    whole = kpi_report(
        ws, ReportRequest(PERIOD.start, PERIOD.end, None, compare=False), slugs
    ).contract()
    for by in (Dimension.REP, Dimension.MONTH):
        grouped = kpi_report(
            ws, ReportRequest(PERIOD.start, PERIOD.end, by, compare=False), slugs
        ).contract()
        for additive in ("won_value", "won_deals", "lost_deals"):
            assert sum(grouped[additive]["by"].values()) == whole[additive]["value"]
    closed_in_period = [d for d in deals if d[1] != "open"]
    for rate in ("win_rate", "close_rate"):
        value = whole[rate]["value"]
        assert value is None or 0 <= value <= 1
    if whole["won_deals"]["value"] + whole["lost_deals"]["value"] == 0:
        assert whole["win_rate"]["value"] is None
    assert whole["won_deals"]["value"] + whole["lost_deals"]["value"] <= len(closed_in_period)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(deal, min_size=1, max_size=25))
def test_the_funnel_narrows_and_every_exit_is_counted(
    deals: list[tuple[str, str, int, int, int, int]],
) -> None:
    funnel = funnel_report(
        workspace(deals), ReportRequest(PERIOD.start, PERIOD.end, compare=False)
    ).funnel
    reached = [s.reached for s in funnel.stages]
    assert reached == sorted(reached, reverse=True)
    assert reached[0] == funnel.deals
    for stage in funnel.stages:
        assert stage.advanced + stage.lost_here + stage.open_here == stage.reached
        if stage.conversion is not None and stage.drop_off is not None:
            assert abs(stage.conversion + stage.drop_off - 1) < 1e-9
    assert funnel.stages[-1].advanced == funnel.won
