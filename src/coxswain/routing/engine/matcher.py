"""Compile an ordered rule list into one Python function: the first rule that matches.

The closures from :func:`~coxswain.routing.engine.conditions.compile_predicate` call one
function per test; here every field is read once into a local and each test is an inline
expression, which makes first-match evaluation several times faster on large rule sets.

Safety: no text from the rules file is ever written into the generated source. Field keys and
values are bound as constants (``k3``, ``c7``) in the function's namespace; the source only
contains those generated names, operators and rule positions. Property tests check that the
generated matcher and the closures always pick the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from coxswain.routing.engine.conditions import AllOf, Condition, Not, Test
from coxswain.routing.engine.fields import SET
from coxswain.routing.engine.operators import postal_key, postal_matches

Matcher = Callable[[Mapping[str, Any]], int]

_COMPARE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class _Emitter:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "postal_key": postal_key,
            "postal_matches": postal_matches,
        }
        self.locals: dict[str, str] = {}
        self.lines: list[str] = []

    def const(self, value: Any) -> str:
        name = f"c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def field(self, key: str) -> str:
        if key not in self.locals:
            name = f"x{len(self.locals)}"
            self.locals[key] = name
            self.lines.append(f"    {name} = get({self.const(key)})")
        return self.locals[key]

    def expression(self, condition: Condition) -> str:
        if isinstance(condition, Test):
            return self.test(condition)
        if isinstance(condition, Not):
            return f"(not {self.expression(condition.part)})"
        if not condition.parts:
            return "True" if isinstance(condition, AllOf) else "False"
        joiner = " and " if isinstance(condition, AllOf) else " or "
        return "(" + joiner.join(self.expression(p) for p in condition.parts) + ")"

    def test(self, test: Test) -> str:
        x, op = self.field(test.field.key), test.op
        c = self.const(test.value)
        if test.field.kind == SET:
            return self._set_test(x, op, c)
        simple = {
            "equals": f"({x} == {c})",
            "not_equals": f"({x} != {c})",
            "in": f"({x} in {c})",
            "not_in": f"({x} not in {c})",
            "contains": f"({x} is not None and {c} in {x})",
            "starts_with": f"({x} is not None and {x}.startswith({c}))",
            "ends_with": f"({x} is not None and {x}.endswith({c}))",
            "matches": f"({x} is not None and {c}.search({x}) is not None)",
            "postal_range": f"({x} is not None and postal_matches(postal_key({x}), {c}))",
            "is_blank": f"(({x} is None) is {c})",
        }
        if op in simple:
            return simple[op]
        if op in _COMPARE:
            return f"({x} is not None and {x} {_COMPARE[op]} {c})"
        low, high = test.value  # between
        parts = [f"{x} is not None"]
        if low is not None:
            parts.append(f"{x} >= {c}[0]")
        if high is not None:
            parts.append(f"{x} <= {c}[1]")
        return "(" + " and ".join(parts) + ")"

    @staticmethod
    def _set_test(x: str, op: str, c: str) -> str:
        if op == "is_blank":
            return f"((not {x}) is {c})"
        if op in ("equals", "not_equals"):
            positive = f"({c} in ({x} or ()))"
        else:
            positive = f"(not {c}.isdisjoint({x} or ()))"
        return positive if op in ("equals", "in") else f"(not {positive})"


def build_matcher(conditions: Sequence[Condition]) -> Matcher:
    """A function ``facts → index`` of the first condition that holds, or ``-1``."""
    emitter = _Emitter()
    body: list[str] = []
    for index, condition in enumerate(conditions):
        expression = emitter.expression(condition)
        body.append(f"    if {expression}:\n        return {index}")
    source = "\n".join(
        ["def match(facts):", "    get = facts.get", *emitter.lines, *body, "    return -1"]
    )
    namespace = dict(emitter.namespace)
    exec(compile(source, "<routing rules>", "exec"), namespace)
    matcher: Matcher = namespace["match"]
    return matcher
