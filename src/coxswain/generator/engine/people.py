"""People at customers (contacts and leads): names in the country's language, e-mail, phone.

E-mails are ``first.last@<company domain>`` in ASCII; phones are the country's calling code and
ten random digits grouped 3-3-4 (``+49 301 555 0123``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from coxswain.generator.engine.columns import Codes, Column, Joined, codes
from coxswain.generator.engine.formatting import (
    ArrowArray,
    concat_fixed,
    digit_parts,
    join_strings,
)
from coxswain.generator.engine.geography import COUNTRIES
from coxswain.generator.engine.vocabulary import (
    CONTACT_TITLES,
    FIRST_NAMES,
    LAST_NAMES,
    NAME_LOCALES,
    flat_names,
    slug,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_FIRST, _FIRST_RANGES = flat_names(FIRST_NAMES)
_LAST, _LAST_RANGES = flat_names(LAST_NAMES)
_COUNTRY_LOCALE = np.array([NAME_LOCALES.index(c.name_locale) for c in COUNTRIES])
_PHONE_PREFIXES = pa.array([c.phone_prefix for c in COUNTRIES], type=pa.string())


@dataclass(frozen=True)
class People:
    first_name: Column
    last_name: Column
    email: Column
    phone: Column
    title: Column


def _pick(rng: np.random.Generator, locale: IntArray, ranges: dict[str, range]) -> IntArray:
    """A uniform name index inside each row's locale range of the flat name list."""
    starts = np.array([ranges[loc].start for loc in NAME_LOCALES])[locale]
    sizes = np.array([len(ranges[loc]) for loc in NAME_LOCALES])[locale]
    return np.asarray(starts + (rng.random(len(locale)) * sizes).astype(np.int64), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Phone:
    """``+<calling code> NNN NNN NNNN``: the country's code joined to fixed-width digits."""

    country: IntArray
    digits: IntArray  # ten random digits as one number
    valid: BoolArray

    def text(self, start: int, stop: int) -> ArrowArray:
        digits = self.digits[start:stop]
        valid = self.valid[start:stop]
        area, rest = np.divmod(digits, 10**7)
        exchange, line = np.divmod(rest, 10**4)
        parts: list[bytes | npt.NDArray[np.bytes_]] = [b" ", *digit_parts(area, 3), b" "]
        parts += [*digit_parts(exchange, 3), b" "]
        number = concat_fixed([*parts, *digit_parts(line, 4)], len(digits), valid)
        prefix = _PHONE_PREFIXES.take(pa.array(self.country[start:stop], type=pa.int32()))
        return join_strings([prefix, number])

    typed = text


def phone_number(rng: np.random.Generator, country: IntArray, share: float = 1.0) -> Column:
    """A random phone number in each row's country (area codes from 200) for a ``share`` of
    the rows, NULL for the others."""
    n = len(country)
    return Phone(country, rng.integers(2 * 10**9, 10**10, n), rng.random(n) < share)


@cache
def _local_parts() -> ArrowArray:
    """``first.last@`` for every pair of first and last names (index first * len(last) + last)."""
    firsts = [slug(name) for name in _FIRST]
    lasts = [slug(name) for name in _LAST]
    return pa.array([f"{f}.{name}@" for f in firsts for name in lasts], type=pa.string())


def _email(first: IntArray, last: IntArray, domain: Column) -> Column:
    """``first.last@domain``."""
    return Joined((Codes(_local_parts(), first * len(_LAST) + last), domain))


def draw_people(
    rng: np.random.Generator, country: IntArray, domain: Column, known: float = 1.0
) -> People:
    """One person per row of ``country`` working at the company whose domain is ``domain``.

    ``known`` is the share of people whose phone is known; a title is known for a little more
    (the rest are NULL, as in real CRM data).
    """
    locale = _COUNTRY_LOCALE[country]
    first = _pick(rng, locale, _FIRST_RANGES)
    last = _pick(rng, locale, _LAST_RANGES)
    weights = np.array([w for _, w in CONTACT_TITLES])
    title = rng.choice(len(CONTACT_TITLES), len(country), p=weights / weights.sum())
    title[rng.random(len(country)) >= min(1.0, known + 0.25)] = -1
    return People(
        first_name=codes(_FIRST, first),
        last_name=codes(_LAST, last),
        email=_email(first, last, domain),
        phone=phone_number(rng, country, known),
        title=codes([t for t, _ in CONTACT_TITLES], title),
    )
