"""Currency use cases: make a currency known, set the reporting currency, convert at dated rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import get_currency_name
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.core.money import is_currency, minor_exponent
from coxswain.currencies.models import Currency, ExchangeRate


def ensure_currency(session: Session, code: str) -> Currency:
    """Return the currency row for ``code``, creating it from CLDR data when first used."""
    code = code.strip().upper()
    existing = session.get(Currency, code)
    if existing is not None:
        return existing
    if not is_currency(code):
        raise ValidationError(f"currency {code!r} is not an ISO 4217 code")
    currency = Currency(
        code=code, name=str(get_currency_name(code, locale="en")), exponent=minor_exponent(code)
    )
    session.add(currency)
    session.flush()
    return currency


def reporting_currency(session: Session) -> str:
    code = session.scalar(select(Currency.code).where(Currency.is_reporting.is_(True)))
    if code is None:
        raise NotFoundError("no reporting currency is set; run `coxswain init`")
    return code


def set_reporting_currency(session: Session, code: str) -> None:
    currency = ensure_currency(session, code)
    session.execute(update(Currency).values(is_reporting=False))
    currency.is_reporting = True
    session.flush()


def rate_on(session: Session, currency: str, quote_currency: str, on: date) -> Decimal:
    """Units of ``quote_currency`` per one ``currency`` on day ``on`` (latest rate not after it).

    Falls back to the inverse of the opposite rate; raises when neither exists.
    """
    if currency == quote_currency:
        return Decimal(1)
    direct = session.scalar(
        select(ExchangeRate.rate)
        .where(
            ExchangeRate.currency == currency,
            ExchangeRate.quote_currency == quote_currency,
            ExchangeRate.effective_on <= on,
        )
        .order_by(ExchangeRate.effective_on.desc())
        .limit(1)
    )
    if direct is not None:
        return Decimal(direct)
    inverse = session.scalar(
        select(ExchangeRate.rate)
        .where(
            ExchangeRate.currency == quote_currency,
            ExchangeRate.quote_currency == currency,
            ExchangeRate.effective_on <= on,
        )
        .order_by(ExchangeRate.effective_on.desc())
        .limit(1)
    )
    if inverse is not None:
        return Decimal(1) / Decimal(inverse)
    raise NotFoundError(f"no {currency}→{quote_currency} exchange rate on or before {on}")
