"""The catalogue the generated company sells: platform editions, add-ons, support, services.

List prices are USD (the ``products`` rows carry ``currency`` USD); deals in other currencies
convert them at the month's rate. Platform and add-ons are priced per seat per year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from coxswain.generator.engine.columns import Bools, Entity, Ids, Money, Strings, entity

PRODUCT_PREFIX, PRODUCT_WIDTH = "P", 2


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str
    family: str
    recurring: bool
    active: bool
    list_price_usd: float


PRODUCTS: tuple[Product, ...] = (
    Product("BWL-STARTER", "Bowline Starter", "Platform", True, True, 480.0),
    Product("BWL-PRO", "Bowline Professional", "Platform", True, True, 1_200.0),
    Product("BWL-ENT", "Bowline Enterprise", "Platform", True, True, 2_400.0),
    Product("BWL-FCST", "Forecasting Add-on", "Add-ons", True, True, 300.0),
    Product("BWL-ROUTE", "Routing Add-on", "Add-ons", True, True, 240.0),
    Product("BWL-ANLYT", "Analytics Add-on", "Add-ons", True, True, 360.0),
    Product("BWL-SUPPORT", "Premium Support", "Support", True, True, 6_000.0),
    Product("SVC-IMPL", "Implementation Services", "Services", False, True, 12_000.0),
    Product("SVC-TRAIN", "Admin Training (per day)", "Services", False, True, 1_500.0),
    Product("BWL-CLASSIC", "Bowline Classic (retired)", "Platform", True, False, 900.0),
)
PLATFORM_BY_SEGMENT = np.array([0, 1, 2])  # Starter for SMB, Professional, Enterprise
ADD_ONS = np.array([3, 4, 5])
SUPPORT, IMPLEMENTATION, TRAINING = 6, 7, 8
LIST_PRICE_USD = np.array([p.list_price_usd for p in PRODUCTS])


def products_entity() -> Entity:
    n = len(PRODUCTS)
    return entity(
        "products",
        n,
        external_id=Ids(PRODUCT_PREFIX, PRODUCT_WIDTH, np.arange(1, n + 1)),
        name=Strings(pa.array([p.name for p in PRODUCTS])),
        code=Strings(pa.array([p.code for p in PRODUCTS])),
        family=Strings(pa.array([p.family for p in PRODUCTS])),
        is_recurring=Bools(np.array([p.recurring for p in PRODUCTS])),
        is_active=Bools(np.array([p.active for p in PRODUCTS])),
        list_price=Money(np.round(LIST_PRICE_USD * 100).astype(np.int64), np.full(n, 2, np.int8)),
        currency=Strings(pa.array(["USD"] * n)),
    )
