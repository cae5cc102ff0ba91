"""A pool's candidates for one lead: who is available, who fits, who is at their cap.

What depends only on the instant (active, out of office, absences, working hours, the caps
that apply) is computed once per pool while ``as_of`` stays the same; per lead only the lead's
own checks run (exclusions, segment, skills, today's and this week's assignment counts).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from coxswain.routing.engine.decision import Candidate
from coxswain.routing.engine.distribution import Eligible
from coxswain.routing.engine.fields import TEXT, normalise
from coxswain.routing.engine.model import CompiledRules, Member, Pool
from coxswain.routing.engine.reasons import Why
from coxswain.routing.engine.state import RepProfile, RoutingState, period_keys, unavailable_reason

MEMBER_METHODS = frozenset({"round_robin", "weighted_round_robin", "load_balanced"})
EXCLUDED = "excluded (the lead is being taken from them)"


class Static(NamedTuple):
    """A candidate as far as the instant goes. ``caps``: (per day, per week) or None."""

    position: int
    rep: str
    member: Member | None
    owns: str | None
    unavailable: str | None
    profile: RepProfile | None
    caps: tuple[int | None, int | None] | None
    weight: int


class CandidateChecker:
    """Evaluates candidates against a :class:`RoutingState`; caches per ``as_of``."""

    def __init__(self, rules: CompiledRules, state: RoutingState) -> None:
        self.rules = rules
        self.state = state
        self.as_of: datetime | None = None
        self._available: dict[tuple[str, bool], str | None] = {}
        self._periods: dict[str, tuple[date, tuple[int, int]]] = {}
        self._static: dict[str, list[Static]] = {}

    def at(self, as_of: datetime) -> None:
        """Forget what was cached for another instant."""
        if as_of != self.as_of:
            self.as_of = as_of
            self._available, self._periods, self._static = {}, {}, {}

    def unavailable(self, rep: str, hours_only: bool) -> str | None:
        """Why ``rep`` cannot take leads now (not a user, inactive, away, off hours)."""
        key = (rep, hours_only)
        if key not in self._available:
            profile = self.state.reps.get(rep)
            assert self.as_of is not None
            self._available[key] = (
                "not a Coxswain user"
                if profile is None
                else unavailable_reason(profile, self.as_of, hours_only=hours_only)
            )
        return self._available[key]

    def evaluate(
        self,
        pool: Pool,
        owners: list[tuple[str, Member | None, str | None]],
        *,
        exclude: frozenset[str],
        lead: Mapping[str, Any],
        facts: Mapping[str, Any],
    ) -> tuple[list[Eligible], list[Candidate]]:
        """``(eligible, skipped)`` among the pool's members (or ``owners`` for owner methods)."""
        eligible: list[Eligible] = []
        skipped: list[Candidate] = []
        loads = self.state.loads
        fit = pool.segment_match or bool(pool.required_skills) or pool.skill_field is not None
        for c in self._statics(pool, owners):
            why: Why | None = c.unavailable
            if why is None and exclude and c.rep in exclude:
                why = EXCLUDED
            if why is None and fit:
                why = self._fit(pool, c, lead, facts)
            load = loads.get(c.rep)
            if why is None and c.caps is not None:
                why = self._cap(c, load)
            if why is None:
                eligible.append(
                    Eligible(c.position, c.rep, c.weight, load.open_leads if load else 0, c.owns)
                )
            else:
                skipped.append(Candidate(c.rep, "skipped", why))
        return eligible, skipped

    def _statics(
        self, pool: Pool, owners: list[tuple[str, Member | None, str | None]]
    ) -> list[Static]:
        members = pool.method in MEMBER_METHODS
        cached = self._static.get(pool.name) if members else None
        if cached is not None:
            return cached
        people = [(m.rep, m, None) for m in pool.members] if members else owners
        result = []
        for position, (rep, member, owns) in enumerate(people):
            profile = self.state.reps.get(rep)
            caps = _caps(profile, member) if members and profile is not None else None
            why = self.unavailable(rep, pool.working_hours_only)
            weight = member.weight if member is not None else 1
            result.append(Static(position, rep, member, owns, why, profile, caps, weight))
        if members:
            self._static[pool.name] = result
        return result

    def _fit(
        self, pool: Pool, c: Static, lead: Mapping[str, Any], facts: Mapping[str, Any]
    ) -> str | None:
        profile = c.profile
        assert profile is not None
        if pool.segment_match:
            wanted = normalise(lead.get("size_segment"), TEXT)
            if wanted is not None and (profile.segment or "").casefold() != wanted:
                return f"segment {profile.segment or 'none'} does not match the lead's {wanted}"
        needed = set(pool.required_skills)
        if pool.skill_field is not None:
            value = facts.get(pool.skill_field.key)
            if value is not None:
                needed.add(value)
        missing = sorted(needed - (c.member.skills if c.member is not None else frozenset()))
        return f"lacks skill {missing[0]!r}" if missing else None

    def _cap(self, c: Static, load: Any) -> Why | None:
        per_day, per_week = c.caps or (None, None)
        assert c.profile is not None
        day, week = self.periods(c.profile)
        today = load.by_day.get(day, 0) if load is not None else 0
        if per_day is not None and today >= per_day:
            return ("daily_cap", today, per_day, day.isoformat())
        this_week = load.by_week.get(week, 0) if load is not None else 0
        if per_week is not None and this_week >= per_week:
            return ("weekly_cap", this_week, per_week, week[1])
        return None

    def periods(self, profile: RepProfile) -> tuple[date, tuple[int, int]]:
        """The rep's local day and ISO week at the current instant (cached per time zone)."""
        keys = self._periods.get(profile.time_zone)
        if keys is None:
            assert self.as_of is not None
            keys = self._periods[profile.time_zone] = period_keys(profile, self.as_of)
        return keys


def _caps(profile: RepProfile, member: Member | None) -> tuple[int | None, int | None] | None:
    """The member's cap overrides, else the user's capacities; None when uncapped."""
    per_day = member.cap_per_day if member is not None else None
    per_week = member.cap_per_week if member is not None else None
    per_day = profile.capacity_per_day if per_day is None else per_day
    per_week = profile.capacity_per_week if per_week is None else per_week
    return None if per_day is None and per_week is None else (per_day, per_week)
