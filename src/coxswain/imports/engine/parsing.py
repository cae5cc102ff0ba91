"""Value parsers: one compiled function per column, ``str -> value``, raising :class:`BadValue`.

Fast paths first (ISO dates, plain numbers), then well-kept libraries for everything else:
``dateutil`` for free-form dates, ``price_parser`` for amounts with symbols and separators,
``babel`` for locale-aware decimals and ISO 4217 currency codes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import NumberFormatError, parse_decimal
from dateutil import parser as date_parser
from price_parser import Price

from coxswain.core.money import is_currency
from coxswain.imports.engine.schema import FieldSpec

Parser = Callable[[str], Any]

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "x", "on", "sim", "oui", "ja"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off", "não", "nao", "non", "nein"})
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A few symbols mean one currency unambiguously; "$" does not ("USD", "CAD", "AUD" ...).
_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "R$": "BRL", "₹": "INR", "US$": "USD"}


class BadValue(ValueError):
    """A cell that does not parse; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """How a file writes its values (from the mapping profile or a YAML mapping file).

    Attributes:
        date_format: ``strptime`` format tried before anything else (e.g. ``%d/%m/%Y``).
        datetime_format: same for datetimes.
        dayfirst: read ``03/04/2024`` as 3 April (Europe) rather than March 4 (US).
        time_zone: zone for datetimes written without an offset (IANA name).
        locale: Babel locale for numbers, e.g. ``de_DE`` reads ``1.234,56``.
        value_maps: per field, source value → native value (applied before parsing).
    """

    date_format: str | None = None
    datetime_format: str | None = None
    dayfirst: bool = False
    time_zone: str = "UTC"
    locale: str | None = None
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def zone(self) -> tzinfo:
        return UTC if self.time_zone.upper() == "UTC" else ZoneInfo(self.time_zone)


def parse_text(max_length: int | None) -> Parser:
    def parse(raw: str) -> str:
        if max_length is not None and len(raw) > max_length:
            raise BadValue(f"text of at most {max_length} characters (got {len(raw)})")
        return raw

    return parse


def parse_email(raw: str) -> str:
    value = raw.strip().lower()
    if not _EMAIL.match(value):
        raise BadValue("an e-mail address like name@example.com")
    return value


def parse_decimal_value(options: ParseOptions) -> Parser:
    def parse(raw: str) -> Decimal:
        text = raw.strip()
        if _PLAIN_NUMBER.match(text):
            return Decimal(text)
        if options.locale:
            try:
                return Decimal(str(parse_decimal(text, locale=options.locale, strict=False)))
            except (NumberFormatError, InvalidOperation) as exc:
                raise BadValue(f"a number in locale {options.locale}") from exc
        return _amount(text)

    return parse


# Unicode category "Sc" (currency symbols), as of Python 3.11's Unicode database.
_SC = re.escape("$¢£¤¥֏؋߾߿৲৳৻૱௹฿៛₠₡₢₣₤₥₦₧₨₩₪₫€₭₮₯₰₱₲₳₴₵₶₷₸₹₺₻₼₽₾₿⃀꠸﷼﹩＄￠￡￥￦")
_MARK = rf"(?:[A-Z]{{3}}|[A-Za-z]{{0,2}}[{_SC}])"
# A written amount: optional sign or parenthesis, optional currency mark, digits with grouping
# and decimal separators, optional currency mark. Anything else (letters, stray symbols) is junk.
_AMOUNT = re.compile(rf"^\(?[+-]?\s*{_MARK}?\s*[+-]?\d[\d\s.,'\u00a0\u202f]*\s*{_MARK}?\s*\)?$")


def _amount(text: str) -> Decimal:
    if not _AMOUNT.match(text):
        raise BadValue("a number such as 1234.50")
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    price = Price.fromstring(text)
    if price.amount is None:
        raise BadValue("a number such as 1234.50")
    amount = Decimal(price.amount)
    return -amount if negative else amount


def parse_int_value(options: ParseOptions) -> Parser:
    as_decimal = parse_decimal_value(options)

    def parse(raw: str) -> int:
        try:
            return int(raw)
        except ValueError:
            pass
        try:
            value = as_decimal(raw)
        except BadValue as exc:
            raise BadValue("a whole number") from exc
        if value != value.to_integral_value():
            raise BadValue("a whole number")
        return int(value)

    return parse


