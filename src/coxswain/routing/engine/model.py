"""Compiled rules: frozen, validated, with predicates ready to run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from coxswain.routing.engine.conditions import Condition
from coxswain.routing.engine.document import AccountMatchSpec, DuplicatesSpec
from coxswain.routing.engine.fields import FieldRef, Reader, reader
from coxswain.routing.engine.operators import Predicate, postal_key, postal_matches


@dataclass(frozen=True, slots=True)
class Member:
    """A pool member. ``rep`` is the case-folded e-mail; caps override the user's own."""

    rep: str
    weight: int = 1
    skills: frozenset[str] = frozenset()
    cap_per_day: int | None = None
    cap_per_week: int | None = None


@dataclass(frozen=True, slots=True)
class Pool:
    name: str
    method: str
    members: tuple[Member, ...]
    fallback: str | None = None
    working_hours_only: bool = False
    segment_match: bool = False
    required_skills: frozenset[str] = frozenset()
    skill_field: FieldRef | None = None

    def member(self, rep: str) -> Member | None:
        for member in self.members:
            if member.rep == rep:
                return member
        return None


@dataclass(frozen=True, slots=True)
class Rule:
    index: int
    name: str
    condition: Condition
    predicate: Predicate
    target: str
    target_is_queue: bool
    text: str


@dataclass(frozen=True, slots=True)
class Territory:
    """Countries, states and postal ranges are case-insensitive; empty means "any"."""

    name: str
    owner: str | None
    countries: frozenset[str]
    states: frozenset[str]
    postal_ranges: tuple[tuple[str, str], ...]

    def contains(self, lead: Mapping[str, Any]) -> bool:
        return self.holds(*location(lead))

    def holds(self, country: str | None, state: str | None, postal: str | None) -> bool:
        """Membership for a lead's already normalised location (see :func:`location`)."""
        if self.countries and country not in self.countries:
            return False
        if self.states and state not in self.states:
            return False
        if self.postal_ranges:
            return postal is not None and postal_matches(postal, self.postal_ranges)
        return True


def location(lead: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The lead's country and state (case-folded) and postal code (upper-cased, no spaces)."""
    code = lead.get("postal_code")
    postal = postal_key(str(code)) if code is not None and str(code).strip() else None
    return _folded(lead.get("country")), _folded(lead.get("state")), postal


def _folded(value: Any) -> str | None:
    return None if value is None else str(value).strip().casefold()


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """A validated rules document. ``sla`` is the compiled SLA section (or ``None``)."""

    name: str
    sha256: str
    rules: tuple[Rule, ...]
    pools: Mapping[str, Pool]
    queues: frozenset[str]
    fallback_queue: str
    territories: tuple[Territory, ...]
    account_match: AccountMatchSpec
    duplicates: DuplicatesSpec
    fields: tuple[FieldRef, ...]
    sla: Any = None
    warnings: tuple[str, ...] = field(default=())
    matcher: Callable[[Mapping[str, Any]], int] | None = None
    _field_readers: tuple[tuple[str, Reader], ...] | None = field(default=None, repr=False)

    @property
    def field_readers(self) -> tuple[tuple[str, Reader], ...]:
        """``(facts key, reader)`` for every field the predicates read."""
        readers = self._field_readers
        if readers is None:
            readers = tuple((ref.key, reader(ref.name, ref.kind)) for ref in self.fields)
            object.__setattr__(self, "_field_readers", readers)
        return readers

    def rep_emails(self) -> frozenset[str]:
        """Every rep the document names (pool members and territory owners)."""
        reps = {m.rep for pool in self.pools.values() for m in pool.members}
        reps.update(t.owner for t in self.territories if t.owner)
        return frozenset(reps)

    def territories_of(self, lead: Mapping[str, Any]) -> tuple[Territory, ...]:
        """Every territory containing ``lead``, in document order."""
        if not self.territories:
            return ()
        where = location(lead)
        return tuple(t for t in self.territories if t.holds(*where))

    def first_match(self, facts: Mapping[str, Any]) -> Rule | None:
        """The first rule whose condition holds (generated matcher when compiled with one)."""
        if self.matcher is not None:
            index = self.matcher(facts)
            return self.rules[index] if index >= 0 else None
        for rule in self.rules:
            if rule.predicate(facts):
                return rule
        return None

    def chain(self, target: str) -> list[str]:
        """``target`` then its fallbacks, ending in a queue (cycles are refused at compile)."""
        names = [target]
        while names[-1] in self.pools:
            nxt = self.pools[names[-1]].fallback
            names.append(nxt if nxt is not None else self.fallback_queue)
        return names
