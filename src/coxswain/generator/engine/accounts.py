"""Accounts (companies) and their contacts.

An account gets a city (by region share, then country and city weights), so its country,
state, postal code, currency and phone prefix agree. Its segment is drawn first (55 % SMB,
30 % mid-market, 15 % enterprise) and its head count inside that segment's band (SMB < 200,
mid-market 200-1,999, enterprise >= 2,000), so the segment always matches the head count.
Names combine a root, a noun, a descriptor and a legal form of the country ("Cobalt Ridge
Analytics GmbH"); the domain is the slug of the first three (plus a number for repeats when
the combinations run out) with the country's top-level domain. The owner is an active AE of the
account's region and segment; ~6 % of smaller accounts are subsidiaries of an enterprise
account in the same region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.columns import (
    Column,
    Entity,
    Ids,
    Ints,
    Joined,
    Money,
    Taken,
    codes,
    entity,
)
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.formatting import ArrowArray, join_strings
from coxswain.generator.engine.geography import CITIES, COUNTRIES, CURRENCIES
from coxswain.generator.engine.org import SEGMENTS, Reps
from coxswain.generator.engine.people import People, draw_people
from coxswain.generator.engine.rates import Rates
from coxswain.generator.engine.vocabulary import (
    COMPANY_DESCRIPTORS,
    COMPANY_NOUNS,
    COMPANY_ROOTS,
    INDUSTRIES,
    slug,
)

IntArray = npt.NDArray[np.int64]

ACCOUNT_PREFIX, CONTACT_PREFIX = "A", "C"
SEGMENT_SHARE = np.array([0.55, 0.30, 0.15])
EMPLOYEE_BANDS = ((5, 199, 40.0), (200, 1999, 600.0), (2000, 250_000, 8000.0))  # lo, hi, median
LEGAL_FORMS: tuple[str, ...] = tuple(sorted({f for c in COUNTRIES for f in c.legal_forms}))


def id_width(count: int, minimum: int) -> int:
    """Digits in an external id: at least ``minimum``, more if ``count`` needs them."""
    return max(minimum, len(str(count)))


@dataclass(frozen=True)
class Accounts:
    """Accounts indexed ``0..n-1`` (external id ``A`` + index + 1)."""

    width: int
    city: IntArray
    country: IntArray
    region: IntArray
    currency: IntArray
    segment: IntArray
    employees: IntArray
    industry: IntArray
    owner: IntArray  # rep index
    contact_start: IntArray
    contact_count: IntArray
    name_text: ArrowArray  # every account's name, materialised once for lookups by index
    domain_text: ArrowArray
    website_text: ArrowArray

    def __len__(self) -> int:
        return len(self.city)

    def ids(self, index: IntArray, valid: npt.NDArray[np.bool_] | None = None) -> Ids:
        return Ids(ACCOUNT_PREFIX, self.width, index + 1, valid)

    def name(self, index: IntArray) -> Column:
        """The company name of each referenced account ("Cobalt Ridge Analytics GmbH")."""
        return Taken(self.name_text, index)

    def domain(self, index: IntArray) -> Column:
        """The web domain of each referenced account ("cobaltridgeanalytics.de")."""
        return Taken(self.domain_text, index)

    def website(self, index: IntArray) -> Column:
        """``https://www.<domain>`` of each referenced account."""
        return Taken(self.website_text, index)


