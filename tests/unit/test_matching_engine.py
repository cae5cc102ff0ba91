"""Lead-to-account matching and duplicate detection (pure)."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from coxswain.matching.engine.accounts import AccountIndex, AccountRecord
from coxswain.matching.engine.duplicates import (
    DuplicateIndex,
    LeadRecord,
    duplicate_keys,
    merge_updates,
)
from coxswain.matching.engine.normalize import company_key, email_domain, website_domain


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ana@Sales.Acme.com", "acme.com"),
        ("ana@eu.mail.acme.co.uk", "acme.co.uk"),
        ("ana@loja.com.br", "loja.com.br"),
        ("not-an-email", None),
        ("ana@localhost", None),
    ],
)
def test_email_domain(value: str, expected: str | None) -> None:
    assert email_domain(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.acme.com/contact?x=1", "acme.com"),
        ("HTTP://user@shop.acme.co.uk:8080/", "acme.co.uk"),
        ("acme.com", "acme.com"),
        ("www.acme.com#top", "acme.com"),
        ("", None),
    ],
)
def test_website_domain(value: str, expected: str | None) -> None:
    assert website_domain(value) == expected


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ACME, Inc.", "acme"),
        ("Acme Corporation", "acme"),
        ("São Paulo Alimentos Ltda", "sao paulo alimentos"),
        ("Brooks & Co", "brooks and"),
        ("The Company", "the company"),  # only legal words: kept rather than emptied
    ],
)
def test_company_key(name: str, key: str) -> None:
    assert company_key(name) == key


ACCOUNTS = [
    AccountRecord("1", "Acme Corporation", "acme.com", None, "erin@x.com"),
    AccountRecord(
        "2", "Blue Harbour Logistics Ltd", None, "https://www.blueharbour.co.uk", "dev@x.com"
    ),
    AccountRecord("3", "Umbrella Health", "umbrellahealth.com", None, None),
    AccountRecord("4", "Acme Corp (EMEA)", "acme.com", None, None),
]


@pytest.mark.parametrize(
    ("lead", "account", "matched_on"),
    [
        ({"email": "olivia@ACME.com"}, "1", "email_domain"),
        ({"email": "olivia@gmail.com", "website": "acme.com"}, "1", "website"),
        ({"email": "olivia@gmail.com", "company": "ACME, Inc."}, "1", "company_name"),
        ({"company": "Blue Harbor Logistics"}, "2", "company_name_fuzzy"),
        ({"company": "Umbrella Healthcare"}, None, None),  # 88 < 90
        ({"email": "x@gmail.com"}, None, None),  # free mail never matches
    ],
)
def test_account_matching(
    lead: dict[str, str], account: str | None, matched_on: str | None
) -> None:
    match = AccountIndex(ACCOUNTS).match(lead)
    assert (match.account.account_id if match else None) == account
    assert (match.matched_on if match else None) == matched_on


def test_shared_domain_prefers_the_account_with_an_owner_and_counts_the_others() -> None:
    match = AccountIndex(ACCOUNTS).match({"email": "x@acme.com"})
    assert match is not None
    assert (match.account.account_id, match.others) == ("1", 1)
    assert match.description == "email_domain; 1 other account(s) also matched"


@pytest.mark.parametrize(
    ("a", "b", "matches"),
    [
        ("Blue Harbor Logistics", "Blue Harbour Logistics", True),
        ("Wayne Enterprise", "Wayne Enterprises", True),
        ("Acme Industries", "Acme Industry", False),
        ("Umbrella Health", "Umbrella Healthcare", False),
        ("Soylent", "Soylent Green", False),
    ],
)
def test_documented_threshold_examples(a: str, b: str, matches: bool) -> None:
    """The examples in docs/routing.md, scored independently with RapidFuzz."""
    score = fuzz.token_sort_ratio(company_key(a), company_key(b))
    assert (score >= 90) is matches
    found = AccountIndex([AccountRecord("x", b)]).match({"company": a})
    assert (found is not None) is matches


def test_duplicate_keys_and_index() -> None:
    lead = {"email": " Ana@X.com ", "phone": "+1 (415) 555-0100", "first_name": "Ana",
            "last_name": "Ruiz", "company": "Acme Inc"}  # fmt: skip
    assert duplicate_keys(lead, ["email", "phone", "name_and_company"]) == [
        ("email", "ana@x.com"),
        ("phone", "4155550100"),
        ("name_and_company", "ana|ruiz|acme"),
    ]
    index = DuplicateIndex(["email", "phone"], [LeadRecord("L1", "ben@x.com", lead)])
    found = index.find({"phone": "415.555.0100"})
    assert found is not None
    assert (found[0].lead_ref, found[1]) == ("L1", "phone")
    assert index.find(lead, exclude_ref="L1") is None
    assert index.find({"phone": "555-01"}) is None  # too few digits to be a phone key


def test_merge_fills_blanks_only() -> None:
    survivor = {"email": "a@x.com", "phone": None, "company": "Acme", "attributes": {"k": 1}}
    duplicate = {
        "email": "b@x.com",
        "phone": "555 0100",
        "title": "CTO",
        "attributes": {"k": 2, "j": 3},
    }
    assert merge_updates(survivor, duplicate) == {
        "phone": "555 0100",
        "title": "CTO",
        "attributes": {"k": 1, "j": 3},
    }