def parse_money(options: ParseOptions) -> Parser:
    """Amount in major units → ``(Decimal amount, currency code or None)``."""
    as_decimal = parse_decimal_value(options)

    def parse(raw: str) -> tuple[Decimal, str | None]:
        text = raw.strip()
        if _PLAIN_NUMBER.match(text):
            return Decimal(text), None
        currency = _currency_in(text)
        return as_decimal(text), currency

    return parse


def _currency_in(text: str) -> str | None:
    match = re.search(r"\b([A-Z]{3})\b", text)
    if match and is_currency(match.group(1)):
        return match.group(1)
    for symbol, code in sorted(_SYMBOLS.items(), key=lambda kv: -len(kv[0])):
        if symbol in text:
            return code
    return None


def parse_currency(raw: str) -> str:
    code = raw.strip().upper()
    if not is_currency(code):
        raise BadValue("an ISO 4217 currency code such as USD or EUR")
    return code


def parse_percent(options: ParseOptions) -> Parser:
    """``35`` or ``35%`` → Decimal('35'); must lie within 0..100."""
    as_decimal = parse_decimal_value(options)

    def parse(raw: str) -> Decimal:
        value: Decimal = as_decimal(raw.strip().rstrip("%").strip())
        if not Decimal(0) <= value <= Decimal(100):
            raise BadValue("a percentage between 0 and 100")
        return value

    return parse


def parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise BadValue("true or false (also yes/no, 1/0)")


def parse_date_value(options: ParseOptions) -> Parser:
    def parse(raw: str) -> date:
        text = raw.strip()
        if options.date_format:
            try:
                return datetime.strptime(text, options.date_format).date()  # noqa: DTZ007
            except ValueError:
                raise BadValue(f"a date in the form {options.date_format}") from None
        try:
            return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return date_parser.parse(text, dayfirst=options.dayfirst).date()
        except (ValueError, OverflowError):
            raise BadValue("a date such as 2024-03-31") from None

    return parse


def parse_datetime_value(options: ParseOptions) -> Parser:
    zone = options.zone

    def parse(raw: str) -> datetime:
        text = raw.strip()
        value: datetime | None = None
        if options.datetime_format:
            try:
                value = datetime.strptime(text, options.datetime_format)  # noqa: DTZ007
            except ValueError:
                raise BadValue(f"a date-time in the form {options.datetime_format}") from None
        if value is None:
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                try:
                    value = date_parser.parse(text, dayfirst=options.dayfirst)
                except (ValueError, OverflowError):
                    raise BadValue("a date-time such as 2024-03-31T14:05:00Z") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)

    return parse


def parse_enum(choices: tuple[str, ...]) -> Parser:
    lookup = {c.lower(): c for c in choices}
    lookup.update({c.lower().replace("_", " "): c for c in choices})
    lookup.update({c.lower().replace("_", "-"): c for c in choices})
    expected = ", ".join(choices)

    def parse(raw: str) -> str:
        value = lookup.get(raw.strip().lower())
        if value is None:
            raise BadValue(f"one of {expected}")
        return value

    return parse


def parse_json(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise BadValue('a JSON object such as {"key": "value"}') from None
    if not isinstance(value, dict):
        raise BadValue('a JSON object such as {"key": "value"}')
    return value


def make_parser(spec: FieldSpec, options: ParseOptions) -> Parser:
    """The parser for one field, honouring ``options`` (formats, locale, time zone)."""
    kind = spec.kind
    if kind in ("text", "ref"):
        return parse_text(spec.max_length)
    simple: dict[str, Parser] = {
        "email": parse_email,
        "currency": parse_currency,
        "bool": parse_bool,
        "json": parse_json,
    }
    if kind in simple:
        return simple[kind]
    factories: dict[str, Callable[[ParseOptions], Parser]] = {
        "int": parse_int_value,
        "decimal": parse_decimal_value,
        "money": parse_money,
        "percent": parse_percent,
        "date": parse_date_value,
        "datetime": parse_datetime_value,
    }
    if kind in factories:
        return factories[kind](options)
    if kind == "enum":
        return parse_enum(spec.choices)
    raise ValueError(f"no parser for field kind {kind!r}")
