"""A bad rules file gets one clear error naming the rule (or pool, territory) and the problem."""

from __future__ import annotations

from typing import Any

import pytest

from coxswain.routing.engine.compiler import check_reps, compile_rules
from coxswain.routing.errors import RulesError


def document(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "fallback_queue": "Unassigned",
        "pools": [{"name": "SMB", "members": ["a@x.com", "b@x.com"]}],
        "rules": [{"name": "all", "pool": "SMB"}],
    }
    base.update(overrides)
    return base


def error_of(doc: dict[str, Any]) -> str:
    with pytest.raises(RulesError) as caught:
        compile_rules(doc, "rules.yaml")
    return str(caught.value)


def test_a_valid_document_compiles() -> None:
    compiled = compile_rules(document(), "rules.yaml")
    assert [rule.name for rule in compiled.rules] == ["all"]
    assert compiled.rep_emails() == {"a@x.com", "b@x.com"}
    assert compiled.chain("SMB") == ["SMB", "Unassigned"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"rules": [{"name": "US", "when": {"contry": "US"}, "pool": "SMB"}]},
            "rules.yaml: rule 'US' (#1): unknown field 'contry' (did you mean 'country'?)",
        ),
        (
            {"rules": [{"name": "Big", "when": {"employees": {"over": 5}}, "pool": "SMB"}]},
            "rules.yaml: rule 'Big' (#1): unknown operator 'over' on field 'employees'",
        ),
        (
            {
                "rules": [
                    {"name": "all", "pool": "SMB"},
                    {"name": "US", "when": {"country": "US"}, "pool": "SMB"},
                ]
            },
            "rules.yaml: rule 'US' (#2): unreachable: rule 'all' (#1) already catches every "
            "lead it would match (always)",
        ),
        (
            {
                "rules": [
                    {"name": "NA", "when": {"country": ["US", "CA"]}, "pool": "SMB"},
                    {
                        "name": "US big",
                        "when": {"country": "US", "employees": {"gte": 500}},
                        "pool": "SMB",
                    },
                ]
            },
            "rule 'US big' (#2): unreachable: rule 'NA' (#1) already catches every lead it would "
            "match (country in [US, CA])",
        ),
        (
            {"pools": [{"name": "SMB", "members": []}]},
            "rules.yaml: pool 'SMB': empty pool: round_robin needs at least one member",
        ),
        (
            {"rules": [{"name": "all", "pool": "Enterprise"}]},
            "rule 'all' (#1): pool 'Enterprise' is not defined under pools",
        ),
        (
            {"rules": [{"name": "all", "queue": "Junk"}]},
            "rule 'all' (#1): queue 'Junk' is not defined under queues",
        ),
        (
            {"pools": [{"name": "SMB", "members": [{"rep": "a@x.com", "weigth": 2}]}]},
            "rules.yaml: pool 'SMB' (pools[1]).members[1]: unknown key 'weigth' (did you mean 'weight'?)",
        ),
        (
            {"pools": [{"name": "SMB", "method": "rr", "members": ["a@x.com"]}]},
            "pool 'SMB' (pools[1]).method: Input should be 'round_robin'",
        ),
        (
            {"rules": [{"name": "all", "pool": "SMB", "queue": "Unassigned"}]},
            "rule 'all' (rules[1]): give exactly one of 'pool' or 'queue'",
        ),
        (
            {"rules": []},
            "rules.yaml: rules: List should have at least 1 item",
        ),
        (
            {
                "pools": [
                    {"name": "A", "members": ["a@x.com"], "fallback": "B"},
                    {"name": "B", "members": ["b@x.com"], "fallback": "A"},
                ],
                "rules": [{"name": "all", "pool": "A"}],
            },
            "pool 'A': fallback cycle A → B → A",
        ),
        (
            {"pools": [{"name": "SMB", "members": ["a@x.com", "A@x.com"]}]},
            "pool 'SMB': rep 'a@x.com' is listed twice",
        ),
        (
            {"rules": [{"name": "West", "when": {"territory": "West"}, "pool": "SMB"}]},
            "rule 'West' (#1): territory 'west' is not defined",
        ),
        (
            {"territories": [{"name": "Empty"}]},
            "territory 'Empty': give at least one of countries, states, postal_codes",
        ),
        (
            {
                "pools": [{"name": "T", "method": "territory_owner"}],
                "rules": [{"name": "all", "pool": "T"}],
            },
            "pool 'T': territory_owner needs territories with an owner",
        ),
        (
            {"sla": {"policies": [{"name": "Fast", "accept_within": "1 day"}]}},
            "sla policy 'Fast' (#1): expected a duration such as 30m, 4h or 1h30m",
        ),
        (
            {"sla": {"policies": [{"name": "Fast", "calendar": "Paris", "accept_within": "1h"}]}},
            "sla policy 'Fast' (#1): calendar 'Paris' is not defined",
        ),
        (
            {"sla": {"calendars": [{"name": "X", "time_zone": "Mars/Olympus"}]}},
            "sla calendar 'X': unknown time zone 'Mars/Olympus'",
        ),
        (
            {"version": 2},
            "rules.yaml: version: Input should be 1",
        ),
    ],
)
def test_one_clear_error(overrides: dict[str, Any], message: str) -> None:
    assert message in error_of(document(**overrides))


def test_unknown_rep_is_refused_against_the_users() -> None:
    compiled = compile_rules(document(), "rules.yaml")
    with pytest.raises(RulesError) as caught:
        check_reps(compiled, {"a@x.com"}, "rules.yaml")
    assert str(caught.value) == "rules.yaml: pool 'SMB': unknown rep 'b@x.com' (no such user)"


def test_disabled_rules_are_not_compiled_and_unused_pools_warn() -> None:
    compiled = compile_rules(
        document(
            pools=[
                {"name": "SMB", "members": ["a@x.com"]},
                {"name": "Spare", "members": ["b@x.com"]},
            ],
            rules=[
                {"name": "off", "enabled": False, "pool": "Spare"},
                {"name": "all", "pool": "SMB"},
            ],
        )
    )
    assert [rule.name for rule in compiled.rules] == ["all"]
    assert compiled.rules[0].index == 2
    assert compiled.warnings == ("pool 'Spare' is not used by any rule or fallback",)


def test_the_example_rules_compile() -> None:
    from pathlib import Path

    import yaml

    path = Path(__file__).resolve().parents[2] / "examples" / "routing" / "rules.yaml"
    compiled = compile_rules(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    assert len(compiled.rules) == 7
    assert compiled.sla is not None
    assert [p.name for p in compiled.sla.policies] == ["Hot enterprise", "Standard"]
