"""Match a lead to an existing account: e-mail domain, web site, then company name.

Order (first hit wins, the explanation says which):

1. ``email_domain``: the registrable domain of the lead's e-mail equals an account's domain
   (or its web site's domain). Free-mail domains (gmail.com, ...) never match.
2. ``website``: the lead's web-site domain, the same way.
3. ``company_name``: the normalised company name equals an account's (``ACME, Inc.`` =
   ``Acme``; see :func:`~coxswain.matching.engine.normalize.company_key`).
4. ``company_name_fuzzy``: RapidFuzz ``token_sort_ratio`` between normalised names is at least
   ``threshold`` (default 90, out of 100). 90 accepts spelling variants (``Blue Harbor`` /
   ``Blue Harbour Logistics``: 98; ``Wayne Enterprise`` / ``Wayne Enterprises``: 97) and
   refuses different companies sharing a word (``Acme Industries`` / ``Acme Industry``: 86,
   ``Umbrella Health`` / ``Umbrella Healthcare``: 88, ``Soylent`` / ``Soylent Green``: 70): a
   wrong owner is worse than no match, since an unmatched lead still goes through the rules.

When several accounts share a domain or name, the one with an owner wins, then the one listed
first (the service lists accounts oldest first); the explanation counts the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from coxswain.matching.engine.normalize import (
    company_key,
    email_domain,
    is_free_mail,
    registrable_domain,
    website_domain,
)

DEFAULT_THRESHOLD = 90


@dataclass(frozen=True, slots=True)
class AccountRecord:
    account_id: str
    name: str
    domain: str | None = None
    website: str | None = None
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class AccountMatch:
    """The matched account; ``score`` is 100 for exact matches, else the fuzzy score."""

    account: AccountRecord
    matched_on: str
    score: float
    others: int = 0

    @property
    def description(self) -> str:
        text = f"{self.matched_on} ({self.score:.0f})" if self.score < 100 else self.matched_on
        return f"{text}; {self.others} other account(s) also matched" if self.others else text


class AccountIndex:
    """Accounts indexed by domain and normalised name, built once, matched many times."""

    def __init__(self, accounts: Iterable[AccountRecord], threshold: int = DEFAULT_THRESHOLD):
        if not 0 <= threshold <= 100:
            raise ValueError("threshold must be within 0..100")
        self.threshold = threshold
        self.by_domain: dict[str, list[AccountRecord]] = {}
        self.by_name: dict[str, list[AccountRecord]] = {}
        for account in accounts:
            domains = {registrable_domain(account.domain), website_domain(account.website)}
            for domain in domains - {None}:
                assert domain is not None
                if not is_free_mail(domain):
                    self.by_domain.setdefault(domain, []).append(account)
            key = company_key(account.name)
            if key:
                self.by_name.setdefault(key, []).append(account)
        self.names = list(self.by_name)

    def __len__(self) -> int:
        return sum(len(group) for group in self.by_name.values())

    def match(self, lead: Mapping[str, Any]) -> AccountMatch | None:
        """The account ``lead`` belongs to, or ``None``."""
        mail = email_domain(_text(lead.get("email")))
        if mail and not is_free_mail(mail) and mail in self.by_domain:
            return _pick(self.by_domain[mail], "email_domain", 100.0)
        site = website_domain(_text(lead.get("website")))
        if site and not is_free_mail(site) and site in self.by_domain:
            return _pick(self.by_domain[site], "website", 100.0)
        key = company_key(_text(lead.get("company")))
        if not key:
            return None
        if key in self.by_name:
            return _pick(self.by_name[key], "company_name", 100.0)
        if not self.names or self.threshold >= 100:
            return None
        best = process.extractOne(
            key, self.names, scorer=fuzz.token_sort_ratio, score_cutoff=self.threshold
        )
        if best is None:
            return None
        name, score, _ = best
        return _pick(self.by_name[name], "company_name_fuzzy", float(score))


def _pick(group: list[AccountRecord], matched_on: str, score: float) -> AccountMatch:
    owned = [account for account in group if account.owner]
    chosen = (owned or group)[0]
    return AccountMatch(chosen, matched_on, score, len(group) - 1)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
