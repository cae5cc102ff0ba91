"""Decide where a lead goes, and why; apply decisions to an in-memory state for batches.

Order of business for one lead (each step is written to the explanation):

1. A duplicate of a lead someone owns goes to that owner (when available and configured).
2. A lead matching an existing account goes to the account owner (when available and
   configured); an unavailable owner sends the lead on to the rules, or to the queue.
3. The first rule whose condition holds names a pool (or a queue); no match → fallback queue.
4. The pool's method picks among eligible members; nobody eligible → the pool's fallback
   (another pool or a queue), ending in the document's fallback queue.

:class:`Router` caches what does not change while ``as_of`` stays the same (availability,
local day), so a batch routed "now" costs a few microseconds per lead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from coxswain.routing.engine.candidates import EXCLUDED, MEMBER_METHODS, CandidateChecker
from coxswain.routing.engine.decision import (
    FALLBACK,
    QUEUE,
    AccountContext,
    Decision,
    DuplicateContext,
    PoolAttempt,
    RotationUpdate,
)
from coxswain.routing.engine.distribution import Choice, choose
from coxswain.routing.engine.model import CompiledRules, Member, Pool, Rule, Territory
from coxswain.routing.engine.reasons import Why
from coxswain.routing.engine.state import (
    RepProfile,
    RoutingState,
    period_keys,
)


@dataclass(frozen=True, slots=True)
class LeadContext:
    """What the service knows beyond the lead's fields.

    Attributes:
        account: the existing account the lead matched, if any.
        duplicate: the lead this one duplicates, if any.
        exclude: reps who must not get the lead (its current owner on an SLA reassignment).
        pool: route within this pool, skipping owner shortcuts and rules (reassignment).
        reason: why the lead is being routed again (first step of the explanation).
    """

    account: AccountContext | None = None
    duplicate: DuplicateContext | None = None
    exclude: frozenset[str] = frozenset()
    pool: str | None = None
    reason: str | None = None


NO_CONTEXT = LeadContext()


def prepare_facts(
    rules: CompiledRules,
    lead: Mapping[str, Any],
    territories: tuple[Territory, ...] | None = None,
) -> dict[str, Any]:
    """The lead's values normalised for the compiled predicates (plus its territories)."""
    facts = {key: read(lead) for key, read in rules.field_readers}
    inside = rules.territories_of(lead) if territories is None else territories
    facts["territory"] = frozenset(t.name.casefold() for t in inside)
    return facts


@dataclass(slots=True)
class _Trail:
    lead_ref: str
    as_of: datetime
    territories: tuple[str, ...]
    context: LeadContext
    steps: list[Why]
    attempts: list[PoolAttempt]

    def decision(self, **fields: Any) -> Decision:
        values: dict[str, Any] = {"rule": None, "rule_index": None, "pool": None, "queue": None}
        values.update(fields)
        return Decision(
            lead_ref=self.lead_ref,
            decided_at=self.as_of,
            step_facts=tuple(self.steps),
            attempts=tuple(self.attempts),
            territories=self.territories,
            account=self.context.account,
            duplicate_of=self.context.duplicate,
            **values,
        )


