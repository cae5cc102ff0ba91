"""Condition operators: how each turns a rule's value into a fast predicate over lead facts.

Semantics (documented in docs/routing.md):

- Text compares trimmed and case-folded; regular expressions are case-insensitive ``search``.
- A missing value fails every positive test (``equals``, ``in``, ``gte``, ``matches`` ...) and
  passes the negative ones (``not_equals``, ``not_in``).
- ``between: [lo, hi]`` is inclusive at both ends; ``null`` leaves that end open.
- ``postal_range`` compares the code's leading characters with each bound of ``"LO..HI"``
  (or ``"LO-HI"`` when both sides have the same length), ``"941*"`` is a prefix, anything else
  an exact code. Codes are upper-cased without spaces; an all-digit code shorter than the bound
  gets its leading zeros back (``2139`` → ``02139``, as spreadsheets drop them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coxswain.routing.engine.fields import BOOL, DATETIME, NUMBER, SET, TEXT, normalise

Facts = Mapping[str, Any]
Predicate = Callable[[Facts], bool]
ORDERED = frozenset({NUMBER, DATETIME})
ALIASES = {"eq": "equals", "ne": "not_equals", "regex": "matches", "gt_or_eq": "gte"}


class OperatorError(ValueError):
    """A value an operator cannot use; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class OpSpec:
    kinds: frozenset[str]
    parse: Callable[[Any, str], Any]
    make: Callable[[str, Any, str], Predicate]


def scalar(value: Any, kind: str) -> Any:
    """One comparison value normalised to ``kind`` (ISO text is accepted for datetimes)."""
    if isinstance(value, list | dict):
        raise OperatorError(f"a single {kind} value, not {type(value).__name__}")
    if kind == DATETIME and isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise OperatorError(f"an ISO date-time, got {value!r}") from None
        if value.tzinfo is None:
            raise OperatorError(f"a date-time with a time zone offset, got {value!r}")
    result = normalise(value, TEXT if kind == SET else kind)
    if result is None:
        raise OperatorError(f"a {kind} value, got {value!r}")
    return result


def values_set(value: Any, kind: str) -> frozenset[Any]:
    if not isinstance(value, list) or not value:
        raise OperatorError("a non-empty list of values")
    return frozenset(scalar(item, kind) for item in value)


def bounds(value: Any, kind: str) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise OperatorError("a list [min, max] (null leaves an end open)")
    low = None if value[0] is None else scalar(value[0], kind)
    high = None if value[1] is None else scalar(value[1], kind)
    if low is None and high is None:
        raise OperatorError("at least one of min and max")
    if low is not None and high is not None and low > high:
        raise OperatorError(f"min ≤ max, got [{value[0]}, {value[1]}] (no value can match)")
    return low, high


