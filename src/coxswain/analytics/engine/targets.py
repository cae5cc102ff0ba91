"""Sales targets for a window, rolled up the sales organisation (pure Python).

A target row covers ``start_day..end_day`` for the company, a team (its whole subtree) or
a rep. A window's share of a row is pro-rated by overlapping days. The target of a scope:

- a **rep**: the rep's own targets;
- a **team**: the team's own targets when it has any, else the sum of its sub-teams' and
  its reps' targets (recursively);
- the **company**: company targets when there are any, else the sum over top-level teams
  (and reps without a team).

So a plan set only per rep still rolls up to teams and the company, and a plan set per team
is not double counted with its reps'. Grouped by team, a team's group holds the deals of its
direct members, so its target is its own target, else its direct members'. Targets exist
only for these three scopes: grouped by region, product or another dimension they are
undefined (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.periods import Period

COMPANY, TEAM, REP = "company", "team", "rep"


@dataclass(frozen=True, slots=True)
class TargetRow:
    """A target in reporting-currency major units for ``start_day..end_day`` (inclusive)."""

    start_day: int
    end_day: int
    scope: str
    team_id: str | None
    user_id: str | None
    amount: float


@dataclass(frozen=True, slots=True)
class Org:
    """Teams (id → name, parent id), people (id → full name, team id) and each team's
    segment by team name."""

    teams: Mapping[str, tuple[str, str | None]]
    users: Mapping[str, tuple[str, str | None]]
    team_segments: Mapping[str, str] = field(default_factory=dict)

    def team_of(self, full_name: str) -> str | None:
        """The team name of the person called ``full_name`` (``None`` when unknown)."""
        for name, team_id in self.users.values():
            if name == full_name and team_id is not None and team_id in self.teams:
                return self.teams[team_id][0]
        return None

    def team_id(self, name: str) -> str | None:
        return next((tid for tid, (n, _) in self.teams.items() if n == name), None)

    def user_id(self, name: str) -> str | None:
        return next((uid for uid, (n, _) in self.users.items() if n == name), None)


def prorated(row: TargetRow, window: Period) -> float:
    """The part of ``row`` that falls in ``window`` (by days; 0 when they do not overlap)."""
    start, end = max(row.start_day, window.start_day), min(row.end_day, window.end_day)
    if end < start or row.end_day < row.start_day:
        return 0.0
    return row.amount * (end - start + 1) / (row.end_day - row.start_day + 1)


class _Rollup:
    def __init__(self, rows: Sequence[TargetRow], org: Org, window: Period) -> None:
        self.org = org
        self.own: dict[tuple[str, str | None], float] = {}
        for row in rows:
            key = (row.scope, row.team_id if row.scope == TEAM else row.user_id)
            if row.scope == COMPANY:
                key = (COMPANY, None)
            share = prorated(row, window)
            if share > 0:
                self.own[key] = self.own.get(key, 0.0) + share

    def rep(self, user_id: str) -> float | None:
        return self.own.get((REP, user_id))

    def team(self, team_id: str, seen: frozenset[str] = frozenset()) -> float | None:
        if (TEAM, team_id) in self.own:
            return self.own[(TEAM, team_id)]
        if team_id in seen:
            return None
        parts = [self.team(c, seen | {team_id}) for c in self._children(team_id)]
        parts += [self.rep(u) for u, (_, t) in self.org.users.items() if t == team_id]
        return _total(parts)

    def team_direct(self, team_id: str) -> float | None:
        """The team's own target, else its direct members' (the deals a team group holds)."""
        if (TEAM, team_id) in self.own:
            return self.own[(TEAM, team_id)]
        return _total([self.rep(u) for u, (_, t) in self.org.users.items() if t == team_id])

    def company(self) -> float | None:
        if (COMPANY, None) in self.own:
            return self.own[(COMPANY, None)]
        roots = [t for t, (_, parent) in self.org.teams.items() if parent not in self.org.teams]
        parts = [self.team(t) for t in roots]
        parts += [self.rep(u) for u, (_, t) in self.org.users.items() if t not in self.org.teams]
        return _total(parts)

    def _children(self, team_id: str) -> list[str]:
        return [t for t, (_, parent) in self.org.teams.items() if parent == team_id]


def _total(parts: Sequence[float | None]) -> float | None:
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def _top_teams(names: Sequence[str], org: Org) -> list[str]:
    """Team ids among ``names`` whose parent is not also among them (subtree roots)."""
    ids = {tid for tid, (n, _) in org.teams.items() if n in names}
    return sorted(t for t in ids if org.teams[t][1] not in ids)


def targets_for(
    rows: Sequence[TargetRow],
    org: Org,
    window: Period,
    dimension: Dimension | None,
    filters: Mapping[Dimension, tuple[str, ...]],
) -> dict[str | None, dict[str, float | None]]:
    """Target amounts for ``window``: overall (key ``None``) or per rep/team group.

    Filters other than rep and team make targets undefined (an empty answer).
    """
    if any(d not in (Dimension.REP, Dimension.TEAM) for d in filters):
        return {}
    rollup = _Rollup(rows, org, window)
    reps = filters.get(Dimension.REP, ())
    teams = filters.get(Dimension.TEAM, ())
    if dimension is None:
        if reps:
            amount = _total([rollup.rep(u) for u in map(org.user_id, reps) if u])
        elif teams:
            amount = _total([rollup.team(t) for t in _top_teams(teams, org)])
        else:
            amount = rollup.company()
        return {None: {"amount": amount}}
    if dimension is Dimension.REP:
        return {
            name: {"amount": rollup.rep(uid)}
            for uid, (name, _) in org.users.items()
            if not reps or name in reps
        }
    if dimension is Dimension.TEAM:
        return {
            name: {"amount": rollup.team_direct(tid)}
            for tid, (name, _) in org.teams.items()
            if not teams or name in teams
        }
    return {}
