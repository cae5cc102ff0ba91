"""The condition language of rules and SLA policies: parse, compile, describe, compare.

A ``when`` block is a mapping. Each key is a field (its value: ``{operator: value, ...}``, a
list meaning ``in``, or a scalar meaning ``equals``) or one of ``all`` / ``any`` (a list of
``when`` blocks) and ``not`` (one ``when`` block). Keys of one mapping must all hold::

    when:
      country: {in: [United States, Canada]}
      employees: {gte: 1000}
      any:
        - source: partner
        - score: {gte: 80}

:func:`implies` decides (conservatively: it may answer False for an implication it cannot
see, never True for a false one) whether one condition implies another; the compiler uses it
to find rules that can never match because an earlier rule catches all their leads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coxswain.routing.engine.fields import NUMBER, SET, TEXT, FieldRef, resolve
from coxswain.routing.engine.operators import (
    ALIASES,
    NUMERIC_OPERATORS,
    OPERATORS,
    OperatorError,
    Predicate,
    operator_names_for,
)


class ConditionError(ValueError):
    """A ``when`` block that cannot be used; the message names the field and the problem."""


@dataclass(frozen=True, slots=True)
class Test:
    """One field test. ``value`` is normalised; ``shown`` is the value as the author wrote it."""

    field: FieldRef
    op: str
    value: Any
    shown: str


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Condition


Condition = Test | AllOf | AnyOf | Not
ALWAYS = AllOf(())


def parse_when(when: Any) -> Condition:
    """Parse a ``when`` block (``None`` or ``{}`` is the catch-all :data:`ALWAYS`)."""
    if when is None:
        return ALWAYS
    if not isinstance(when, Mapping):
        raise ConditionError("'when' must be a mapping of field → test")
    parts: list[Condition] = []
    for key, spec in when.items():
        parts.extend(_parse_entry(str(key), spec))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _parse_entry(key: str, spec: Any) -> list[Condition]:
    if key in ("all", "any"):
        if not isinstance(spec, list) or not spec:
            raise ConditionError(f"'{key}' needs a non-empty list of conditions")
        branches = tuple(parse_when(item) for item in spec)
        return [AllOf(branches) if key == "all" else AnyOf(branches)]
    if key == "not":
        return [Not(parse_when(spec))]
    if isinstance(spec, Mapping):
        if not spec:
            raise ConditionError(f"field {key!r} has an empty test")
        return [_parse_test(key, str(op), value) for op, value in spec.items()]
    if isinstance(spec, list):
        return [_parse_test(key, "in", spec)]
    return [_parse_test(key, "equals", spec)]


def _parse_test(name: str, op: str, value: Any) -> Test:
    op = ALIASES.get(op, op)
    spec = OPERATORS.get(op)
    if spec is None:
        known = ", ".join(sorted(OPERATORS))
        raise ConditionError(f"unknown operator {op!r} on field {name!r} (known: {known})")
    wanted = NUMBER if op in NUMERIC_OPERATORS else None
    try:
        field = resolve(name, wanted)
    except KeyError as exc:
        raise ConditionError(str(exc.args[0])) from None
    if field.kind not in spec.kinds:
        allowed = ", ".join(operator_names_for(field.kind))
        raise ConditionError(
            f"operator {op!r} does not apply to {field.kind} field {name!r} (use: {allowed})"
        )
    try:
        parsed = spec.parse(value, field.kind)
    except OperatorError as exc:
        raise ConditionError(f"field {name!r} {op}: expected {exc}") from None
    return Test(field, op, parsed, _show(value))


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join("null" if v is None else str(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def compile_predicate(condition: Condition) -> Predicate:
    """A function ``facts → bool`` for ``condition`` (facts are prepared by the router)."""
    if isinstance(condition, Test):
        spec = OPERATORS[condition.op]
        return spec.make(condition.field.key, condition.value, condition.field.kind)
    if isinstance(condition, Not):
        inner = compile_predicate(condition.part)
        return lambda facts: not inner(facts)
    predicates = tuple(compile_predicate(part) for part in condition.parts)
    if isinstance(condition, AnyOf):
        return lambda facts: any(p(facts) for p in predicates)
    if not predicates:
        return lambda _facts: True
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda facts: first(facts) and second(facts)
    return lambda facts: all(p(facts) for p in predicates)


def describe(condition: Condition) -> str:
    """Human-readable text: ``country in [US, CA] and employees gte 1000``."""
    if isinstance(condition, Test):
        return f"{condition.field.name} {condition.op} {condition.shown}"
    if isinstance(condition, Not):
        return f"not ({describe(condition.part)})"
    if not condition.parts:
        return "always"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    texts = [
        f"({describe(p)})" if isinstance(p, AllOf | AnyOf) and len(p.parts) > 1 else describe(p)
        for p in condition.parts
    ]
    return joiner.join(texts)


def tests_in(condition: Condition) -> list[Test]:
    """Every :class:`Test` inside ``condition`` (for field lists and territory checks)."""
    if isinstance(condition, Test):
        return [condition]
    if isinstance(condition, Not):
        return tests_in(condition.part)
    return [test for part in condition.parts for test in tests_in(part)]


def implies(b: Condition, a: Condition) -> bool:
    """True only when every lead satisfying ``b`` also satisfies ``a`` (sound, not complete)."""
    if isinstance(a, AllOf):
        return all(implies(b, part) for part in a.parts)
    if isinstance(b, AnyOf):
        return all(implies(part, a) for part in b.parts)
    if isinstance(b, AllOf):
        return any(implies(part, a) for part in b.parts)
    if isinstance(a, AnyOf):
        return any(implies(b, part) for part in a.parts)
    if isinstance(a, Test) and isinstance(b, Test):
        return _test_implies(b, a)
    return a == b


def _test_implies(b: Test, a: Test) -> bool:
    if b.field != a.field:
        return False
    if (b.op, b.value) == (a.op, a.value):
        return True
    values = _positive_values(b)
    if values is not None:
        holds = compile_predicate(a)
        return all(holds({a.field.key: _as_fact(v, a.field.kind)}) for v in values)
    b_range, a_range = _interval(b), _interval(a)
    if b_range is not None and a_range is not None:
        return _contains(a_range, b_range)
    return a.op == "is_blank" and a.value is False and b.op in _POSITIVE


_POSITIVE = frozenset(
    {"equals", "in", "gt", "gte", "lt", "lte", "between", "contains", "starts_with"}
    | {"ends_with", "matches", "postal_range"}
)


def _positive_values(test: Test) -> frozenset[Any] | None:
    if test.field.kind == SET:
        return None
    if test.op == "equals":
        return frozenset({test.value})
    if test.op == "in":
        return frozenset(test.value)
    return None


def _as_fact(value: Any, kind: str) -> Any:
    return frozenset({value}) if kind == SET else value


Bound = tuple[Any, bool] | None  # (value, inclusive); None = unbounded
Interval = tuple[Bound, Bound]


def _interval(test: Test) -> Interval | None:
    v = test.value
    shapes: dict[str, Interval] = {
        "gt": ((v, False), None),
        "gte": ((v, True), None),
        "lt": (None, (v, False)),
        "lte": (None, (v, True)),
    }
    if test.op in shapes:
        return shapes[test.op]
    if test.op == "between":
        low, high = v
        return (None if low is None else (low, True), None if high is None else (high, True))
    return None


def _contains(outer: Interval, inner: Interval) -> bool:
    (o_low, o_high), (i_low, i_high) = outer, inner
    return _low_within(o_low, i_low) and _high_within(o_high, i_high)


def _low_within(outer: Bound, inner: Bound) -> bool:
    if outer is None:
        return True
    if inner is None:
        return False
    return inner[0] > outer[0] or (inner[0] == outer[0] and (outer[1] or not inner[1]))


def _high_within(outer: Bound, inner: Bound) -> bool:
    if outer is None:
        return True
    if inner is None:
        return False
    return inner[0] < outer[0] or (inner[0] == outer[0] and (outer[1] or not inner[1]))


__all__ = [
    "ALWAYS",
    "TEXT",
    "AllOf",
    "AnyOf",
    "Condition",
    "ConditionError",
    "Not",
    "Test",
    "compile_predicate",
    "describe",
    "implies",
    "parse_when",
    "tests_in",
]
