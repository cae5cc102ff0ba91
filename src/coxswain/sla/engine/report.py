"""Compliance and response time per group (rep, team, source) from evaluated milestones.

Compliance of a milestone = on time / (on time + late + missed); missed = the deadline passed
without the milestone; leads whose clock is
still running, stopped or not started are left out. Response time is the business time from
the first-touch clock start to the first touch, over leads that were touched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from coxswain.sla.engine.evaluation import MilestoneStatus


@dataclass(frozen=True, slots=True)
class Evaluated:
    """One lead's SLA result. ``groups`` maps a dimension (rep, team, source) to its value;
    ``wall_response`` is calendar time from MQL to first touch, when both are known."""

    groups: Mapping[str, str]
    policy: str
    milestones: tuple[MilestoneStatus, ...]
    wall_response: timedelta | None = None


@dataclass(frozen=True, slots=True)
class MilestoneSummary:
    on_time: int
    late: int
    missed: int
    open: int

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def compliance(self) -> float | None:
        """Share met on time in 0..1, or ``None`` when nothing is decided yet."""
        return self.on_time / self.decided if self.decided else None


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """Response times in minutes (business minutes unless named ``wall``)."""

    group: str
    leads: int
    accept: MilestoneSummary
    first_touch: MilestoneSummary
    median_response_minutes: float | None
    p90_response_minutes: float | None
    median_wall_response_minutes: float | None


def summarize(results: Iterable[Evaluated], dimension: str) -> list[GroupSummary]:
    """One row per value of ``dimension``, sorted by lead count (desc) then name."""
    buckets: dict[str, list[Evaluated]] = defaultdict(list)
    for result in results:
        buckets[result.groups.get(dimension) or "(none)"].append(result)
    rows = [_summary(name, items) for name, items in buckets.items()]
    rows.sort(key=lambda row: (-row.leads, row.group))
    return rows


def _summary(group: str, items: list[Evaluated]) -> GroupSummary:
    by_milestone: dict[str, list[MilestoneStatus]] = defaultdict(list)
    for item in items:
        for status in item.milestones:
            by_milestone[status.milestone].append(status)
    touches = [
        s.elapsed.total_seconds() / 60
        for s in by_milestone["first_touch"]
        if s.state in ("met", "met_late") and s.elapsed is not None
    ]
    walls = [i.wall_response.total_seconds() / 60 for i in items if i.wall_response is not None]
    return GroupSummary(
        group=group,
        leads=len(items),
        accept=_milestone(by_milestone["accept"]),
        first_touch=_milestone(by_milestone["first_touch"]),
        median_response_minutes=percentile(touches, 50),
        p90_response_minutes=percentile(touches, 90),
        median_wall_response_minutes=percentile(walls, 50),
    )


def _milestone(statuses: list[MilestoneStatus]) -> MilestoneSummary:
    states = [s.state for s in statuses]
    return MilestoneSummary(
        on_time=states.count("met"),
        late=states.count("met_late"),
        missed=states.count("breached"),
        open=states.count("due"),
    )


def percentile(values: list[float], pct: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method) of ``values``; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