@dataclass(frozen=True)
class _NameParts:
    """Codes of the parts of every account's name and domain."""

    country: IntArray
    root: IntArray
    noun: IntArray
    descriptor: IntArray
    repeat: IntArray
    legal: IntArray

    def name(self) -> ArrowArray:
        """Every account's name, e.g. "Cobalt Ridge Analytics GmbH"."""
        parts = (
            codes(COMPANY_ROOTS, self.root), " ", codes(COMPANY_NOUNS, self.noun), " ",
            codes(COMPANY_DESCRIPTORS, self.descriptor), " ", codes(LEGAL_FORMS, self.legal),
        )  # fmt: skip
        return Joined(parts).text(0, len(self.root))

    def domain(self) -> ArrowArray:
        """Every account's domain, e.g. "cobaltridgeanalytics.de" ("...analytics2.de" for a
        repeated name)."""
        repeats = ["", *[str(k + 1) for k in range(1, int(self.repeat.max(initial=0)) + 1)]]
        parts = (
            codes([slug(w) for w in COMPANY_ROOTS], self.root),
            codes([slug(w) for w in COMPANY_NOUNS], self.noun),
            codes([slug(w) for w in COMPANY_DESCRIPTORS], self.descriptor),
            codes(repeats, self.repeat),
            codes([c.tld for c in COUNTRIES], self.country),
        )
        return Joined(parts).text(0, len(self.root))


def _employees(rng: np.random.Generator, segment: IntArray) -> IntArray:
    """Head count inside each segment's band, log-normal around the band's median."""
    lo, hi, median = (np.array(column)[segment] for column in zip(*EMPLOYEE_BANDS, strict=True))
    draw = np.exp(np.log(median) + 0.9 * rng.standard_normal(len(segment)))
    return np.asarray(np.clip(np.round(draw), lo, hi), dtype=np.int64)


def _names(rng: np.random.Generator, n: int, country: IntArray) -> _NameParts:
    """Distinct (root, noun, descriptor) combinations in random order, then repeats."""
    sizes = (len(COMPANY_ROOTS), len(COMPANY_NOUNS), len(COMPANY_DESCRIPTORS))
    combos = sizes[0] * sizes[1] * sizes[2]
    order = rng.permutation(combos)[np.arange(n) % combos]
    root, rest = np.divmod(order, sizes[1] * sizes[2])
    noun, descriptor = np.divmod(rest, sizes[2])
    forms = [[LEGAL_FORMS.index(f) for f in c.legal_forms] for c in COUNTRIES]
    pick = (rng.random(n) * np.array([len(f) for f in forms])[country]).astype(np.int64)
    flat = np.array([f for fs in forms for f in fs])
    first = np.cumsum([0, *[len(f) for f in forms[:-1]]])
    legal = flat[first[country] + pick]
    repeat = np.arange(n) // combos
    return _NameParts(country, root, noun, descriptor, repeat, legal)


def _contact_counts(rng: np.random.Generator, segment: IntArray) -> IntArray:
    """1-2 contacts at SMB, 1-3 at mid-market, 2-4 at enterprise accounts."""
    extra = rng.binomial(np.array([1, 2, 2])[segment], 0.5)
    return np.array([1, 1, 2])[segment] + extra


def build_accounts(config: GeneratorConfig, reps: Reps) -> Accounts:
    rng = config.rng("accounts")
    n = config.accounts
    city = rng.choice(len(CITIES.cities), n, p=CITIES.weight)
    segment = rng.choice(3, n, p=SEGMENT_SHARE)
    region = CITIES.region[city]
    owner = reps.pick_ae(rng, region * 3 + segment, np.full(n, config.last_day))
    counts = _contact_counts(rng, segment)
    industry_p = np.array([w for _, w in INDUSTRIES])
    names = _names(rng, n, CITIES.country[city])
    domain = names.domain()
    return Accounts(
        width=id_width(n, 6),
        city=city,
        country=CITIES.country[city],
        region=region,
        currency=CITIES.currency[city],
        segment=segment,
        employees=_employees(rng, segment),
        industry=rng.choice(len(INDUSTRIES), n, p=industry_p / industry_p.sum()),
        owner=owner,
        contact_start=np.concatenate([[0], np.cumsum(counts)[:-1]]),
        contact_count=counts,
        name_text=names.name(),
        domain_text=domain,
        website_text=join_strings(["https://www.", domain]),
    )


