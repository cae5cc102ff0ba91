"""Writer for products (and their list prices in the default price book of each currency)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from coxswain.catalog.models import PriceBook, PriceBookEntry
from coxswain.imports.writers.base import EntityWriter, Pending, Record


class ProductWriter(EntityWriter):
    table_name = "products"
    entity = "products"

    def build(self, item: Pending) -> Record:
        record: Record = {}
        self.copy_fields(item, record, ("name", "code", "family", "is_recurring", "is_active"))
        if self.mapped("list_price") and item.values.get("list_price") is not None:
            currency = self.currency(item, "currency", "list_price")
            item.values["_price"] = (self.minor(item, "list_price", currency), currency)
        return record

    def after_insert(self, items: Sequence[Pending]) -> None:
        for item in items:
            assert item.record is not None
            self.ctx.resolver.remember(
                "products",
                str(item.values["external_id"]),
                item.record["id"],
                natural=[str(item.values.get("name") or "")],
            )

    def write_batch(self, batch: Sequence[Pending]) -> None:
        super().write_batch(batch)
        for item in batch:  # a changed price alone leaves the product row as it was
            if item.record is not None and "_price" in item.values:
                self._price(item)

    def _price(self, item: Pending) -> None:
        price = item.values.get("_price")
        if price is None or item.record is None:
            return
        amount, currency = price
        set_list_price(self.ctx.session, item.record["id"], currency, amount)


def default_book(session: Any, currency: str) -> PriceBook:
    book: PriceBook | None = session.scalar(
        select(PriceBook)
        .where(PriceBook.currency == currency)
        .order_by(PriceBook.is_default.desc())
    )
    if book is None:
        any_default = session.scalar(select(PriceBook.id).where(PriceBook.is_default.is_(True)))
        book = PriceBook(
            name=f"Standard {currency}", currency=currency, is_default=any_default is None
        )
        session.add(book)
        session.flush()
    return book


def set_list_price(session: Any, product_id: uuid.UUID, currency: str, amount_minor: int) -> None:
    book = default_book(session, currency)
    entry = session.scalar(
        select(PriceBookEntry).where(
            PriceBookEntry.price_book_id == book.id, PriceBookEntry.product_id == product_id
        )
    )
    if entry is None:
        session.add(
            PriceBookEntry(
                price_book_id=book.id, product_id=product_id, unit_price_minor=amount_minor
            )
        )
    elif entry.unit_price_minor != amount_minor:
        entry.unit_price_minor = amount_minor
    session.flush()
