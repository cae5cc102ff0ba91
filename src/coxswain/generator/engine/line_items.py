"""Line items: the products on each deal, whose totals make the deal's amount.

Per deal: a platform edition matching the segment, plus 0-2 extras (add-ons, support,
implementation, training; renewals add support, upsells an add-on). Unit prices are the USD
list prices converted at the month the deal opened (whole yen for JPY). Extras get modest
quantities (add-on seats are 30-100 % of the platform seats); the platform quantity is then
chosen so the deal lands near its target amount. A deal-wide discount (deeper for larger
segments, none on services) applies.

Amounts are integer minor units. A line's net is ``round_half_up(qty * unit * (100 - d) /
100)`` and the deal amount is the sum of its lines' nets, so ``sum(qty * unit * (1 - d/100))``
differs from the amount by at most half a minor unit per line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.deal_seeds import RENEWAL, UPSELL
from coxswain.generator.engine.geography import CURRENCIES
from coxswain.generator.engine.products import (
    ADD_ONS,
    IMPLEMENTATION,
    LIST_PRICE_USD,
    PLATFORM_BY_SEGMENT,
    SUPPORT,
    TRAINING,
)
from coxswain.generator.engine.rates import Rates

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

EXPONENT = np.array([c.exponent for c in CURRENCIES], dtype=np.int64)
EXTRAS = np.array([*ADD_ONS, SUPPORT, IMPLEMENTATION, TRAINING])
EXTRA_WEIGHT = np.array([0.2, 0.15, 0.2, 0.2, 0.15, 0.1])
LINE_COUNT_P = np.array([[0.55, 0.35, 0.10], [0.25, 0.45, 0.30], [0.05, 0.45, 0.50]])
DISCOUNTS = (np.array([0, 0, 5, 10]), np.array([0, 5, 10, 15, 20]), np.array([10, 15, 20, 25, 30]))
MAX_LINES = 3


@dataclass(frozen=True)
class LineItems:
    """Lines in deal order; ``amount`` and ``exponent`` are per deal."""

    deal: IntArray
    product: IntArray
    quantity: IntArray
    unit_minor: IntArray
    discount: IntArray  # percent
    amount: IntArray  # per deal, minor units
    exponent: IntArray  # per deal: minor digits of its currency


def _products(rng: np.random.Generator, segment: IntArray, kind: IntArray) -> IntArray:
    """``(deals, MAX_LINES)`` product indices, -1 for no line; column 0 is the platform."""
    n = len(segment)
    cumulative = LINE_COUNT_P[segment].cumsum(axis=1)
    count = 1 + (rng.random(n)[:, None] > cumulative[:, :-1]).sum(axis=1)
    count = np.where(kind == RENEWAL, 1 + (rng.random(n) < 0.5), count)
    count = np.where(kind == UPSELL, 1 + (rng.random(n) < 0.4), count)
    first = rng.choice(len(EXTRAS), n, p=EXTRA_WEIGHT)
    second = (first + rng.integers(1, len(EXTRAS), n)) % len(EXTRAS)
    first = np.where(kind == RENEWAL, 3, np.where(kind == UPSELL, rng.integers(0, 3, n), first))
    products = np.stack([PLATFORM_BY_SEGMENT[segment], EXTRAS[first], EXTRAS[second]], axis=1)
    products[np.arange(MAX_LINES)[None, :] >= count[:, None]] = -1
    return products


def _quantities(
    rng: np.random.Generator, products: IntArray, unit: IntArray, keep: IntArray,
    target: FloatArray,
) -> IntArray:  # fmt: skip
    """Quantities: extras first (seats follow the platform), then the platform to hit target."""
    platform_seats = np.maximum(1.0, target / (unit[:, 0] * keep[:, 0] / 100))
    n = len(target)
    quantity = np.ones(products.shape, dtype=np.int64)
    for column in (1, 2):
        product = products[:, column]
        seats = np.maximum(1, np.round(platform_seats * rng.uniform(0.3, 1.0, n)))
        quantity[:, column] = np.where(np.isin(product, ADD_ONS), seats, 1)
        quantity[product == TRAINING, column] = rng.integers(1, 6, int((product == TRAINING).sum()))
    extras = (quantity[:, 1:] * unit[:, 1:] * keep[:, 1:] / 100 * (products[:, 1:] >= 0)).sum(
        axis=1
    )
    rest = np.maximum(target - extras, 0.0)
    quantity[:, 0] = np.maximum(1, np.round(rest / (unit[:, 0] * keep[:, 0] / 100)))
    quantity[products < 0] = 0
    return quantity


def build_line_items(
    rng: np.random.Generator, segment: IntArray, kind: IntArray, currency: IntArray,
    opened_day: IntArray, target_usd: FloatArray, rates: Rates,
) -> LineItems:  # fmt: skip
    """Lines for every deal, in deal order, and each deal's amount in its currency."""
    n = len(segment)
    products = _products(rng, segment, kind)
    rate = rates.rate(currency, opened_day)
    exponent = EXPONENT[currency]
    scale = 10.0**exponent
    price = LIST_PRICE_USD[np.maximum(products, 0)] / rate[:, None] * scale[:, None]
    unit = np.round(price).astype(np.int64)
    discount = np.stack([rng.choice(DISCOUNTS[s], n) for s in range(3)], axis=1)
    deal_discount = np.where(
        kind == RENEWAL, rng.choice([0, 0, 5], n), discount[np.arange(n), segment]
    )
    line_discount = np.where(
        np.isin(products, [IMPLEMENTATION, TRAINING]), 0, deal_discount[:, None]
    )
    keep = 100 - line_discount
    target = target_usd / rate * scale
    quantity = _quantities(rng, products, unit, keep, target)
    net = (quantity * unit * keep + 50) // 100
    present = products >= 0
    deal = np.repeat(np.arange(n), present.sum(axis=1))
    return LineItems(
        deal=deal,
        product=products[present],
        quantity=quantity[present],
        unit_minor=unit[present],
        discount=line_discount[present],
        amount=(net * present).sum(axis=1),
        exponent=exponent,
    )
