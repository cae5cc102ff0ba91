"""Reporting periods as day numbers, and the calendar labels the reports group by.

Every date in the analytics tables is an integer *day number*: days since 1970-01-01
(1970-01-01 is day 0, a Thursday). A *month index* is ``year × 12 + month − 1`` and a *week
index* is ``(day + 3) // 7`` (weeks start on Monday, so an ISO week is one index). Integers
compare, subtract and group the same way on every engine; labels are made here, in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from coxswain.analytics.errors import AnalyticsRequestError

EPOCH = date(1970, 1, 1)
DAYS_PER_MONTH = 365.2425 / 12


def day_number(value: date) -> int:
    """Days since 1970-01-01 (negative before it)."""
    return (value - EPOCH).days


def from_day_number(number: int) -> date:
    return EPOCH + timedelta(days=number)


def month_index(value: date) -> int:
    """``year × 12 + month − 1``: consecutive months are consecutive integers."""
    return value.year * 12 + value.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> date:
    return month_start(index + 1) - timedelta(days=1)


def month_label(index: int) -> str:
    """``2026-10`` for the month index of October 2026."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def quarter_label(index: int) -> str:
    """``2026-Q4`` for a *quarter index* ``year × 4 + quarter − 1``."""
    return f"{index // 4:04d}-Q{index % 4 + 1}"


def week_index(day: int) -> int:
    """The Monday-based week of a day number (day 0 is a Thursday, in week 0)."""
    return (day + 3) // 7


def week_label(index: int) -> str:
    """The ISO week ``2026-W44`` of a week index."""
    monday = from_day_number(index * 7 - 3)
    year, week, _ = monday.isocalendar()
    return f"{year:04d}-W{week:02d}"


def year_label(year: int) -> str:
    return f"{year:04d}"


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of business dates ``[start, end]`` (both days included)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise AnalyticsRequestError(
                f"period: --to {self.end} is before --from {self.start}; expected from ≤ to"
            )

    @property
    def start_day(self) -> int:
        return day_number(self.start)

    @property
    def end_day(self) -> int:
        return day_number(self.end)

    @property
    def days(self) -> int:
        """Calendar days in the period, both ends included (≥ 1)."""
        return self.end_day - self.start_day + 1

    @property
    def is_whole_months(self) -> bool:
        """True when the period starts on a 1st and ends on a month's last day."""
        return self.start.day == 1 and (self.end + timedelta(days=1)).day == 1

    @property
    def months(self) -> float:
        """Length in months: exact for whole months, else ``days ÷ 30.436875``."""
        if self.is_whole_months:
            return float(month_index(self.end) - month_index(self.start) + 1)
        return self.days / DAYS_PER_MONTH

    @property
    def weeks(self) -> float:
        return self.days / 7

    def previous(self) -> Period:
        """The period of equal length just before this one.

        Whole-month periods step back by the same number of whole months (Nov–Oct → the
        Nov–Oct a year earlier); any other period steps back by its length in days.
        """
        try:
            if self.is_whole_months:
                count = month_index(self.end) - month_index(self.start) + 1
                first = month_index(self.start) - count
                return Period(month_start(first), month_end(first + count - 1))
            return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))
        except (OverflowError, ValueError):
            raise AnalyticsRequestError(
                f"the period before {self.start.isoformat()} is out of the calendar's range"
            ) from None

    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def trailing_months(end: date, months: int = 12) -> Period:
    """The ``months`` calendar months ending with ``end``'s month, cut at ``end``.

    ``trailing_months(date(2026, 10, 31))`` is 2025-11-01 – 2026-10-31.
    """
    if months < 1:
        raise AnalyticsRequestError("the number of months must be at least 1")
    return Period(month_start(month_index(end) - months + 1), end)


def last_complete_month(end: date) -> int:
    """Month index of the last calendar month that ends on or before ``end``."""
    index = month_index(end)
    return index if month_end(index) == end else index - 1


@dataclass(frozen=True, slots=True)
class GrowthWindows:
    """The pairs of windows revenue growth compares (all anchored at a period's end).

    ``month``: the last complete month M vs M−1. ``quarter``: the last complete calendar
    quarter vs the one before. ``year``: the twelve months ending with M vs the twelve before.
    """

    month: tuple[Period, Period]
    quarter: tuple[Period, Period]
    year: tuple[Period, Period]

    @property
    def first_month(self) -> int:
        """The earliest month index any window touches."""
        return month_index(self.year[1].start)


def _months(first: int, count: int) -> Period:
    return Period(month_start(first), month_end(first + count - 1))


def growth_windows(end: date) -> GrowthWindows:
    """The windows for month-over-month, quarter-over-quarter and year-over-year growth."""
    last = last_complete_month(end)
    last_quarter_end = last - (last % 12 + 1) % 3
    return GrowthWindows(
        month=(_months(last, 1), _months(last - 1, 1)),
        quarter=(_months(last_quarter_end - 2, 3), _months(last_quarter_end - 5, 3)),
        year=(_months(last - 11, 12), _months(last - 23, 12)),
    )


def coverage_quarter(as_of: date) -> Period:
    """The quarter pipeline coverage looks at: the one containing ``as_of``, or the next
    one when ``as_of`` is the quarter's last day (nothing is left to sell in it)."""
    index = month_index(as_of)
    first = index - index % 3
    quarter = _months(first, 3)
    if quarter.end == as_of:
        return _months(first + 3, 3)
    return quarter


def parse_period(text: str) -> Period:
    """A period from a label: ``2026`` (year), ``2026-Q4`` (quarter), ``2026-11`` (month),
    or ``2026-10-01..2026-12-31`` (explicit days).

    Raises:
        AnalyticsRequestError: for anything else, naming the accepted forms.
    """
    value = text.strip().upper()
    try:
        if ".." in value:
            first, last = value.split("..", 1)
            return Period(date.fromisoformat(first.strip()), date.fromisoformat(last.strip()))
        if len(value) == 4 and value.isdigit():
            return Period(date(int(value), 1, 1), date(int(value), 12, 31))
        if len(value) == 7 and value[4:6] == "-Q" and value[6] in "1234":
            first_month = int(value[:4]) * 12 + (int(value[6]) - 1) * 3
            return Period(month_start(first_month), month_end(first_month + 2))
        if len(value) == 7 and value[4] == "-":
            index = int(value[:4]) * 12 + int(value[5:7]) - 1
            if 1 <= int(value[5:7]) <= 12:
                return Period(month_start(index), month_end(index))
    except ValueError:
        pass
    raise AnalyticsRequestError(
        f"period {text!r}: expected YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD"
    )