def _parents(
    rng: np.random.Generator, accounts: Accounts
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """~6 % of SMB and mid-market accounts belong to an enterprise account of their region."""
    n = len(accounts)
    parent = np.zeros(n, dtype=np.int64)
    has_parent = np.zeros(n, dtype=bool)
    for region in np.unique(accounts.region):
        bosses = np.flatnonzero((accounts.region == region) & (accounts.segment == 2))
        children = np.flatnonzero(
            (accounts.region == region) & (accounts.segment < 2) & (rng.random(n) < 0.06)
        )
        if len(bosses) and len(children):
            parent[children] = rng.choice(bosses, len(children))
            has_parent[children] = True
    return parent, has_parent


def postal_code(rng: np.random.Generator, city: IntArray, share: float = 1.0) -> Column:
    """``prefix`` + random digits + ``suffix`` of each city's postal code pattern, for a
    ``share`` of the rows (NULL for the rest)."""
    cities = CITIES.cities
    digits = np.array([c.postal_digits for c in cities])[city]
    prefix = np.where(rng.random(len(city)) < share, city, -1)
    number = (rng.random(len(city)) * 10.0**digits).astype(np.int64)
    # Zero-pad to the city's width: format with 4 digits and keep the last `digits` via vocab.
    padded = [f"{v:0{d}d}" for d in (1, 2, 3, 4) for v in range(10**d)]
    base = np.array([0, 10, 110, 1110])[digits - 1]
    return Joined(
        (codes([c.postal_prefix for c in cities], prefix), codes(padded, base + number),
         codes([c.postal_suffix for c in cities], city))
    )  # fmt: skip


def accounts_entity(
    config: GeneratorConfig, accounts: Accounts, rates: Rates, reps: Reps
) -> Entity:
    rng = config.rng("account-details")
    n = len(accounts)
    index = np.arange(n)
    parent, has_parent = _parents(rng, accounts)
    revenue_usd = accounts.employees * rng.lognormal(np.log(180_000), 0.4, n)
    local = revenue_usd / rates.rate(accounts.currency, np.full(n, config.last_day))
    exponent = np.array([c.exponent for c in CURRENCIES], dtype=np.int8)[accounts.currency]
    revenue_minor = np.round(local / 1000).astype(np.int64) * 1000 * 10 ** exponent.astype(np.int64)
    founded = rng.integers(np.array([1995, 1975, 1900])[accounts.segment], 2023)
    return entity(
        "accounts",
        n,
        external_id=accounts.ids(index),
        name=accounts.name(index),
        domain=accounts.domain(index),
        website=accounts.website(index),
        industry=codes([name for name, _ in INDUSTRIES], accounts.industry),
        segment=codes(SEGMENTS, accounts.segment),
        employees=Ints(accounts.employees),
        annual_revenue=Money(revenue_minor, exponent),
        annual_revenue_currency=codes([c.code for c in CURRENCIES], accounts.currency),
        year_established=Ints(founded),
        country=codes([c.name for c in COUNTRIES], accounts.country),
        state=codes([c.state for c in CITIES.cities], accounts.city),
        city=codes([c.name for c in CITIES.cities], accounts.city),
        postal_code=postal_code(rng, accounts.city),
        owner=reps.ids(accounts.owner),
        parent=accounts.ids(parent, has_parent),
    )


def contacts_entity(config: GeneratorConfig, accounts: Accounts, reps: Reps) -> Entity:
    """1-4 people per account, named in the account country's language."""
    rng = config.rng("contacts")
    account = np.repeat(np.arange(len(accounts)), accounts.contact_count)
    people: People = draw_people(rng, accounts.country[account], accounts.domain(account), 0.8)
    return entity(
        "contacts",
        len(account),
        external_id=Ids(CONTACT_PREFIX, id_width(len(account), 7), np.arange(1, len(account) + 1)),
        first_name=people.first_name,
        last_name=people.last_name,
        email=people.email,
        phone=people.phone,
        title=people.title,
        account=accounts.ids(account),
        owner=reps.ids(accounts.owner[account]),
    )
