"""Validate a rules document and compile it once into fast predicates.

:func:`compile_rules` raises one :class:`~coxswain.routing.errors.RulesError` naming the rule
(or pool, territory, policy) and the problem: an unknown key or field, a bad operator or value,
a pool or queue that does not exist, an empty pool, a fallback cycle, or a rule that can never
match because an earlier rule catches every lead it would (a catch-all, or a broader test).
Reps are checked against the users table by the service (:func:`check_reps`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from coxswain.routing.engine.conditions import (
    ConditionError,
    compile_predicate,
    describe,
    implies,
    parse_when,
    tests_in,
)
from coxswain.routing.engine.document import MEMBER_METHODS, PoolSpec, RulesDocument, RuleSpec
from coxswain.routing.engine.fields import SET, TEXT, FieldRef, resolve
from coxswain.routing.engine.matcher import build_matcher
from coxswain.routing.engine.model import CompiledRules, Member, Pool, Rule, Territory
from coxswain.routing.engine.operators import OperatorError, postal_ranges
from coxswain.routing.engine.validation_messages import describe_pydantic_error
from coxswain.routing.errors import RulesError
from coxswain.sla.engine.policies import SlaConfigError, compile_sla


def document_sha256(document: Mapping[str, Any]) -> str:
    """A stable fingerprint of a parsed document (key order and whitespace do not matter)."""
    canonical = json.dumps(document, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_document(raw: Mapping[str, Any], source: str = "rules") -> RulesDocument:
    """Structural validation only; the first problem becomes a :class:`RulesError`."""
    if not isinstance(raw, Mapping):
        raise RulesError(source, "", "expected a mapping at the top level (version, pools, ...)")
    try:
        return RulesDocument.model_validate(dict(raw))
    except PydanticValidationError as exc:
        where, problem = describe_pydantic_error(exc.errors()[0], raw)
        raise RulesError(source, where, problem) from None


def compile_rules(raw: Mapping[str, Any], source: str = "rules") -> CompiledRules:
    """Validate ``raw`` (a parsed YAML/JSON document) and compile it.

    Args:
        raw: the document as plain data.
        source: how errors name the document (usually the file name).

    Raises:
        RulesError: the first problem found, naming the item and what is wrong.
    """
    document = parse_document(raw, source)
    names = _unique_names(document, source)
    territories = tuple(_territory(spec, source) for spec in document.territories)
    queues = frozenset([document.fallback_queue, *document.queues])
    pools = {spec.name: _pool(spec, source, names, territories) for spec in document.pools}
    _check_fallback_cycles(pools, source)
    rules = _rules(document.rules, source, pools, queues, territories)
    sla = _sla(document, source, queues)
    fields = _referenced_fields(rules, pools, sla)
    return CompiledRules(
        name=document.name,
        sha256=document_sha256(raw),
        rules=rules,
        pools=pools,
        queues=queues,
        fallback_queue=document.fallback_queue,
        territories=territories,
        account_match=document.account_match,
        duplicates=document.duplicates,
        fields=fields,
        sla=sla,
        warnings=tuple(_unused_pools(rules, pools)),
        matcher=build_matcher([rule.condition for rule in rules]),
    )


def _unique_names(document: RulesDocument, source: str) -> dict[str, set[str]]:
    groups = {
        "pool": [p.name for p in document.pools],
        "queue": [document.fallback_queue, *document.queues],
        "territory": [t.name for t in document.territories],
        "rule": [r.name for r in document.rules],
    }
    for kind, names in groups.items():
        seen: set[str] = set()
        for name in names:
            if name in seen and not (kind == "queue" and name == document.fallback_queue):
                raise RulesError(source, f"{kind} {name!r}", "the name is used twice")
            seen.add(name)
    overlap = set(groups["pool"]) & set(groups["queue"])
    if overlap:
        name = sorted(overlap)[0]
        raise RulesError(source, f"pool {name!r}", "a queue has the same name; rename one")
    return {kind: set(names) for kind, names in groups.items()}


def _territory(spec: Any, source: str) -> Territory:
    where = f"territory {spec.name!r}"
    if not (spec.countries or spec.states or spec.postal_codes):
        raise RulesError(source, where, "give at least one of countries, states, postal_codes")
    try:
        ranges = postal_ranges(spec.postal_codes, TEXT) if spec.postal_codes else ()
    except OperatorError as exc:
        raise RulesError(source, where, f"postal_codes: expected {exc}") from None
    return Territory(
        name=spec.name,
        owner=spec.owner.strip().casefold() if spec.owner else None,
        countries=frozenset(c.strip().casefold() for c in spec.countries),
        states=frozenset(s.strip().casefold() for s in spec.states),
        postal_ranges=ranges,
    )


def _pool(
    spec: PoolSpec, source: str, names: dict[str, set[str]], territories: tuple[Territory, ...]
) -> Pool:
    where = f"pool {spec.name!r}"
    if spec.method in MEMBER_METHODS and not spec.members:
        raise RulesError(source, where, f"empty pool: {spec.method} needs at least one member")
    if spec.method == "territory_owner" and not any(t.owner for t in territories):
        raise RulesError(source, where, "territory_owner needs territories with an owner")
    members = tuple(_member(m) for m in spec.members)
    reps = [m.rep for m in members]
    duplicated = sorted({r for r in reps if reps.count(r) > 1})
    if duplicated:
        raise RulesError(source, where, f"rep {duplicated[0]!r} is listed twice")
    if spec.fallback is not None and spec.fallback not in names["pool"] | names["queue"]:
        raise RulesError(source, where, f"fallback {spec.fallback!r} is not a pool or queue")
    skill_field = None
    if spec.skill_field is not None:
        try:
            skill_field = resolve(spec.skill_field, TEXT)
        except KeyError as exc:
            raise RulesError(source, where, f"skill_field: {exc.args[0]}") from None
    return Pool(
        name=spec.name,
        method=spec.method,
        members=members,
        fallback=spec.fallback,
        working_hours_only=spec.working_hours_only,
        segment_match=spec.segment_match,
        required_skills=frozenset(s.strip().casefold() for s in spec.required_skills),
        skill_field=skill_field,
    )


def _member(spec: Any) -> Member:
    return Member(
        rep=spec.rep.strip().casefold(),
        weight=spec.weight,
        skills=frozenset(s.strip().casefold() for s in spec.skills),
        cap_per_day=spec.cap_per_day,
        cap_per_week=spec.cap_per_week,
    )


def _check_fallback_cycles(pools: Mapping[str, Pool], source: str) -> None:
    for start in pools:
        seen = [start]
        current = pools[start].fallback
        while current is not None and current in pools:
            if current in seen:
                path = " → ".join([*seen, current])
                raise RulesError(source, f"pool {start!r}", f"fallback cycle {path}")
            seen.append(current)
            current = pools[current].fallback


def _rules(
    specs: list[RuleSpec],
    source: str,
    pools: Mapping[str, Pool],
    queues: frozenset[str],
    territories: tuple[Territory, ...],
) -> tuple[Rule, ...]:
    compiled: list[Rule] = []
    territory_names = {t.name.casefold() for t in territories}
    for position, spec in enumerate(specs, start=1):
        where = f"rule {spec.name!r} (#{position})"
        target = _target(spec, source, where, pools, queues)
        if not spec.enabled:
            continue
        try:
            condition = parse_when(spec.when)
        except ConditionError as exc:
            raise RulesError(source, where, str(exc)) from None
        _check_territory_names(condition, territory_names, source, where)
        _check_reachable(condition, compiled, source, where)
        rule = Rule(
            index=position,
            name=spec.name,
            condition=condition,
            predicate=compile_predicate(condition),
            target=target,
            target_is_queue=spec.queue is not None,
            text=describe(condition),
        )
        compiled.append(rule)
    return tuple(compiled)


def _target(
    spec: RuleSpec, source: str, where: str, pools: Mapping[str, Pool], queues: frozenset[str]
) -> str:
    if spec.pool is not None and spec.pool not in pools:
        raise RulesError(source, where, f"pool {spec.pool!r} is not defined under pools")
    if spec.queue is not None and spec.queue not in queues:
        raise RulesError(source, where, f"queue {spec.queue!r} is not defined under queues")
    target = spec.pool if spec.pool is not None else spec.queue
    assert target is not None  # the document model guarantees one of them
    return target


def _check_reachable(condition: Any, earlier_rules: list[Rule], source: str, where: str) -> None:
    for earlier in earlier_rules:
        if implies(condition, earlier.condition):
            problem = (
                f"unreachable: rule {earlier.name!r} (#{earlier.index}) already catches "
                f"every lead it would match ({earlier.text})"
            )
            raise RulesError(source, where, problem)


def _check_territory_names(condition: Any, known: set[str], source: str, where: str) -> None:
    for test in tests_in(condition):
        if test.field.kind != SET or test.op == "is_blank":
            continue
        values = test.value if isinstance(test.value, frozenset) else {test.value}
        for value in sorted(values):
            if value not in known:
                raise RulesError(source, where, f"territory {value!r} is not defined")


def _sla(document: RulesDocument, source: str, queues: frozenset[str]) -> Any:
    if document.sla is None:
        return None
    try:
        return compile_sla(document.sla, queues)
    except SlaConfigError as exc:
        raise RulesError(source, exc.where, exc.problem) from None


def _referenced_fields(
    rules: Iterable[Rule], pools: Mapping[str, Pool], sla: Any
) -> tuple[FieldRef, ...]:
    fields: dict[str, FieldRef] = {}
    conditions = [rule.condition for rule in rules]
    if sla is not None:
        conditions.extend(policy.condition for policy in sla.policies)
    for condition in conditions:
        for test in tests_in(condition):
            fields[test.field.key] = test.field
    for pool in pools.values():
        if pool.skill_field is not None:
            fields[pool.skill_field.key] = pool.skill_field
    fields.pop("territory", None)  # computed by the router from the territories
    return tuple(fields.values())


def _unused_pools(rules: tuple[Rule, ...], pools: Mapping[str, Pool]) -> list[str]:
    used = {rule.target for rule in rules} | {p.fallback for p in pools.values() if p.fallback}
    return [
        f"pool {name!r} is not used by any rule or fallback" for name in pools if name not in used
    ]


def check_reps(compiled: CompiledRules, known: Iterable[str], source: str = "rules") -> None:
    """Refuse a document naming a rep that is not a user (``known``: case-folded e-mails)."""
    known_set = set(known)
    for pool in compiled.pools.values():
        for member in pool.members:
            if member.rep not in known_set:
                where = f"pool {pool.name!r}"
                raise RulesError(source, where, f"unknown rep {member.rep!r} (no such user)")
    for territory in compiled.territories:
        if territory.owner and territory.owner not in known_set:
            where = f"territory {territory.name!r}"
            raise RulesError(source, where, f"unknown rep {territory.owner!r} (no such user)")
