"""Conversion to the reporting currency at the rate of the deal's date, as a day calendar.

The rule is the application's (``currencies.service.rate_on``): a deal dated D in currency C
converts at the latest C→reporting rate with ``effective_on ≤ D``; when there is no direct
rate, the inverse of the latest reporting→C rate. The analytics engines cannot run that
lookup per row cheaply, so :func:`rate_calendar` turns the (small) rate table into one row
per currency and day, from the first rate day to the last; a deal then joins it on
``(currency, clamp(day))``. Days after the last rate use the last rate (the rule above).
Days before a currency's first rate have no rate in the application; here they use the
earliest rate and are flagged ``extrapolated`` so reports can say how many deals that was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RateRow:
    """``rate`` units of ``quote_currency`` per one ``currency`` from day ``effective_day``."""

    currency: str
    quote_currency: str
    effective_day: int
    rate: float


@dataclass(frozen=True, slots=True)
class RateCalendar:
    """Rates to the reporting currency per (currency, day) for days ``first_day..last_day``.

    Attributes:
        reporting: the reporting currency (its factor is always 1, on every day).
        rows: ``(currency, day, factor, extrapolated)`` — ``factor`` reporting-currency
            major units per one major unit of ``currency``.
        first_day / last_day: the day range the rows cover (``None`` when there are no
            rates at all; only the reporting currency converts then).
    """

    reporting: str
    rows: list[tuple[str, int, float, bool]] = field(default_factory=list)
    first_day: int | None = None
    last_day: int | None = None

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(row[0] for row in self.rows)


def _series(rows: Iterable[RateRow], reporting: str) -> tuple[dict[str, dict[int, float]], ...]:
    direct: dict[str, dict[int, float]] = {}
    inverse: dict[str, dict[int, float]] = {}
    for row in rows:
        if row.rate <= 0 or row.currency == row.quote_currency:
            continue
        if row.quote_currency == reporting:
            direct.setdefault(row.currency, {})[row.effective_day] = row.rate
        elif row.currency == reporting:
            inverse.setdefault(row.quote_currency, {})[row.effective_day] = 1.0 / row.rate
    return direct, inverse


def _latest(series: dict[int, float], days: list[int], day: int, start: int) -> tuple[int, float]:
    """Advance ``start`` through sorted ``days`` to the latest ≤ ``day``; returns (index, rate)."""
    index = start
    while index + 1 < len(days) and days[index + 1] <= day:
        index += 1
    return index, series[days[index]]


def _daily(
    direct: dict[int, float], inverse: dict[int, float], first: int, last: int
) -> list[tuple[int, float, bool]]:
    """One (day, factor, extrapolated) per day: direct rate when one applies, else inverse."""
    out: list[tuple[int, float, bool]] = []
    direct_days, inverse_days = sorted(direct), sorted(inverse)
    d_index = i_index = 0
    for day in range(first, last + 1):
        if direct_days and direct_days[0] <= day:
            d_index, rate = _latest(direct, direct_days, day, d_index)
            out.append((day, rate, False))
        elif inverse_days and inverse_days[0] <= day:
            i_index, rate = _latest(inverse, inverse_days, day, i_index)
            out.append((day, rate, False))
        else:
            earliest = direct[direct_days[0]] if direct_days else inverse[inverse_days[0]]
            out.append((day, earliest, True))
    return out


def rate_calendar(rows: Iterable[RateRow], reporting: str) -> RateCalendar:
    """Build the per-day calendar of rates to ``reporting`` from dated rate rows.

    Rates between two other currencies (neither side the reporting currency) are ignored,
    as in the application. Non-positive rates are ignored.
    """
    direct, inverse = _series(rows, reporting)
    currencies = sorted(set(direct) | set(inverse))
    days = [d for series in (*direct.values(), *inverse.values()) for d in series]
    if not currencies:
        return RateCalendar(reporting)
    first, last = min(days), max(days)
    calendar_rows = [
        (currency, day, factor, extrapolated)
        for currency in currencies
        for day, factor, extrapolated in _daily(
            direct.get(currency, {}), inverse.get(currency, {}), first, last
        )
    ]
    return RateCalendar(reporting, calendar_rows, first, last)
