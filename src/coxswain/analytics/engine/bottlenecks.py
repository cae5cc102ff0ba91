"""Bottlenecks: stages where deals stall or die, out of line with peers or with history.

Pure Python over funnels (see :mod:`.funnel`) already computed per rep, per team and for
the company, for the period and the one before. Each finding names who, which stage, what
is out of line, the evidence in plain language, and the numbers behind it.

Checks (thresholds are module constants):

- **drop-off vs peers** — a rep's (team's) share of deals lost at a stage, against the rest
  of its peers, by a two-proportion z-test (z ≥ 1.96, ≥ 10 deals left the stage). A rep's
  peers are its team (when the team has at least three reps with deals), a team's peers the
  teams of its segment (when it has one and there are others); otherwise the company;
- **slow stage vs peers** — median days in a stage ≥ 1.5 × the peers' (whose median includes
  the subject) and ≥ 1 day longer (≥ 5 timed deals); strength ``ln(ratio) × √n``;
- **worse than history** — the company's, a team's or a rep's drop-off (z-test) or median
  time (≥ 1.25 × and ≥ 1 day) at a stage against the previous period;
- **rushing** — deals that spent the least time in a stage (below the company's 25th
  percentile) win less than the rest (z ≥ 1.96), and across reps a shorter median time in
  the stage goes with a lower win rate (Spearman ρ ≥ 0.3, t ≥ 2); reps who rush that stage
  and win less than the company are named.

Findings are ranked by strength (the z statistic, or its analogue for times), strongest
first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from coxswain.analytics.engine.funnel import Funnel, FunnelStage
from coxswain.analytics.engine.stats import correlation_t, spearman, two_proportion_z

MIN_EXITED = 10
MIN_TIMED = 5
MIN_CLOSED = 5
Z_CRITICAL = 1.96
SLOW_RATIO = 1.5
HISTORY_RATIO = 1.25
MIN_EXTRA_DAYS = 1.0
MIN_RHO = 0.3
MIN_T = 2.0
MIN_REPS = 6
RUSH_WIN_GAP = 0.05


@dataclass(frozen=True, slots=True)
class SpeedOutcome:
    """Closed deals split by time in one stage: below the company's 25th percentile or not."""

    stage: str
    position: int
    threshold_days: float
    fast_won: int
    fast_closed: int
    rest_won: int
    rest_closed: int


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    scope: str
    subject: str
    stage: str
    score: float
    headline: str
    evidence: str
    numbers: Mapping[str, float | int | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Peers:
    """Who a rep or team is compared with: ``label`` names them, ``funnel`` includes the
    subject itself (its counts are subtracted for the drop-off test)."""

    label: str
    funnel: Funnel


@dataclass(frozen=True, slots=True)
class BottleneckInput:
    """Funnels for the period (and the previous one) and each subject's peers.

    ``peers`` maps a rep's or team's name to its peer group (a rep: its team; a team: the
    teams of its segment); subjects without an entry are compared with the company.
    """

    company: Funnel
    company_previous: Funnel | None
    reps: Sequence[Funnel]
    reps_previous: Mapping[str, Funnel]
    teams: Sequence[Funnel]
    teams_previous: Mapping[str, Funnel]
    speed: Sequence[SpeedOutcome]
    avg_deal: float | None
    money: Callable[[float], str]
    peers: Mapping[tuple[str, str], Peers] = field(default_factory=dict)

    def peers_of(self, scope: str, name: str) -> Peers:
        return self.peers.get((scope, name), Peers("the company", self.company))


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def days(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} days"


def _rest(company: FunnelStage, part: FunnelStage) -> tuple[int, int]:
    """(lost, exited) for the company minus ``part``."""
    return company.lost_here - part.lost_here, company.exited - part.exited


def _drop_vs_peers(scope: str, funnel: Funnel, data: BottleneckInput) -> list[Finding]:
    out = []
    peers = data.peers_of(scope, funnel.group or "")
    for stage in funnel.stages:
        whole = peers.funnel.stage(stage.position)
        if whole is None or stage.exited < MIN_EXITED or stage.drop_off is None:
            continue
        rest_lost, rest_exited = _rest(whole, stage)
        z = two_proportion_z(stage.lost_here, stage.exited, rest_lost, rest_exited)
        if z is None or z < Z_CRITICAL or rest_exited <= 0:
            continue
        rest_rate = rest_lost / rest_exited
        excess = stage.exited * (stage.drop_off - rest_rate)
        at_stake = excess * data.avg_deal if data.avg_deal else None
        stake_text = f" (≈ {_STAKE} at the average won deal)" if at_stake else ""
        out.append(
            Finding(
                "drop_off_vs_peers",
                scope,
                funnel.group or "",
                stage.stage,
                z,
                f"{funnel.group} loses {pct(stage.drop_off)} of deals leaving {stage.stage}; "
                f"the rest of {peers.label} loses {pct(rest_rate)}",
                f"{stage.lost_here} of {stage.exited} deals that left {stage.stage} were lost "
                f"there, against {rest_lost} of {rest_exited} for the rest of {peers.label} "
                f"(z = {z:.1f}). At their rate {excess:.0f} fewer deals would have been lost"
                f"{stake_text}.",
                {
                    "drop_off": stage.drop_off,
                    "peer_drop_off": rest_rate,
                    "lost": stage.lost_here,
                    "exited": stage.exited,
                    "excess_lost": excess,
                    "value_at_stake": at_stake,
                    "z": z,
                },
            )
        )
    return out


def _slow_vs_peers(scope: str, funnel: Funnel, data: BottleneckInput) -> list[Finding]:
    out = []
    peers = data.peers_of(scope, funnel.group or "")
    for stage in funnel.stages:
        whole = peers.funnel.stage(stage.position)
        if whole is None or stage.timed < MIN_TIMED:
            continue
        mine, theirs = stage.days_median, whole.days_median
        if mine is None or theirs is None or theirs <= 0:
            continue
        ratio = mine / theirs
        if ratio < SLOW_RATIO or mine - theirs < MIN_EXTRA_DAYS:
            continue
        score = math.log(ratio) * math.sqrt(stage.timed)
        out.append(
            Finding(
                "slow_stage_vs_peers",
                scope,
                funnel.group or "",
                stage.stage,
                score,
                f"{funnel.group}'s deals sit in {stage.stage} {ratio:.1f}× as long as "
                f"{peers.label}'s",
                f"Median {days(mine)} in {stage.stage} over {stage.timed} deals, against "
                f"{days(theirs)} for {peers.label}; 90th percentile {days(stage.days_p90)} "
                f"against {days(whole.days_p90)}.",
                {
                    "median_days": mine,
                    "peer_median_days": theirs,
                    "ratio": ratio,
                    "p90_days": stage.days_p90,
                    "peer_p90_days": whole.days_p90,
                    "deals": stage.timed,
                },
            )
        )
    return out


def _worse_than_history(scope: str, now: Funnel, before: Funnel, subject: str) -> list[Finding]:
    out = []
    for stage in now.stages:
        old = before.stage(stage.position)
        if old is None:
            continue
        if stage.exited >= MIN_EXITED and old.exited >= MIN_EXITED:
            z = two_proportion_z(stage.lost_here, stage.exited, old.lost_here, old.exited)
            if z is not None and z >= Z_CRITICAL:
                out.append(
                    Finding(
                        "drop_off_vs_history",
                        scope,
                        subject,
                        stage.stage,
                        z,
                        f"{subject}: drop-off at {stage.stage} rose from "
                        f"{pct(old.drop_off)} to {pct(stage.drop_off)}",
                        f"{stage.lost_here} of {stage.exited} deals that left {stage.stage} "
                        f"were lost there this period, against {old.lost_here} of "
                        f"{old.exited} the period before (z = {z:.1f}).",
                        {
                            "drop_off": stage.drop_off,
                            "previous_drop_off": old.drop_off,
                            "exited": stage.exited,
                            "previous_exited": old.exited,
                            "z": z,
                        },
                    )
                )
        out.extend(_slower_than_history(scope, stage, old, subject))
    return out


def _slower_than_history(
    scope: str, stage: FunnelStage, old: FunnelStage, subject: str
) -> list[Finding]:
    mine, before = stage.days_median, old.days_median
    if mine is None or before is None or before <= 0 or min(stage.timed, old.timed) < MIN_TIMED:
        return []
    ratio = mine / before
    if ratio < HISTORY_RATIO or mine - before < MIN_EXTRA_DAYS:
        return []
    score = math.log(ratio) * math.sqrt(min(stage.timed, old.timed))
    return [
        Finding(
            "slow_stage_vs_history",
            scope,
            subject,
            stage.stage,
            score,
            f"{subject}: time in {stage.stage} grew from {days(before)} to {days(mine)} (median)",
            f"Median {days(mine)} over {stage.timed} deals this period against {days(before)} "
            f"over {old.timed} deals the period before ({(ratio - 1) * 100:+.0f}%).",
            {
                "median_days": mine,
                "previous_median_days": before,
                "ratio": ratio,
                "deals": stage.timed,
                "previous_deals": old.timed,
            },
        )
    ]


def _rushing_deals(speed: SpeedOutcome) -> Finding | None:
    if min(speed.fast_closed, speed.rest_closed) < MIN_EXITED:
        return None
    z = two_proportion_z(speed.rest_won, speed.rest_closed, speed.fast_won, speed.fast_closed)
    if z is None or z < Z_CRITICAL:
        return None
    fast = speed.fast_won / speed.fast_closed
    rest = speed.rest_won / speed.rest_closed
    return Finding(
        "rushing",
        "company",
        "company",
        speed.stage,
        z,
        f"Deals rushed through {speed.stage} win less: {pct(fast)} against {pct(rest)}",
        f"Closed deals that spent under {days(speed.threshold_days)} in {speed.stage} (the "
        f"fastest quarter) won {speed.fast_won} of {speed.fast_closed} ({pct(fast)}); the rest "
        f"won {speed.rest_won} of {speed.rest_closed} ({pct(rest)}), z = {z:.1f}.",
        {
            "threshold_days": speed.threshold_days,
            "fast_win_rate": fast,
            "rest_win_rate": rest,
            "fast_closed": speed.fast_closed,
            "rest_closed": speed.rest_closed,
            "z": z,
        },
    )


def _rep_points(reps: Sequence[Funnel], position: int) -> list[tuple[Funnel, float, float]]:
    points = []
    for rep in reps:
        stage = rep.stage(position)
        if stage is None or stage.days_median is None or stage.timed < MIN_TIMED:
            continue
        if rep.won + rep.lost < MIN_CLOSED or rep.win_rate is None:
            continue
        points.append((rep, stage.days_median, rep.win_rate))
    return points


def _rushing_reps(data: BottleneckInput, speed: SpeedOutcome) -> list[Finding]:
    points = _rep_points(data.reps, speed.position)
    if len(points) < MIN_REPS:
        return []
    rho = spearman([p[1] for p in points], [p[2] for p in points])
    t = correlation_t(rho, len(points)) if rho is not None else None
    if rho is None or t is None or rho < MIN_RHO or t < MIN_T:
        return []
    ordered = sorted(points, key=lambda p: p[1])
    fastest = ordered[: max(1, len(ordered) // 4)]
    others = ordered[len(fastest) :]
    fast_rate, other_rate = _pooled(fastest), _pooled(others)
    finding = Finding(
        "rushing_reps",
        "company",
        "reps",
        speed.stage,
        t,
        f"Reps who spend less time in {speed.stage} win less (rank correlation {rho:+.2f})",
        f"Across {len(points)} reps, median days in {speed.stage} and win rate rise "
        f"together (Spearman ρ = {rho:+.2f}, t = {t:.1f}). The {len(fastest)} fastest "
        f"(median ≤ {days(fastest[-1][1])}) win {pct(fast_rate)}; the others "
        f"{pct(other_rate)}.",
        {
            "rho": rho,
            "t": t,
            "reps": len(points),
            "fast_win_rate": fast_rate,
            "other_win_rate": other_rate,
        },
    )
    return [finding, *_reps_who_rush(data, speed, fastest, t)]


def _reps_who_rush(
    data: BottleneckInput,
    speed: SpeedOutcome,
    fastest: Sequence[tuple[Funnel, float, float]],
    t: float,
) -> list[Finding]:
    """The fastest quarter's reps who also win markedly less than the company."""
    company_rate = data.company.win_rate
    if company_rate is None:
        return []
    return [
        Finding(
            "rushes_stage",
            "rep",
            rep.group or "",
            speed.stage,
            t / 2,
            f"{rep.group} rushes {speed.stage} and wins {pct(win)} (company {pct(company_rate)})",
            f"Median {days(median)} in {speed.stage}, among the fastest quarter of reps; win "
            f"rate {pct(win)} over {rep.won + rep.lost} closed deals against "
            f"{pct(company_rate)} for the company.",
            {
                "median_days": median,
                "win_rate": win,
                "company_win_rate": company_rate,
                "closed": rep.won + rep.lost,
            },
        )
        for rep, median, win in fastest
        if win <= company_rate - RUSH_WIN_GAP
    ]


def _pooled(points: Sequence[tuple[Funnel, float, float]]) -> float | None:
    won = sum(p[0].won for p in points)
    closed = sum(p[0].won + p[0].lost for p in points)
    return won / closed if closed else None


#: Where a finding's evidence names the money at stake, written in only for the findings
#: kept (:func:`find_bottlenecks`): formatting money takes babel about 30 µs, and a
#: thousand-rep company has thousands of candidate findings.
_STAKE = "\x00value at stake\x00"


def _with_money(finding: Finding, data: BottleneckInput) -> Finding:
    stake = finding.numbers.get("value_at_stake")
    if _STAKE not in finding.evidence or stake is None:
        return finding
    return replace(finding, evidence=finding.evidence.replace(_STAKE, data.money(float(stake))))


def find_bottlenecks(data: BottleneckInput, limit: int | None = None) -> list[Finding]:
    """Every finding, strongest first (at most ``limit``)."""
    findings: list[Finding] = []
    for scope, funnels, previous in (
        ("rep", data.reps, data.reps_previous),
        ("team", data.teams, data.teams_previous),
    ):
        for funnel in funnels:
            findings += _drop_vs_peers(scope, funnel, data)
            findings += _slow_vs_peers(scope, funnel, data)
            before = previous.get(funnel.group or "")
            if before is not None:
                findings += _worse_than_history(scope, funnel, before, funnel.group or "")
    if data.company_previous is not None:
        findings += _worse_than_history("company", data.company, data.company_previous, "Company")
    for speed in data.speed:
        rushed = _rushing_deals(speed)
        if rushed is not None:
            findings.append(rushed)
        findings += _rushing_reps(data, speed)
    findings.sort(key=lambda f: (-f.score, f.kind, f.subject, f.stage))
    return [_with_money(f, data) for f in (findings[:limit] if limit else findings)]
