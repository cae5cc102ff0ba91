"""What routing needs beyond the lead's fields: its account, its duplicate, pools and reps."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from coxswain.leads.models import Lead
from coxswain.matching.service import account_index, find_duplicate
from coxswain.people.models import User
from coxswain.routing.engine.decision import AccountContext, DuplicateContext
from coxswain.routing.engine.model import CompiledRules
from coxswain.routing.engine.router import LeadContext, prepare_facts


@dataclass(frozen=True, slots=True)
class MatchedContext:
    context: LeadContext
    original: Lead | None = None
    matched_on: str | None = None
    merge: bool = False


def match_context(
    session: Session, rules: CompiledRules, fields: Mapping[str, Any], lead_id: uuid.UUID | None
) -> MatchedContext:
    """The account the lead belongs to and the open lead it duplicates (as configured)."""
    account = None
    if rules.account_match.enabled:
        match = account_index(session, rules.account_match.name_threshold).match(fields)
        if match is not None:
            record = match.account
            account = AccountContext(
                record.account_id, record.name, record.owner, match.description, match.score
            )
    duplicate, original, matched_on = None, None, None
    if rules.duplicates.enabled:
        found = find_duplicate(session, fields, lead_id, rules.duplicates.match_on)
        if found is not None:
            original, matched_on = found
            owner = session.get(User, original.owner_id) if original.owner_id else None
            duplicate = DuplicateContext(
                original.external_id or str(original.id),
                owner.email.casefold() if owner is not None else None,
                matched_on,
            )
    merge = rules.duplicates.action == "merge"
    context = LeadContext(account=account, duplicate=duplicate)
    return MatchedContext(context, original, matched_on, merge)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a decision may touch: the pools in fallback order and the reps they consider."""

    pools: list[str]
    reps: set[str]
    pool_reps: dict[str, set[str]]
    open_leads: bool
    capped_members: frozenset[str]


def routing_plan(rules: CompiledRules, fields: Mapping[str, Any], context: LeadContext) -> Plan:
    """The pools the lead may go through (to lock) and every rep the decision may consider."""
    if context.pool is not None:
        target = context.pool
    else:
        rule = rules.first_match(prepare_facts(rules, fields))
        target = rule.target if rule is not None else rules.fallback_queue
    pools = [name for name in rules.chain(target) if name in rules.pools]
    pool_reps = {name: {m.rep for m in rules.pools[name].members} for name in pools}
    for name in pools:
        if rules.pools[name].method == "territory_owner":
            pool_reps[name].update(t.owner for t in rules.territories if t.owner)
    reps = set().union(*pool_reps.values()) if pool_reps else set()
    for owner in (
        context.account.owner if context.account else None,
        context.duplicate.owner if context.duplicate else None,
    ):
        if owner:
            reps.add(owner)
    capped = frozenset(
        m.rep
        for name in pools
        for m in rules.pools[name].members
        if m.cap_per_day is not None or m.cap_per_week is not None
    )
    balanced = any(rules.pools[name].method == "load_balanced" for name in pools)
    return Plan(pools, reps, pool_reps, balanced, capped)
