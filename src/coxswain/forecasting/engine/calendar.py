"""Days as integers and forecast periods (months, quarters, years).

A *day number* is the count of days since 1970-01-01, so date arithmetic on whole arrays is
integer arithmetic. A :class:`Period` is an inclusive range of calendar days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from coxswain.core.errors import ValidationError

EPOCH = date(1970, 1, 1)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


def day(value: date) -> int:
    """Day number of ``value`` (1970-01-01 is 0)."""
    return (value - EPOCH).days


def to_date(day_number: int) -> date:
    """The calendar date of a day number."""
    return EPOCH + timedelta(days=int(day_number))


def _month_start(year: int, month: int) -> date:
    year += (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive range of days with a label such as ``2017-11`` or ``2017-Q4``.

    Attributes:
        label: how users write the period.
        start: first day (inclusive).
        end: last day (inclusive).
        kind: ``month``, ``quarter`` or ``year``.
    """

    label: str
    start: date
    end: date
    kind: str

    @property
    def start_day(self) -> int:
        return day(self.start)

    @property
    def end_day(self) -> int:
        return day(self.end)

    @property
    def days(self) -> int:
        """Length in days (a month has 28 to 31)."""
        return self.end_day - self.start_day + 1

    @property
    def months(self) -> int:
        """Length in calendar months (1, 3 or 12)."""
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    def contains(self, value: date) -> bool:
        return self.start <= value <= self.end

    def shifted(self, steps: int) -> Period:
        """The period ``steps`` periods later (earlier when negative), of the same kind."""
        start = _month_start(self.start.year, self.start.month + steps * self.months)
        return period_starting(start, self.kind)


def period_starting(start: date, kind: str) -> Period:
    """The month, quarter or year that starts on ``start`` (which must be a first day)."""
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    end = _month_start(start.year, start.month + months) - timedelta(days=1)
    if kind == "month":
        label = f"{start.year}-{start.month:02d}"
    elif kind == "quarter":
        label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    else:
        label = f"{start.year}"
    return Period(label=label, start=start, end=end, kind=kind)


def parse_period(text: str) -> Period:
    """``2017-11`` (month), ``2017-Q4`` (quarter) or ``2017`` (year).

    Raises:
        ValidationError: for anything else, naming the accepted forms.
    """
    value = text.strip()
    if match := _MONTH.match(value):
        month = int(match.group(2))
        if 1 <= month <= 12:
            return period_starting(date(int(match.group(1)), month, 1), "month")
    elif match := _QUARTER.match(value):
        quarter = int(match.group(2))
        return period_starting(date(int(match.group(1)), 3 * quarter - 2, 1), "quarter")
    elif match := _YEAR.match(value):
        return period_starting(date(int(match.group(1)), 1, 1), "year")
    raise ValidationError(
        f"period {text!r} is not valid; expected YYYY-MM (2017-11), YYYY-QN (2017-Q4) or YYYY"
    )


def period_containing(value: date, kind: str = "month") -> Period:
    """The month, quarter or year that contains ``value``."""
    if kind == "month":
        return period_starting(date(value.year, value.month, 1), kind)
    if kind == "quarter":
        return period_starting(date(value.year, 3 * ((value.month - 1) // 3) + 1, 1), kind)
    if kind == "year":
        return period_starting(date(value.year, 1, 1), kind)
    raise ValidationError(f"period kind {kind!r} is not valid; expected month, quarter or year")


def week_start(value: date) -> date:
    """The Monday on or before ``value`` (ISO weeks; weekly snapshots are keyed by it)."""
    return value - timedelta(days=value.weekday())
