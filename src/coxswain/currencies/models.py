"""ORM models for currencies and exchange rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coxswain.db.base import Base, IdMixin, TimestampMixin


class Currency(TimestampMixin, Base):
    """An ISO 4217 currency in use. ``exponent`` = digits of the minor unit (USD 2, JPY 0)."""

    __tablename__ = "currencies"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    exponent: Mapped[int] = mapped_column(Integer, default=2)
    is_reporting: Mapped[bool] = mapped_column(default=False)


class ExchangeRate(IdMixin, TimestampMixin, Base):
    """``rate`` units of ``quote_currency`` buy one unit of ``currency``, from ``effective_on``.

    A conversion on day D uses the latest rate with ``effective_on <= D``.
    """

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("currency", "quote_currency", "effective_on"),)

    currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))
    quote_currency: Mapped[str] = mapped_column(String(3), ForeignKey("currencies.code"))
    effective_on: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Numeric(24, 12))