def text_value(value: Any, _kind: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OperatorError("a non-empty text value")
    return value.strip().casefold()


def regex_value(value: Any, _kind: str) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise OperatorError("a regular expression as text")
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as exc:
        raise OperatorError(f"a valid regular expression ({exc})") from None


def flag_value(value: Any, _kind: str) -> bool:
    if not isinstance(value, bool):
        raise OperatorError("true or false")
    return value


PostalRange = tuple[str, str]


def postal_ranges(value: Any, _kind: str) -> tuple[PostalRange, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise OperatorError('a postal range such as "94000..94999" or a list of them')
    return tuple(_postal_range(item) for item in items)


def _postal_range(item: Any) -> PostalRange:
    text = postal_key(str(item)) if isinstance(item, str | int) else ""
    if not text:
        raise OperatorError(f'a postal range such as "94000..94999", got {item!r}')
    if ".." in text:
        low, high = text.split("..", 1)
    elif text.count("-") == 1 and len(text.split("-")[0]) == len(text.split("-")[1]):
        low, high = text.split("-")
    elif text.endswith("*"):
        prefix = text[:-1]
        return prefix, prefix
    else:
        return text, text
    if not low or len(low) != len(high) or low > high:
        raise OperatorError(f"a range with bounds of equal length, low ≤ high, got {item!r}")
    return low, high


def postal_key(code: str) -> str:
    return code.upper().replace(" ", "")


def postal_matches(code: str, ranges: tuple[PostalRange, ...]) -> bool:
    """True when ``code`` (already upper-cased, no spaces) falls in one of ``ranges``."""
    for low, high in ranges:
        width = len(low)
        candidate = code.zfill(width) if code.isdigit() and len(code) < width else code
        head = candidate[:width]
        if len(head) == width and low <= head <= high:
            return True
    return False


def _equals(key: str, v: Any, kind: str) -> Predicate:
    if kind == SET:
        return lambda f: v in (f.get(key) or ())
    return lambda f: f.get(key) == v


def _not_equals(key: str, v: Any, kind: str) -> Predicate:
    positive = _equals(key, v, kind)
    return lambda f: not positive(f)


def _in(key: str, v: frozenset[Any], kind: str) -> Predicate:
    if kind == SET:
        return lambda f: not v.isdisjoint(f.get(key) or ())
    return lambda f: f.get(key) in v


def _not_in(key: str, v: frozenset[Any], kind: str) -> Predicate:
    positive = _in(key, v, kind)
    return lambda f: not positive(f)


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[str, Any, str], Predicate]:
    def make(key: str, v: Any, _kind: str) -> Predicate:
        def predicate(f: Facts) -> bool:
            x = f.get(key)
            return x is not None and test(x, v)

        return predicate

    return make


def _between(key: str, v: tuple[Any, Any], _kind: str) -> Predicate:
    low, high = v

    def predicate(f: Facts) -> bool:
        x = f.get(key)
        return x is not None and (low is None or x >= low) and (high is None or x <= high)

    return predicate


def _matches(key: str, v: re.Pattern[str], _kind: str) -> Predicate:
    search = v.search
    return lambda f: (x := f.get(key)) is not None and search(x) is not None


def _postal(key: str, v: tuple[PostalRange, ...], _kind: str) -> Predicate:
    def predicate(f: Facts) -> bool:
        x = f.get(key)
        return x is not None and postal_matches(postal_key(x), v)

    return predicate


def _is_blank(key: str, v: bool, kind: str) -> Predicate:
    if kind == SET:
        return lambda f: (not f.get(key)) is v
    return lambda f: (f.get(key) is None) is v


ALL_KINDS = frozenset({TEXT, NUMBER, DATETIME, BOOL, SET})
OPERATORS: dict[str, OpSpec] = {
    "equals": OpSpec(ALL_KINDS, scalar, _equals),
    "not_equals": OpSpec(ALL_KINDS, scalar, _not_equals),
    "in": OpSpec(frozenset({TEXT, NUMBER, SET}), values_set, _in),
    "not_in": OpSpec(frozenset({TEXT, NUMBER, SET}), values_set, _not_in),
    "gt": OpSpec(ORDERED, scalar, _compare(lambda x, v: x > v)),
    "gte": OpSpec(ORDERED, scalar, _compare(lambda x, v: x >= v)),
    "lt": OpSpec(ORDERED, scalar, _compare(lambda x, v: x < v)),
    "lte": OpSpec(ORDERED, scalar, _compare(lambda x, v: x <= v)),
    "between": OpSpec(ORDERED, bounds, _between),
    "contains": OpSpec(frozenset({TEXT}), text_value, _compare(lambda x, v: v in x)),
    "starts_with": OpSpec(frozenset({TEXT}), text_value, _compare(lambda x, v: x.startswith(v))),
    "ends_with": OpSpec(frozenset({TEXT}), text_value, _compare(lambda x, v: x.endswith(v))),
    "matches": OpSpec(frozenset({TEXT}), regex_value, _matches),
    "postal_range": OpSpec(frozenset({TEXT}), postal_ranges, _postal),
    "is_blank": OpSpec(ALL_KINDS, flag_value, _is_blank),
}
# Operators whose natural kind decides how an ``attributes.<key>`` value is read.
NUMERIC_OPERATORS = frozenset({"gt", "gte", "lt", "lte", "between"})


def operator_names_for(kind: str) -> list[str]:
    return sorted(name for name, spec in OPERATORS.items() if kind in spec.kinds)
