"""Jinja filters: money, percentages, signed changes, dates, durations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_currency, format_decimal

from coxswain.core.money import to_major


def money(value: float | Decimal | None, currency: str = "USD", compact: bool = False) -> str:
    """``$1,234`` (no cents) or, compact, ``$1.2M``; ``—`` for None."""
    if value is None:
        return "—"
    number = float(value)
    if compact and abs(number) >= 1000:
        for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(number) >= limit:
                symbol = format_currency(0, currency, locale="en_US").replace("0.00", "").strip()
                return f"{symbol}{number / limit:.1f}{suffix}"
    return str(
        format_currency(
            round(number), currency, locale="en_US", format="¤#,##0", currency_digits=False
        )
    )


def minor_money(amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return "—"
    return money(to_major(amount_minor, currency), currency)


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def signed_percent(value: float | None) -> str:
    if value is None:
        return "n/a"
    arrow = "▲" if value > 0 else ("▼" if value < 0 else "■")
    return f"{arrow} {abs(value) * 100:.1f}%"


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return str(format_decimal(round(float(value), digits), locale="en_US"))


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%Y-%m-%d")


def register(env: object) -> None:
    filters = env.filters  # type: ignore[attr-defined]
    filters.update(
        money=money,
        minor_money=minor_money,
        percent=percent,
        signed_percent=signed_percent,
        number=number,
        day=day,
    )
