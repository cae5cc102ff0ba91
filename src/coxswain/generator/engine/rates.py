"""Monthly exchange rates to USD from a seeded, mean-reverting random walk.

For each non-USD currency, ``log(rate / level)`` follows an AR(1) process month by month
(``x[t] = 0.92 * x[t-1] + volatility * e[t]``, ``e ~ N(0, 1)``, started at a random draw of its
stationary spread), so rates wander a few per cent around realistic levels without drifting
away. A rate is USD per one unit of the currency, effective from the first of its month, rounded
to 6 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.columns import Dates, Entity, FixedPoint, codes, entity
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.geography import CURRENCIES
from coxswain.generator.engine.timeline import month_of, month_start

RATE_SCALE = 6
PERSISTENCE = 0.92


@dataclass(frozen=True)
class Rates:
    """USD per unit of each currency (rows: :data:`CURRENCIES` order) for each month of the
    history (columns: months since ``first_month``); USD is 1."""

    first_month: int
    usd_per_unit: npt.NDArray[np.float64]

    def rate(
        self, currency: npt.NDArray[np.int64], days: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """The rate in force on each day (days outside the history use its first/last month)."""
        month = np.clip(month_of(days) - self.first_month, 0, self.usd_per_unit.shape[1] - 1)
        return self.usd_per_unit[currency, month]


def build_rates(config: GeneratorConfig) -> tuple[Rates, Entity]:
    """The rate table and the ``exchange_rates`` entity (one row per currency and month)."""
    rng = config.rng("rates")
    months = config.last_month - config.first_month + 1
    table = np.ones((len(CURRENCIES), months))
    for row, currency in enumerate(CURRENCIES):
        if currency.code == "USD":
            continue
        shocks = rng.standard_normal(months) * currency.monthly_volatility
        walk = np.empty(months)
        walk[0] = shocks[0] / np.sqrt(1 - PERSISTENCE**2)
        for month in range(1, months):
            walk[month] = PERSISTENCE * walk[month - 1] + shocks[month]
        table[row] = np.round(currency.usd_per_unit * np.exp(walk), RATE_SCALE)
    rates = Rates(config.first_month, table)
    return rates, _rate_entity(rates)


def _rate_entity(rates: Rates) -> Entity:
    quoted = np.array([i for i, c in enumerate(CURRENCIES) if c.code != "USD"])
    months = rates.usd_per_unit.shape[1]
    currency = np.repeat(quoted, months)
    month = np.tile(np.arange(months), len(quoted))
    units = np.round(rates.usd_per_unit[currency, month] * 10**RATE_SCALE).astype(np.int64)
    return entity(
        "exchange_rates",
        len(currency),
        currency=codes([c.code for c in CURRENCIES], currency),
        quote_currency=codes(["USD"], np.zeros(len(currency), dtype=np.int64)),
        effective_on=Dates(month_start(month + rates.first_month)),
        rate=FixedPoint(units, RATE_SCALE),
    )