class Router:
    """Routes leads against ``rules`` and ``state``; :meth:`route` also applies the result."""

    def __init__(self, rules: CompiledRules, state: RoutingState) -> None:
        self.rules = rules
        self.state = state
        self.checker = CandidateChecker(rules, state)

    def route(
        self,
        lead: Mapping[str, Any],
        *,
        as_of: datetime,
        lead_ref: str,
        context: LeadContext = NO_CONTEXT,
    ) -> Decision:
        decision = self.decide(lead, as_of=as_of, lead_ref=lead_ref, context=context)
        owner = decision.owner
        profile = self.state.reps.get(owner) if owner is not None else None
        periods = self.checker.periods(profile) if profile is not None else None
        apply(self.state, decision, periods)
        return decision

    def decide(
        self,
        lead: Mapping[str, Any],
        *,
        as_of: datetime,
        lead_ref: str,
        context: LeadContext = NO_CONTEXT,
    ) -> Decision:
        """The decision for ``lead`` at ``as_of``; the state is not changed."""
        self.checker.at(as_of)
        inside = self.rules.territories_of(lead)
        facts = prepare_facts(self.rules, lead, inside)
        trail = _Trail(lead_ref, as_of, tuple(t.name for t in inside), context, [], [])
        if context.reason:
            trail.steps.append(context.reason)
        if context.pool is None:
            early = self._owner_first(trail)
            if early is not None:
                return early
            rule = self.rules.first_match(facts)
            target = self._rule_target(trail, rule)
            if rule is not None and rule.target_is_queue:
                reason = f"rule {rule.name!r} sends its leads to queue {rule.target!r}"
                return trail.decision(
                    owner=None, queue=rule.target, rule=rule.name, rule_index=rule.index,
                    method=QUEUE, why=reason,
                )  # fmt: skip
        else:
            rule, target = None, context.pool
        return self._through_pools(trail, rule, target, lead, facts)

    def _rule_target(self, trail: _Trail, rule: Rule | None) -> str:
        if rule is None:
            trail.steps.append(f"no rule matched → fallback queue {self.rules.fallback_queue!r}")
            return self.rules.fallback_queue
        trail.steps.append(("rule_matched", rule.name, rule.index, rule.text))
        return rule.target

    def _owner_first(self, trail: _Trail) -> Decision | None:
        context = trail.context
        duplicate = context.duplicate
        if duplicate and duplicate.owner and self.rules.duplicates.route_to_existing_owner:
            why = self._unavailable(duplicate.owner, context)
            if why is None:
                reason = (
                    f"duplicate of lead {duplicate.lead_ref} (same {duplicate.matched_on}), "
                    f"which {duplicate.owner} owns"
                )
                return trail.decision(owner=duplicate.owner, method="duplicate_owner", why=reason)
            trail.steps.append(f"duplicate of lead {duplicate.lead_ref}: owner {why}; continuing")
        account = context.account
        if account and account.owner and self.rules.account_match.route_to_owner:
            why = self._unavailable(account.owner, context)
            if why is None:
                reason = (
                    f"existing account {account.name!r} (matched on {account.matched_on}) "
                    f"is owned by {account.owner}"
                )
                return trail.decision(owner=account.owner, method="account_owner", why=reason)
            trail.steps.append(f"account {account.name!r}: owner {account.owner} is {why}")
            if self.rules.account_match.when_owner_unavailable == "queue":
                queue = self.rules.fallback_queue
                reason = f"account owner unavailable ({why}); waiting in queue {queue!r}"
                return trail.decision(owner=None, queue=queue, method=FALLBACK, why=reason)
        return None

    def _through_pools(
        self,
        trail: _Trail,
        rule: Rule | None,
        target: str,
        lead: Mapping[str, Any],
        facts: Mapping[str, Any],
    ) -> Decision:
        found = {"rule": rule.name if rule else None, "rule_index": rule.index if rule else None}
        for name in self.rules.chain(target):
            pool = self.rules.pools.get(name)
            if pool is None:
                reason = f"nobody could take the lead; waiting in queue {name!r}"
                if name == target:
                    reason = f"no rule matched; waiting in queue {name!r}"
                return trail.decision(owner=None, queue=name, method=FALLBACK, why=reason, **found)
            choice, attempt = self._try_pool(pool, trail, lead, facts)
            trail.attempts.append(attempt)
            if choice is not None:
                rotation = self._rotation(pool, choice)
                return trail.decision(
                    owner=choice.rep, pool=pool.name, method=pool.method, why=choice.why,
                    rotation=rotation, **found,
                )  # fmt: skip
            trail.steps.append(attempt.outcome_why)
        raise AssertionError("chain always ends in a queue")  # pragma: no cover

    def _rotation(self, pool: Pool, choice: Choice) -> RotationUpdate | None:
        if pool.method not in MEMBER_METHODS:
            return None
        sequence = self.state.rotation(pool.name).sequence + 1
        return RotationUpdate(pool.name, sequence, choice.rep, choice.credits)

    def _try_pool(
        self, pool: Pool, trail: _Trail, lead: Mapping[str, Any], facts: Mapping[str, Any]
    ) -> tuple[Choice | None, PoolAttempt]:
        owners = [] if pool.method in MEMBER_METHODS else self._owners(pool, trail)
        eligible, skipped = self.checker.evaluate(
            pool, owners, exclude=trail.context.exclude, lead=lead, facts=facts
        )
        choice, ranked = choose(pool.method, eligible, self.state.rotation(pool.name))
        outcome: Why = (
            ("pool_empty", pool.name, self.rules.chain(pool.name)[1])
            if choice is None
            else ("pool_chosen", pool.name, choice.rep)
        )
        return choice, PoolAttempt(pool.name, pool.method, (*ranked, *skipped), outcome)

    def _owners(self, pool: Pool, trail: _Trail) -> list[tuple[str, Member | None, str | None]]:
        """Account or territory owners for the lead, as ``(rep, member, what they own)``."""
        if pool.method == "account_owner":
            account = trail.context.account
            if account is None or account.owner is None:
                return []
            return [(account.owner, pool.member(account.owner), f"account {account.name!r}")]
        owners: list[tuple[str, Member | None, str | None]] = []
        for territory in self.rules.territories:
            known = {rep for rep, _, _ in owners}
            if (
                territory.owner
                and territory.name in trail.territories
                and territory.owner not in known
            ):
                owners.append((territory.owner, None, f"territory {territory.name!r}"))
        return owners

    def _unavailable(self, rep: str, context: LeadContext) -> str | None:
        if rep in context.exclude:
            return EXCLUDED
        return self.checker.unavailable(rep, False)


def apply(
    state: RoutingState,
    decision: Decision,
    periods: tuple[date, tuple[int, int]] | None = None,
) -> None:
    """Count ``decision`` in ``state``: the owner's loads and the pool's rotation.

    ``periods`` (the owner's local day and ISO week at the decision) saves recomputing them.
    """
    owner = decision.owner
    if owner is not None:
        if periods is None:
            profile = state.reps.get(owner) or RepProfile(email=owner)
            periods = period_keys(profile, decision.decided_at)
        day, week = periods
        load = state.load(owner)
        load.open_leads += 1
        load.by_day[day] = load.by_day.get(day, 0) + 1
        load.by_week[week] = load.by_week.get(week, 0) + 1
    update = decision.rotation
    if update is not None:
        rotation = state.rotation(update.pool)
        rotation.sequence = update.sequence
        rotation.last[update.rep] = update.sequence
        if update.credits is not None:
            rotation.credit.update(update.credits)


def decide(
    rules: CompiledRules,
    lead: Mapping[str, Any],
    state: RoutingState,
    *,
    as_of: datetime,
    lead_ref: str,
    context: LeadContext = NO_CONTEXT,
) -> Decision:
    """One decision, without changing ``state`` (the service's entry point)."""
    return Router(rules, state).decide(lead, as_of=as_of, lead_ref=lead_ref, context=context)
