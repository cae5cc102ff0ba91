"""Value parsers: expected values written out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from coxswain.imports.engine.parsing import (
    BadValue,
    ParseOptions,
    parse_bool,
    parse_currency,
    parse_date_value,
    parse_datetime_value,
    parse_email,
    parse_enum,
    parse_int_value,
    parse_money,
    parse_percent,
)

OPTIONS = ParseOptions()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-31", date(2024, 3, 31)),
        ("2024-03-31T10:00:00Z", date(2024, 3, 31)),
        ("03/04/2024", date(2024, 3, 4)),
        ("March 4, 2024", date(2024, 3, 4)),
    ],
)
def test_dates_us_default(raw: str, expected: date) -> None:
    assert parse_date_value(OPTIONS)(raw) == expected


def test_dates_dayfirst_and_explicit_format() -> None:
    assert parse_date_value(ParseOptions(dayfirst=True))("03/04/2024") == date(2024, 4, 3)
    assert parse_date_value(ParseOptions(date_format="%d.%m.%Y"))("31.12.2023") == date(
        2023, 12, 31
    )
    with pytest.raises(BadValue, match=r"%d\.%m\.%Y"):
        parse_date_value(ParseOptions(date_format="%d.%m.%Y"))("2023-12-31")
    with pytest.raises(BadValue, match="a date"):
        parse_date_value(OPTIONS)("not a date")


def test_datetimes_become_utc() -> None:
    parse = parse_datetime_value(OPTIONS)
    assert parse("2024-03-31T10:00:00Z") == datetime(2024, 3, 31, 10, tzinfo=UTC)
    assert parse("2024-03-31T10:00:00+02:00") == datetime(2024, 3, 31, 8, tzinfo=UTC)
    # No offset: the mapping's zone applies (Lisbon is UTC+1 in summer).
    lisbon = parse_datetime_value(ParseOptions(time_zone="Europe/Lisbon"))
    assert lisbon("2024-07-01 09:30") == datetime(2024, 7, 1, 8, 30, tzinfo=UTC)
    value = parse("2024-01-02 03:04:05")
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)
    assert value.astimezone(UTC) == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [
        ("12500", Decimal("12500"), None),
        ("12500.50", Decimal("12500.50"), None),
        ("$12,500.50", Decimal("12500.50"), None),
        ("€1.234,56", Decimal("1234.56"), "EUR"),
        ("1 234,56 €", Decimal("1234.56"), "EUR"),
        ("USD 1,000", Decimal("1000"), "USD"),
        ("-250.75", Decimal("-250.75"), None),
        ("(1,234)", Decimal("-1234"), None),
        ("R$ 99,90", Decimal("99.90"), "BRL"),
    ],
)
def test_money(raw: str, amount: Decimal, currency: str | None) -> None:
    assert parse_money(OPTIONS)(raw) == (amount, currency)


def test_money_locale_and_garbage() -> None:
    german = parse_money(ParseOptions(locale="de_DE"))
    assert german("1.234,56")[0] == Decimal("1234.56")
    with pytest.raises(BadValue, match="number"):
        parse_money(OPTIONS)("twelve")


def test_integers_percent_bool_enum_email_currency() -> None:
    assert parse_int_value(OPTIONS)("1,234") == 1234
    with pytest.raises(BadValue, match="whole number"):
        parse_int_value(OPTIONS)("12.5")
    assert parse_percent(OPTIONS)("35%") == Decimal(35)
    with pytest.raises(BadValue, match="between 0 and 100"):
        parse_percent(OPTIONS)("135")
    assert parse_bool("Yes") is True
    assert parse_bool("0") is False
    with pytest.raises(BadValue):
        parse_bool("maybe")
    enum = parse_enum(("new_business", "renewal"))
    assert enum("New Business") == "new_business"
    assert enum("RENEWAL") == "renewal"
    with pytest.raises(BadValue, match="one of new_business, renewal"):
        enum("upsell")
    assert parse_email(" Ana@Example.COM ") == "ana@example.com"
    with pytest.raises(BadValue):
        parse_email("ana-at-example.com")
    assert parse_currency("eur") == "EUR"
    with pytest.raises(BadValue, match="ISO 4217"):
        parse_currency("EURO")
