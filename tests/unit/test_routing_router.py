"""The router's order of business and its explanations, on small hand-checked setups."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from coxswain.routing.engine.compiler import compile_rules
from coxswain.routing.engine.decision import AccountContext, DuplicateContext
from coxswain.routing.engine.router import LeadContext, Router, decide
from coxswain.routing.engine.state import RepProfile, RoutingState

T0 = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
REPS = ("ana@x.com", "ben@x.com", "eve@x.com", "tom@x.com", "zoe@x.com")


def rules(**overrides: Any) -> Any:
    doc: dict[str, Any] = {
        "fallback_queue": "Unassigned",
        "queues": ["Nurture"],
        "territories": [
            {"name": "West", "owner": "tom@x.com", "countries": ["US"], "states": ["CA", "OR"]},
            {"name": "Bay", "owner": "zoe@x.com", "countries": ["US"], "postal_codes": ["94000..94999"]},
        ],
        "pools": [
            {"name": "Ent", "method": "weighted_round_robin", "segment_match": True,
             "members": [{"rep": "eve@x.com", "weight": 2}], "fallback": "SMB"},
            {"name": "SMB", "members": ["ana@x.com", "ben@x.com"]},
            {"name": "Owners", "method": "territory_owner", "fallback": "SMB"},
            {"name": "Lang", "members": [{"rep": "ana@x.com", "skills": ["es"]}, "ben@x.com"],
             "skill_field": "attributes.language"},
            {"name": "Acct", "method": "account_owner", "fallback": "SMB"},
        ],
        "rules": [
            {"name": "Students", "when": {"email": {"ends_with": ".edu"}}, "queue": "Nurture"},
            {"name": "Territory", "when": {"territory": {"in": ["West", "Bay"]}}, "pool": "Owners"},
            {"name": "Enterprise", "when": {"employees": {"gte": 1000}}, "pool": "Ent"},
            {"name": "Language", "when": {"attributes.language": {"is_blank": False}}, "pool": "Lang"},
            {"name": "US", "when": {"country": "US"}, "pool": "SMB"},
        ],
    }  # fmt: skip
    doc.update(overrides)
    return compile_rules(doc)


def state(**profiles: RepProfile) -> RoutingState:
    reps = {email: RepProfile(email=email) for email in REPS}
    reps.update({p.email: p for p in profiles.values()})
    return RoutingState(reps)


def test_a_rule_can_send_leads_straight_to_a_queue() -> None:
    decision = decide(rules(), {"email": "kid@uni.edu"}, state(), as_of=T0, lead_ref="L1")
    assert decision.csv_row() == ("L1", "", "Nurture", "queue")
    assert decision.reason == "rule 'Students' sends its leads to queue 'Nurture'"


def test_no_rule_matched_goes_to_the_fallback_queue() -> None:
    decision = decide(rules(), {"country": "BR"}, state(), as_of=T0, lead_ref="L1")
    assert decision.csv_row() == ("L1", "", "Unassigned", "fallback")
    assert decision.steps == ("no rule matched → fallback queue 'Unassigned'",)


def test_territory_owner_first_territory_in_document_order() -> None:
    lead = {"country": "US", "state": "CA", "postal_code": "94105"}
    decision = decide(rules(), lead, state(), as_of=T0, lead_ref="L1")
    assert decision.territories == ("West", "Bay")
    assert (decision.owner, decision.method, decision.rule) == (
        "tom@x.com",
        "territory_owner",
        "Territory",
    )
    verdicts = [(c.rep, c.verdict, c.reason) for c in decision.attempts[0].candidates]
    assert verdicts == [
        ("tom@x.com", "chosen", "owns territory 'West'"),
        ("zoe@x.com", "eligible", "owns territory 'Bay', but an earlier owner is available"),
    ]


def test_unavailable_territory_owner_falls_back_to_the_next_owner_then_the_pool() -> None:
    lead = {"country": "US", "state": "CA", "postal_code": "94105"}
    away = state(tom=RepProfile(email="tom@x.com", out_of_office=True))
    assert decide(rules(), lead, away, as_of=T0, lead_ref="L").owner == "zoe@x.com"
    both = state(
        tom=RepProfile("tom@x.com", out_of_office=True),
        zoe=RepProfile("zoe@x.com", is_active=False),
    )
    decision = decide(rules(), lead, both, as_of=T0, lead_ref="L")
    assert (decision.owner, decision.pool) == ("ana@x.com", "SMB")
    assert decision.steps[-1] == "pool 'Owners': no eligible rep → 'SMB'"


def test_segment_match_skips_reps_of_another_segment() -> None:
    eve = RepProfile(email="eve@x.com", segment="enterprise")
    lead = {"employees": 5000, "size_segment": "mid_market"}
    decision = decide(rules(), lead, state(eve=eve), as_of=T0, lead_ref="L")
    assert decision.pool == "SMB"
    skipped = decision.attempts[0].candidates[0]
    assert skipped.reason == "segment enterprise does not match the lead's mid_market"
    same = decide(
        rules(), {**lead, "size_segment": "enterprise"}, state(eve=eve), as_of=T0, lead_ref="L"
    )
    assert (same.owner, same.method) == ("eve@x.com", "weighted_round_robin")


def test_skill_from_a_lead_field() -> None:
    spanish = decide(rules(), {"attributes": {"language": "ES"}}, state(), as_of=T0, lead_ref="L")
    assert spanish.owner == "ana@x.com"
    german = decide(rules(), {"attributes": {"language": "de"}}, state(), as_of=T0, lead_ref="L")
    assert german.owner is None
    assert {c.reason for c in german.attempts[0].candidates} == {"lacks skill 'de'"}


def test_account_owner_before_the_rules_and_when_unavailable() -> None:
    account = AccountContext("a1", "Acme", "ben@x.com", "email_domain", 100.0)
    context = LeadContext(account=account)
    decision = decide(rules(), {"country": "US"}, state(), as_of=T0, lead_ref="L", context=context)
    assert decision.csv_row() == ("L", "ben@x.com", "account Acme", "account_owner")
    away = state(ben=RepProfile(email="ben@x.com", out_of_office=True))
    decision = decide(rules(), {"country": "US"}, away, as_of=T0, lead_ref="L", context=context)
    assert (decision.owner, decision.rule) == ("ana@x.com", "US")
    assert decision.steps[0] == "account 'Acme': owner ben@x.com is out of office"
    queued = rules(account_match={"when_owner_unavailable": "queue"})
    decision = decide(queued, {"country": "US"}, away, as_of=T0, lead_ref="L", context=context)
    assert (decision.owner, decision.queue) == (None, "Unassigned")


def test_duplicate_goes_to_the_original_owner() -> None:
    context = LeadContext(duplicate=DuplicateContext("L0", "ben@x.com", "email"))
    decision = decide(rules(), {"country": "US"}, state(), as_of=T0, lead_ref="L1", context=context)
    assert decision.csv_row() == ("L1", "ben@x.com", "duplicate of L0", "duplicate_owner")
    assert decision.reason == "duplicate of lead L0 (same email), which ben@x.com owns"


def test_reassignment_excludes_the_current_owner_and_stays_in_the_pool() -> None:
    context = LeadContext(exclude=frozenset({"ana@x.com"}), pool="SMB", reason="SLA breach")
    decision = decide(rules(), {"country": "BR"}, state(), as_of=T0, lead_ref="L", context=context)
    assert (decision.owner, decision.pool, decision.rule) == ("ben@x.com", "SMB", None)
    assert decision.steps[0] == "SLA breach"
    ana = decision.attempts[0].candidates[-1]
    assert (ana.rep, ana.verdict) == ("ana@x.com", "skipped")


def test_router_applies_decisions_to_its_state() -> None:
    st = state()
    router = Router(rules(), st)
    first = router.route({"country": "US"}, as_of=T0, lead_ref="L1")
    second = router.route({"country": "US"}, as_of=T0, lead_ref="L2")
    assert (first.owner, second.owner) == ("ana@x.com", "ben@x.com")
    assert st.rotations["SMB"].sequence == 2
    assert st.rotations["SMB"].last == {"ana@x.com": 1, "ben@x.com": 2}
    assert st.loads["ana@x.com"].open_leads == 1
    assert st.loads["ana@x.com"].by_day == {T0.date(): 1}


def test_explanation_is_json_with_every_candidate() -> None:
    away = state(ben=RepProfile(email="ben@x.com", out_of_office=True))
    decision = decide(rules(), {"country": "US"}, away, as_of=T0, lead_ref="L1")
    payload = json.loads(json.dumps(decision.to_dict()))
    assert payload["rule"] == "US"
    assert payload["pool_sequence"] == 1
    assert payload["attempts"] == [
        {
            "pool": "SMB",
            "method": "round_robin",
            "outcome": "pool 'SMB': ana@x.com chosen",
            "candidates": [
                {"rep": "ana@x.com", "verdict": "chosen",
                 "reason": "next in rotation: never assigned in this pool, longest wait of 1"},
                {"rep": "ben@x.com", "verdict": "skipped", "reason": "out of office"},
            ],
        }
    ]  # fmt: skip
