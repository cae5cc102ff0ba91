"""Money as integer minor units plus an ISO 4217 currency, with one rounding policy.

Amounts are ``int`` minor units (cents for USD, yen for JPY). Conversions use ``Decimal`` and round
half-even (banker's rounding) once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

ROUNDING = ROUND_HALF_EVEN


@lru_cache(maxsize=1)
def iso_currencies() -> frozenset[str]:
    """Every ISO 4217 code Babel (CLDR) knows."""
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in iso_currencies()


@lru_cache(maxsize=512)
def minor_exponent(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (USD 2, JPY 0, BHD 3)."""
    return int(get_currency_precision(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """Major units (e.g. dollars, as a Decimal) to integer minor units, rounded half-even."""
    scale = Decimal(10) ** minor_exponent(currency)
    return int((amount * scale).quantize(Decimal(1), rounding=ROUNDING))


def to_major(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor) / (Decimal(10) ** minor_exponent(currency))


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount_minor + other.amount_minor, self.currency)

    @property
    def major(self) -> Decimal:
        return to_major(self.amount_minor, self.currency)

    def convert(self, rate: Decimal, to_currency: str) -> Money:
        """Convert with ``rate`` = units of ``to_currency`` per one unit of ``self.currency``."""
        return Money(to_minor(self.major * rate, to_currency), to_currency)

    def __str__(self) -> str:
        return f"{self.major:,.{minor_exponent(self.currency)}f} {self.currency}"
