"""The condition language: operators, missing values, postal ranges, and sound implication."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxswain.routing.engine.conditions import (
    ALWAYS,
    ConditionError,
    compile_predicate,
    describe,
    implies,
    parse_when,
)
from coxswain.routing.engine.fields import normalise
from coxswain.routing.engine.matcher import build_matcher
from coxswain.routing.engine.operators import postal_matches


def holds(when: dict[str, Any], lead: dict[str, Any]) -> bool:
    """Evaluate ``when`` on a lead, preparing facts the way the router does."""
    condition = parse_when(when)
    from coxswain.routing.engine.conditions import tests_in

    facts = {
        t.field.key: normalise(lead.get(t.field.name), t.field.kind) for t in tests_in(condition)
    }
    return compile_predicate(condition)(facts)


@pytest.mark.parametrize(
    ("when", "lead", "expected"),
    [
        ({"country": "US"}, {"country": " us "}, True),  # trimmed, case-folded
        ({"country": "US"}, {"country": "USA"}, False),
        ({"country": ["US", "Canada"]}, {"country": "canada"}, True),
        ({"country": {"not_in": ["US"]}}, {"country": "Brazil"}, True),
        ({"country": {"not_in": ["US"]}}, {}, True),  # missing passes negative tests
        ({"country": {"not_equals": "US"}}, {}, True),
        ({"country": "US"}, {}, False),  # ... and fails positive ones
        ({"employees": {"gte": 1000}}, {"employees": 1000}, True),
        ({"employees": {"gt": 1000}}, {"employees": 1000}, False),
        ({"employees": {"lt": 10}}, {}, False),
        ({"employees": {"between": [100, 500]}}, {"employees": 500}, True),
        ({"employees": {"between": [100, 500]}}, {"employees": 501}, False),
        ({"employees": {"between": [None, 50]}}, {"employees": 3}, True),
        ({"score": {"gte": 80}}, {"score": "85"}, True),  # numeric text from a file
        ({"email": {"matches": r"\.edu$"}}, {"email": "a@MIT.EDU"}, True),
        ({"email": {"ends_with": ".edu"}}, {"email": "a@mit.edu.au"}, False),
        ({"company": {"contains": "bank"}}, {"company": "First Bank plc"}, True),
        ({"company": {"starts_with": "first"}}, {"company": "First Bank"}, True),
        ({"phone": {"is_blank": True}}, {"phone": "  "}, True),
        ({"phone": {"is_blank": False}}, {"phone": "555"}, True),
        ({"attributes.tier": "gold"}, {"attributes.tier": "Gold"}, True),
        ({"attributes.seats": {"gte": 50}}, {"attributes.seats": "75"}, True),
        ({"any": [{"country": "US"}, {"score": {"gte": 90}}]}, {"score": 95}, True),
        ({"all": [{"country": "US"}, {"score": {"gte": 90}}]}, {"score": 95}, False),
        ({"not": {"source": "partner"}}, {"source": "web"}, True),
        (
            {"received_at": {"gte": "2025-01-01T00:00:00+00:00"}},
            {"received_at": datetime(2025, 2, 1, tzinfo=UTC)},
            True,
        ),
    ],
)
def test_operators(when: dict[str, Any], lead: dict[str, Any], expected: bool) -> None:
    assert holds(when, lead) is expected


@pytest.mark.parametrize(
    ("code", "ranges", "expected"),
    [
        ("94105", ["94000..94999"], True),
        ("95001", ["94000..94999"], False),
        ("94105-1234", ["94000-94999"], True),  # ZIP+4: the leading five count
        ("2139", ["02000..02999"], True),  # a spreadsheet ate the leading zero
        ("SW1A 1AA", ["SW*"], True),
        ("EC1A", ["SW*"], False),
        ("M5V", ["M5V"], True),
        ("123", ["10000..19999"], False),  # too short for the bound: no match
    ],
)
def test_postal_ranges(code: str, ranges: list[str], expected: bool) -> None:
    assert holds({"postal_code": {"postal_range": ranges}}, {"postal_code": code}) is expected
    from coxswain.routing.engine.operators import postal_key, postal_ranges

    assert postal_matches(postal_key(code), postal_ranges(ranges, "text")) is expected


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"contry": "US"}, "unknown field 'contry' (did you mean 'country'?)"),
        ({"employees": {"greater": 5}}, "unknown operator 'greater' on field 'employees'"),
        ({"country": {"gte": 5}}, "operator 'gte' does not apply to text field 'country'"),
        ({"employees": {"between": [500, 100]}}, "min ≤ max"),
        ({"email": {"matches": "(["}}, "a valid regular expression"),
        ({"employees": {"in": []}}, "a non-empty list of values"),
        ({"any": []}, "'any' needs a non-empty list"),
        ({"received_at": {"gte": "2025-01-01"}}, "a date-time with a time zone offset"),
    ],
)
def test_bad_conditions_name_the_problem(when: dict[str, Any], message: str) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_when(when)
    assert message in str(caught.value)


def test_describe_reads_like_the_file() -> None:
    text = describe(parse_when({"country": ["US", "CA"], "employees": {"gte": 1000}}))
    assert text == "country in [US, CA] and employees gte 1000"
    assert describe(ALWAYS) == "always"


@pytest.mark.parametrize(
    ("later", "earlier", "expected"),
    [
        ({"country": "US", "employees": {"gte": 5}}, {"country": ["US", "CA"]}, True),
        ({"country": "US"}, {"country": "US", "employees": {"gte": 5}}, False),
        ({"employees": {"between": [200, 300]}}, {"employees": {"between": [100, 500]}}, True),
        ({"employees": {"gte": 100}}, {"employees": {"gt": 100}}, False),
        ({"employees": {"gt": 100}}, {"employees": {"gte": 100}}, True),
        ({"score": {"gte": 90}}, {"score": {"gte": 80}}, True),
        ({"country": "US"}, {}, True),  # anything is implied by a catch-all
        ({"any": [{"country": "US"}, {"country": "CA"}]}, {"country": ["US", "CA"]}, True),
        ({"country": "US"}, {"any": [{"country": "US"}, {"source": "web"}]}, True),
        ({"country": "US"}, {"not": {"country": "CA"}}, False),  # sound, not complete
        ({"country": "US"}, {"country": {"not_in": ["CA"]}}, True),
        ({"email": {"matches": "x"}}, {"email": {"is_blank": False}}, True),
    ],
)
def test_implication(later: dict[str, Any], earlier: dict[str, Any], expected: bool) -> None:
    assert implies(parse_when(later), parse_when(earlier)) is expected


COUNTRIES = ["us", "ca", "br", None]
SOURCES = ["web", "partner", None]
simple_tests = st.one_of(
    st.builds(lambda v: {"country": v}, st.sampled_from(["US", "CA", "BR"])),
    st.builds(
        lambda v: {"country": {"in": v}},
        st.lists(st.sampled_from(["US", "CA", "BR"]), min_size=1, max_size=3),
    ),
    st.builds(
        lambda v: {"country": {"not_in": v}},
        st.lists(st.sampled_from(["US", "CA"]), min_size=1, max_size=2),
    ),
    st.builds(lambda v: {"source": v}, st.sampled_from(["web", "partner"])),
    st.builds(lambda v: {"employees": {"gte": v}}, st.integers(0, 20)),
    st.builds(lambda v: {"employees": {"lt": v}}, st.integers(0, 20)),
    st.builds(
        lambda a, b: {"employees": {"between": sorted([a, b])}},
        st.integers(0, 20),
        st.integers(0, 20),
    ),
)
conditions = st.recursive(
    simple_tests,
    lambda children: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, children),
    ),
    max_leaves=6,
)
leads = st.fixed_dictionaries(
    {
        "country": st.sampled_from(COUNTRIES),
        "source": st.sampled_from(SOURCES),
        "employees": st.one_of(st.none(), st.integers(0, 20)),
    }
)


@settings(max_examples=300, deadline=None)
@given(later=conditions, earlier=conditions, lead=leads)
def test_implication_is_sound(later: Any, earlier: Any, lead: dict[str, Any]) -> None:
    """Whenever ``implies`` says yes, no lead satisfies the later rule but not the earlier."""
    if implies(parse_when(later), parse_when(earlier)) and holds(later, lead):
        assert holds(earlier, lead)


@settings(max_examples=200, deadline=None)
@given(rules=st.lists(conditions, min_size=1, max_size=6), lead=leads)
def test_generated_matcher_agrees_with_closures(rules: list[Any], lead: dict[str, Any]) -> None:
    parsed = [parse_when(rule) for rule in rules]
    from coxswain.routing.engine.conditions import tests_in

    facts = {
        t.field.key: normalise(lead.get(t.field.name), t.field.kind)
        for condition in parsed
        for t in tests_in(condition)
    }
    expected = next((i for i, c in enumerate(parsed) if compile_predicate(c)(facts)), -1)
    assert build_matcher(parsed)(facts) == expected
