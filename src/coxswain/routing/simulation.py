"""What-if: replay leads under proposed rules and compare with the current rules.

Nothing is written and nothing is locked. Both runs start from the same state: today's rep
profiles (active, out of office, capacities, working hours), dated absences, no open leads
and fresh rotations, so differences come from the rules alone. With ``replay`` each lead is
routed at its own ``received_at`` (else ``mql_at``, else ``as_of``), in time order, so working
hours, absences and daily caps apply as they would have; without it every lead is routed at
``as_of`` in file order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from coxswain.auth.principal import Permission, Principal
from coxswain.routing.bulk_context import BulkLead, BulkMatcher
from coxswain.routing.engine.decision import Decision
from coxswain.routing.engine.router import Router
from coxswain.routing.engine.state import RoutingState, period_keys
from coxswain.routing.errors import NoActiveRulesError
from coxswain.routing.gc_pause import cyclic_gc_paused
from coxswain.routing.rules_store import LoadedRules, active_rules, load_rules
from coxswain.routing.schemas import SimulationReport, SimulationRepRow
from coxswain.routing.state_loader import load_state


def lead_instant(fields: Any, fallback: datetime) -> datetime:
    for name in ("received_at", "mql_at"):
        value = fields.get(name)
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value
    return fallback


def run_in_memory(
    session: Session, loaded: LoadedRules, items: Sequence[BulkLead], *, as_of: datetime
) -> tuple[list[Decision], RoutingState]:
    """Route ``items`` (each at its ``as_of`` or the run's) against a fresh in-memory state."""
    instants = [item.as_of or as_of for item in items]
    window = (min(instants, default=as_of), max(instants, default=as_of))
    matcher = BulkMatcher(session, loaded.compiled)
    reps = set(loaded.compiled.rep_emails()) | matcher.owners() | matcher.duplicate_owners()
    state = load_state(
        session, pools=(), reps=reps, as_of=as_of, lock=False, window=window, with_loads=False
    ).state
    router = Router(loaded.compiled, state)
    decisions = []
    with cyclic_gc_paused():
        for item in items:
            decision = router.route(
                item.fields, as_of=item.as_of or as_of, lead_ref=item.ref,
                context=matcher.context(item),
            )  # fmt: skip
            matcher.remember(item, decision)
            decisions.append(decision)
    return decisions, state


def simulate(
    session: Session,
    actor: Principal,
    items: Sequence[BulkLead],
    *,
    proposed: LoadedRules,
    current: LoadedRules | None,
    as_of: datetime,
    replay: bool = True,
) -> SimulationReport:
    """Each rep's share and load under ``current`` and ``proposed`` rules; changes nothing."""
    actor.require(Permission.READ, "simulate routing")
    if replay:
        timed = [BulkLead(i.ref, i.fields, i.lead, lead_instant(i.fields, as_of)) for i in items]
        ordered = sorted(timed, key=lambda i: i.as_of or as_of)
    else:
        ordered = list(items)
    new, new_state = run_in_memory(session, proposed, ordered, as_of=as_of)
    old: list[Decision] = []
    old_state: RoutingState | None = None
    if current is not None:
        old, old_state = run_in_memory(session, current, ordered, as_of=as_of)
    reps = _rep_rows(old, new, old_state, new_state)
    changed = sum(1 for a, b in zip(old, new, strict=False) if a.owner != b.owner)
    return SimulationReport(
        leads=len(ordered),
        current_source=current.source if current else "(no current rules)",
        proposed_source=proposed.source,
        reps=reps,
        queues=_pairs(
            Counter(d.queue for d in old if d.queue), Counter(d.queue for d in new if d.queue)
        ),
        rules=_pairs(Counter(d.rule_label for d in old), Counter(d.rule_label for d in new)),
        owner_changes=changed,
        replay=replay,
    )


def _pairs(old: Counter[Any], new: Counter[Any]) -> dict[str, tuple[int, int]]:
    keys = sorted(set(old) | set(new), key=lambda k: (-(old[k] + new[k]), str(k)))
    return {str(k): (old[k], new[k]) for k in keys}


def _daily(decisions: Sequence[Decision], state: RoutingState | None) -> dict[str, Counter[date]]:
    days: dict[str, Counter[date]] = defaultdict(Counter)
    if state is None:
        return days
    for decision in decisions:
        if decision.owner and decision.owner in state.reps:
            day, _ = period_keys(state.reps[decision.owner], decision.decided_at)
            days[decision.owner][day] += 1
    return days


def _rep_rows(
    old: Sequence[Decision],
    new: Sequence[Decision],
    old_state: RoutingState | None,
    new_state: RoutingState,
) -> list[SimulationRepRow]:
    old_counts = Counter(d.owner for d in old if d.owner)
    new_counts = Counter(d.owner for d in new if d.owner)
    old_days, new_days = _daily(old, old_state), _daily(new, new_state)
    old_total, new_total = max(sum(old_counts.values()), 1), max(sum(new_counts.values()), 1)
    rows = []
    for rep in sorted(set(old_counts) | set(new_counts)):
        profile = new_state.reps.get(rep) or (old_state.reps.get(rep) if old_state else None)
        cap = profile.capacity_per_day if profile else None
        rows.append(
            SimulationRepRow(
                rep=rep, name=profile.name if profile else "",
                current_leads=old_counts[rep], current_share=old_counts[rep] / old_total,
                proposed_leads=new_counts[rep], proposed_share=new_counts[rep] / new_total,
                delta=new_counts[rep] - old_counts[rep],
                current_peak_day=max(old_days[rep].values(), default=0),
                proposed_peak_day=max(new_days[rep].values(), default=0),
                proposed_days_at_cap=sum(1 for n in new_days[rep].values() if cap and n >= cap),
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (-r.proposed_leads, -r.current_leads, r.rep))
    return rows


def simulate_leads(
    session: Session,
    actor: Principal,
    leads: Sequence[Mapping[str, Any]],
    *,
    proposed: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
    as_of: datetime,
    replay: bool = True,
) -> SimulationReport:
    """:func:`simulate` for plain data (the API): leads as dicts with native field names
    (``external_id`` or ``lead_id`` names each), rule documents as parsed YAML/JSON;
    ``current=None`` compares with the published rules (if any)."""
    items = [
        BulkLead(str(lead.get("external_id") or lead.get("lead_id") or f"#{i + 1}"), dict(lead))
        for i, lead in enumerate(leads)
    ]
    proposed_rules = load_rules(session, proposed, "proposed rules")
    if current is not None:
        baseline: LoadedRules | None = load_rules(session, current, "current rules")
    else:
        try:
            baseline = active_rules(session)
        except NoActiveRulesError:
            baseline = None
    return simulate(
        session, actor, items, proposed=proposed_rules, current=baseline, as_of=as_of,
        replay=replay,
    )  # fmt: skip
