"""ORM models for products and price books."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.db.base import Base, ExternalRefMixin, IdMixin, SoftDeleteMixin, TimestampMixin


class Product(IdMixin, TimestampMixin, SoftDeleteMixin, ExternalRefMixin, Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("name"), UniqueConstraint("external_id", "external_source"))

    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(100))
    family: Mapped[str | None] = mapped_column(String(100))
    is_recurring: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)


class PriceBook(IdMixin, TimestampMixin, Base):
    """A list of prices in one currency. One book is the default for new line items."""

    __tablename__ = "price_books"
    __table_args__ = (UniqueConstraint("name"),)

    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))
    is_default: Mapped[bool] = mapped_column(default=False)


class PriceBookEntry(IdMixin, TimestampMixin, Base):
    __tablename__ = "price_book_entries"
    __table_args__ = (UniqueConstraint("price_book_id", "product_id"),)

    price_book_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("price_books.id", ondelete="CASCADE")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
