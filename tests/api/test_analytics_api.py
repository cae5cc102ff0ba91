"""``/kpis``, ``/reports/funnel|bottlenecks`` and ``/forecasts`` per role, on SQLite and
PostgreSQL, with expected values worked out by hand from the deals below.

On top of the test org (``tests/api/org.py``: four open deals of 10,000 USD, opened
2026-10-01, expected 2026-12-15, stage Prospecting, forecast category pipeline) this adds
closes in Q3 2026 (USD, so no conversion)::

    owner      outcome  amount   opened      closed
    rep_a1     won      20,000   2026-07-01  2026-08-10
    rep_a1     lost      5,000   2026-07-15  2026-09-01
    rep_a2     won      30,000   2026-08-01  2026-09-15
    rep_b1     lost      8,000   2026-07-10  2026-08-20
    rep_b1     lost      2,000   2026-08-05  2026-09-05
    manager_a  won      50,000   2026-06-01  2026-07-20

and one open rep_a1 deal of 40,000 in Negotiation (commit), expected 2026-11-30.
Team A is rep_a1, rep_a2 and manager_a; team B is rep_b1 and manager_b; the director
manages the region above both.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from coxswain.db.engine import unit_of_work
from coxswain.opportunities.models import Opportunity, Pipeline, Stage
from tests.api.org import Org
from tests.cli.test_cli import run

Q3 = {"from": "2026-07-01", "to": "2026-09-30"}
CLOSES = (
    ("rep_a1", "won", 20_000, date(2026, 7, 1), date(2026, 8, 10)),
    ("rep_a1", "lost", 5_000, date(2026, 7, 15), date(2026, 9, 1)),
    ("rep_a2", "won", 30_000, date(2026, 8, 1), date(2026, 9, 15)),
    ("rep_b1", "lost", 8_000, date(2026, 7, 10), date(2026, 8, 20)),
    ("rep_b1", "lost", 2_000, date(2026, 8, 5), date(2026, 9, 5)),
    ("manager_a", "won", 50_000, date(2026, 6, 1), date(2026, 7, 20)),
)
# who → (won deals, won value, lost deals, deals created in Q3, value created in Q3)
EXPECTED = {
    "admin": (3, 100_000, 3, 5, 65_000),
    "finance": (3, 100_000, 3, 5, 65_000),
    "director": (3, 100_000, 3, 5, 65_000),
    "manager_a": (3, 100_000, 1, 3, 55_000),
    "manager_b": (0, 0, 2, 2, 10_000),
    "rep_a1": (1, 20_000, 1, 2, 25_000),
    "rep_a2": (1, 30_000, 0, 1, 30_000),
    "rep_b1": (0, 0, 2, 2, 10_000),
}


@pytest.fixture
def deals(engine: Engine, org: Org) -> Org:
    with unit_of_work(engine) as session:
        pipeline = session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)))
        assert pipeline is not None
        stages = {s.name: s for s in session.scalars(select(Stage))}
        for owner, status, amount, opened, closed in CLOSES:
            stage = stages["Closed Won" if status == "won" else "Closed Lost"]
            session.add(_deal(owner, org, pipeline, stage, status, amount, opened, closed))
        negotiation = stages["Negotiation"]
        big = _deal("rep_a1", org, pipeline, negotiation, "open", 40_000, date(2026, 10, 5), None)
        big.expected_close_on = date(2026, 11, 30)
        session.add(big)
    return org


def _deal(
    owner: str,
    org: Org,
    pipeline: Pipeline,
    stage: Stage,
    status: str,
    amount: int,
    opened: date,
    closed: date | None,
) -> Opportunity:
    return Opportunity(
        name=f"{owner} {status} {amount}",
        owner_id=org.users[owner],
        pipeline_id=pipeline.id,
        stage_id=stage.id,
        status=status,
        amount_minor=amount * 100,
        currency="USD",
        forecast_category=stage.forecast_category,
        probability_bp=stage.probability_bp,
        opened_on=opened,
        closed_on=closed,
        expected_close_on=closed,
    )


def _get(client: TestClient, org: Org, who: str, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers=org.headers(who))
    assert response.status_code == 200, (who, path, response.text)
    return response.json()


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_kpis_cover_what_each_role_sees(client: TestClient, deals: Org, who: str) -> None:
    won, won_value, lost, created, created_value = EXPECTED[who]
    kpis = _get(client, deals, who, "/api/v1/kpis", **Q3)
    assert kpis["won_deals"]["value"] == won
    assert kpis["won_value"]["value"] == won_value
    assert kpis["lost_deals"]["value"] == lost
    assert kpis["created_deals"]["value"] == created
    assert kpis["created_value"]["value"] == created_value
    decided = won + lost
    assert kpis["win_rate"]["value"] == round(won / decided, 6)
    expected_avg = round(won_value / won, 2) if won else None
    assert kpis["avg_deal_size"]["value"] == expected_avg
    assert kpis["won_value"]["previous"] in (0, None)  # nothing closed in Q2
    assert kpis["win_rate"]["unit"] == "ratio"
    assert kpis["won_value"]["label"] == "Won revenue"
    assert "by" not in kpis["won_value"]


def test_kpis_by_rep_and_filtered_by_team(client: TestClient, deals: Org) -> None:
    kpis = _get(client, deals, "admin", "/api/v1/kpis", by="rep", kpi=["won_value"], **Q3)
    assert list(kpis) == ["won_value"]
    by_rep = {k: v for k, v in kpis["won_value"]["by"].items() if v}
    assert by_rep == {"Rep A1": 20_000, "Rep A2": 30_000, "Manager A": 50_000}
    team_b = _get(client, deals, "admin", "/api/v1/kpis", team=["Team B"], kpi=["lost_deals"], **Q3)
    assert team_b["lost_deals"]["value"] == 2
    # A rep grouping by rep sees only themself.
    own = _get(client, deals, "rep_a2", "/api/v1/kpis", by="rep", kpi=["won_value"], **Q3)
    assert {k: v for k, v in own["won_value"]["by"].items() if v} == {"Rep A2": 30_000}


def test_kpis_are_the_cli_contract(client: TestClient, deals: Org, database_url: str) -> None:
    api = _get(client, deals, "admin", "/api/v1/kpis", **Q3)
    cli = run("kpis", "--from", Q3["from"], "--to", Q3["to"], "--json", db=database_url)
    assert cli.returncode == 0, cli.stderr
    assert api == json.loads(cli.stdout)


def test_bad_kpi_requests_answer_422(client: TestClient, deals: Org) -> None:
    headers = deals.headers("admin")
    unknown = client.get("/api/v1/kpis", params={"team": "No Such Team"}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "analytics_request_error"
    backwards = client.get("/api/v1/kpis", params={"from": "2026-09-01", "to": "2026-01-01"},
                           headers=headers)  # fmt: skip
    assert backwards.status_code == 422
    assert (
        client.get("/api/v1/kpis", params={"by": "shoe_size"}, headers=headers).status_code == 422
    )
    ancient = client.get("/api/v1/reports/funnel", params={"from": "0001-01-02"}, headers=headers)
    assert ancient.status_code == 422


def test_a_period_without_deals_has_an_empty_funnel(client: TestClient, deals: Org) -> None:
    later = {"from": "2027-01-01", "to": "2027-03-31"}
    report = _get(client, deals, "rep_a2", "/api/v1/reports/funnel", **later)
    assert (report["funnel"]["deals"], report["funnel"]["won"]) == (0, 0)
    assert all(s["reached"] == 0 for s in report["funnel"]["stages"])
    findings = _get(client, deals, "rep_a2", "/api/v1/reports/bottlenecks", **later)
    assert findings["findings"] == []


@pytest.mark.parametrize(
    ("who", "deals_in", "won", "lost"),
    [("admin", 5, 2, 3), ("manager_a", 3, 2, 1), ("rep_b1", 2, 0, 2), ("finance", 5, 2, 3)],
)
def test_funnel_counts_the_visible_cohort(
    client: TestClient, deals: Org, who: str, deals_in: int, won: int, lost: int
) -> None:
    report = _get(client, deals, who, "/api/v1/reports/funnel", **Q3)
    funnel = report["funnel"]
    assert report["cohort"] == "created"
    assert (funnel["deals"], funnel["won"], funnel["lost"]) == (deals_in, won, lost)
    assert funnel["win_rate"] == round(won / (won + lost), 6)
    assert [s["stage"] for s in funnel["stages"]][:2] == ["Prospecting", "Qualification"]
    assert "source" not in report["meta"]
    assert report["meta"]["period"] == {"from": "2026-07-01", "to": "2026-09-30"}


def test_bottlenecks_answer_every_role(client: TestClient, deals: Org) -> None:
    for who in EXPECTED:
        report = _get(client, deals, who, "/api/v1/reports/bottlenecks", **Q3)
        assert isinstance(report["findings"], list)
        assert "source" not in report["meta"]


# The Q4 forecast as of 2026-11-20: nothing won yet in Q4; open deals expected in Q4 by
# category. who → (open deals, commit amount, pipeline amount)
FORECAST = {
    "admin": (5, 40_000, 40_000),
    "finance": (5, 40_000, 40_000),
    "manager_a": (4, 40_000, 30_000),
    "manager_b": (1, 0, 10_000),
    "rep_a1": (2, 40_000, 10_000),
    "rep_b1": (1, 0, 10_000),
}


@pytest.mark.parametrize("who", sorted(FORECAST))
def test_forecast_rolls_up_the_visible_deals(client: TestClient, deals: Org, who: str) -> None:
    open_deals, commit, pipeline = FORECAST[who]
    report = _get(client, deals, who, "/api/v1/forecasts", period="2026-Q4", as_of="2026-11-20")
    assert report["open_deals"] == open_deals
    categories = {c["category"]: c for c in report["categories"]}
    assert categories["closed"]["amount"] == 0
    assert categories["commit"]["amount"] == commit
    assert categories["best_case"]["amount"] == 0
    assert categories["pipeline"]["amount"] == pipeline
    assert categories["pipeline"]["cumulative"] == commit + pipeline
    methods = {m["method"]: m for m in report["methods"]}
    assert report["method"] == "ensemble"
    assert "ensemble" in methods
    for method in methods.values():
        if method["p10"] is not None:
            assert method["p10"] <= method["p50"] <= method["p90"]


def test_forecast_method_choice_and_backtest(client: TestClient, deals: Org) -> None:
    chosen = _get(client, deals, "rep_a1", "/api/v1/forecasts", period="2026-Q4",
                  as_of="2026-11-20", method="stage_weighted")  # fmt: skip
    assert chosen["method"] == "stage_weighted"
    # Stage-weighted: 40,000 × 80 % (Negotiation) + 10,000 × 10 % (Prospecting).
    weighted = next(m for m in chosen["methods"] if m["method"] == "stage_weighted")
    assert weighted["pipeline"] == pytest.approx(33_000)
    bad = client.get("/api/v1/forecasts", params={"method": "astrology"},
                     headers=deals.headers("admin"))  # fmt: skip
    assert bad.status_code == 422
    backtest = _get(client, deals, "manager_b", "/api/v1/forecasts/backtest", periods=3)
    assert backtest["currency"] == "USD"
    assert set(backtest["methods"]) >= {"stage_weighted", "run_rate"}


def _call(client: TestClient, org: Org, who: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=org.headers(who))


def test_calls_submit_adjust_list_and_roll_up(client: TestClient, deals: Org) -> None:
    call = {"period": "2026-Q4", "commit": 12_000, "best_case": 3_000, "pipeline": 5_000}
    submitted = _call(client, deals, "rep_a1", "/api/v1/forecasts/calls", call)
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["commit"] == 12_000
    assert submitted.json()["user_name"] == "Rep A1"
    refused = _call(client, deals, "finance", "/api/v1/forecasts/calls", call)
    assert refused.status_code == 403
    adjust = {"user_email": "rep_a1@example.com", "period": "2026-Q4", "commit": 9_000}
    not_theirs = _call(client, deals, "manager_b", "/api/v1/forecasts/calls/adjust", adjust)
    assert not_theirs.status_code == 422
    adjusted = _call(client, deals, "manager_a", "/api/v1/forecasts/calls/adjust", adjust)
    assert adjusted.status_code == 200, adjusted.text
    assert (adjusted.json()["commit"], adjusted.json()["adjusted"]) == (9_000, True)

    def listed(who: str) -> list[tuple[str, float]]:
        calls = _get(client, deals, who, "/api/v1/forecasts/calls", period="2026-Q4")
        return [(c["user_name"], c["commit"]) for c in calls]

    assert listed("admin") == [("Rep A1", 9_000)]
    assert listed("manager_a") == [("Rep A1", 9_000)]
    assert listed("rep_a2") == []
    assert listed("manager_b") == []

    rows = _get(client, deals, "admin", "/api/v1/forecasts/rollup", period="2026-Q4")
    by_team = {r["team"]: r for r in rows}
    assert [r["team"] for r in rows] == ["Region", "Team A", "Team B"]
    # Team A: rep_a1 (10,000 pipeline + 40,000 commit), rep_a2 and manager_a (10,000 each).
    assert by_team["Team A"]["commit"] == 40_000
    assert by_team["Team A"]["pipeline_cumulative"] == 70_000
    assert (by_team["Team A"]["called_commit"], by_team["Team A"]["calls"]) == (9_000, 1)
    assert by_team["Region"]["pipeline_cumulative"] == 80_000
    assert by_team["Team B"]["pipeline_cumulative"] == 10_000
    own = _get(client, deals, "rep_a1", "/api/v1/forecasts/rollup", period="2026-Q4")
    assert [(r["team"], r["pipeline_cumulative"]) for r in own] == [
        ("Region", 50_000),
        ("Team A", 50_000),
    ]


def test_forecast_endpoints_need_credentials(client: TestClient, deals: Org) -> None:
    for path in ("/api/v1/kpis", "/api/v1/reports/funnel", "/api/v1/reports/bottlenecks",
                 "/api/v1/forecasts", "/api/v1/forecasts/backtest"):  # fmt: skip
        assert client.get(path).status_code == 401, path
    assert client.post("/api/v1/forecasts/calls", json={}).status_code == 401
