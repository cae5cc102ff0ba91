"""Bottleneck findings on hand-built funnels: what is flagged, why, and in which order."""

from __future__ import annotations

import pytest

from coxswain.analytics.engine.bottlenecks import (
    BottleneckInput,
    Peers,
    SpeedOutcome,
    find_bottlenecks,
)
from coxswain.analytics.engine.funnel import Cohort, Funnel, FunnelStage


def stage(
    name: str,
    position: int,
    reached: int,
    lost: int,
    median: float | None,
    timed: int = 0,
    open_here: int = 0,
) -> FunnelStage:
    exited = reached - open_here
    return FunnelStage(
        stage=name,
        position=position,
        reached=reached,
        reached_value=0.0,
        open_here=open_here,
        lost_here=lost,
        advanced=exited - lost,
        conversion=(exited - lost) / exited if exited else None,
        drop_off=lost / exited if exited else None,
        days_mean=None,
        days_median=median,
        days_p90=None,
        timed=timed,
    )


def funnel(
    group: str | None,
    discovery_lost: int,
    discovery_days: float,
    won: int = 30,
    lost: int = 30,
    reached: int = 100,
) -> Funnel:
    return Funnel(
        "Sales",
        Cohort.ACTIVE,
        group,
        reached,
        won,
        0.0,
        lost,
        (stage("Discovery", 1, reached, discovery_lost, discovery_days, timed=reached),),
    )


def data(**changes: object) -> BottleneckInput:
    company = funnel(None, 100, 10.0, reached=1000)
    base: dict[str, object] = dict(
        company=company,
        company_previous=None,
        reps=[],
        reps_previous={},
        teams=[],
        teams_previous={},
        speed=[],
        avg_deal=1000.0,
        money=lambda v: f"${v:,.0f}",
    )
    base.update(changes)
    return BottleneckInput(**base)  # type: ignore[arg-type]


def test_a_rep_losing_far_more_than_the_team_is_flagged() -> None:
    # Ann loses 40 of 100 leaving Discovery; her team (including her) 70 of 400: the rest
    # of the team 30 of 300 = 10 %. At their rate 30 fewer deals lost, ≈ $30,000.
    ann = funnel("Ann", 40, 10.0)
    team = funnel("East", 70, 10.0, reached=400)
    findings = find_bottlenecks(data(reps=[ann], peers={("rep", "Ann"): Peers("East", team)}))
    assert [f.kind for f in findings] == ["drop_off_vs_peers"]
    finding = findings[0]
    assert finding.subject == "Ann"
    assert finding.stage == "Discovery"
    assert finding.numbers["excess_lost"] == pytest.approx(30.0)
    assert finding.numbers["value_at_stake"] == pytest.approx(30_000.0)
    assert "40 of 100" in finding.evidence
    assert "30 of 300" in finding.evidence
    assert "$30,000" in finding.evidence


def test_slow_stage_against_peers_and_small_samples_are_ignored() -> None:
    slow = funnel("Bob", 10, 25.0)  # 25 days against the company's 10: 2.5×
    tiny = Funnel(
        "Sales", Cohort.ACTIVE, "Cy", 3, 1, 0.0, 1, (stage("Discovery", 1, 3, 3, 90.0, timed=3),)
    )
    findings = find_bottlenecks(data(reps=[slow, tiny]))
    assert [(f.kind, f.subject) for f in findings] == [("slow_stage_vs_peers", "Bob")]
    assert findings[0].numbers["ratio"] == pytest.approx(2.5)


def test_worse_than_the_previous_period() -> None:
    now = funnel(None, 300, 10.0, reached=1000)
    before = funnel(None, 100, 10.0, reached=1000)
    findings = find_bottlenecks(data(company=now, company_previous=before))
    assert [f.kind for f in findings] == ["drop_off_vs_history"]
    assert "10% to 30%" in findings[0].headline


def test_rushing_deals_and_reps_who_rush() -> None:
    speed = SpeedOutcome(
        "Discovery", 1, 3.0, fast_won=10, fast_closed=100, rest_won=120, rest_closed=300
    )
    # Eight reps: the longer in Discovery, the higher the win rate.
    reps = [
        Funnel(
            "Sales",
            Cohort.ACTIVE,
            f"Rep {i}",
            20,
            won,
            0.0,
            20 - won,
            (stage("Discovery", 1, 20, 0, float(days), timed=20),),
        )
        for i, (days, won) in enumerate(
            [(1, 2), (2, 3), (4, 6), (5, 8), (7, 9), (8, 11), (10, 12), (12, 14)]
        )
    ]
    company = Funnel(
        "Sales",
        Cohort.ACTIVE,
        None,
        400,
        130,
        0.0,
        270,
        (stage("Discovery", 1, 400, 0, 6.0, timed=400),),
    )
    findings = find_bottlenecks(data(company=company, speed=[speed], reps=reps))
    kinds = [f.kind for f in findings]
    assert "rushing" in kinds
    assert "rushing_reps" in kinds
    rushing = next(f for f in findings if f.kind == "rushing")
    assert rushing.numbers["fast_win_rate"] == pytest.approx(0.1)
    assert rushing.numbers["rest_win_rate"] == pytest.approx(0.4)
    named = {f.subject for f in findings if f.kind == "rushes_stage"}
    assert named == {"Rep 0", "Rep 1"}  # the fastest quarter, both below the company
    assert findings == sorted(findings, key=lambda f: -f.score)
