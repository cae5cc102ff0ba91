"""Periods, calendar labels and the windows growth and coverage use (pure date math)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coxswain.analytics.engine.periods import (
    Period,
    coverage_quarter,
    day_number,
    from_day_number,
    growth_windows,
    last_complete_month,
    month_index,
    month_label,
    parse_period,
    quarter_label,
    trailing_months,
    week_index,
    week_label,
)
from coxswain.analytics.errors import AnalyticsRequestError

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


def test_day_numbers_and_labels() -> None:
    assert day_number(date(1970, 1, 1)) == 0
    assert day_number(date(2026, 10, 31)) == 20_757
    assert month_label(month_index(date(2026, 10, 31))) == "2026-10"
    assert quarter_label(month_index(date(2026, 10, 31)) // 3) == "2026-Q4"
    assert week_label(week_index(day_number(date(2026, 10, 31)))) == "2026-W44"
    assert week_label(week_index(day_number(date(2021, 1, 3)))) == "2020-W53"


@given(days)
def test_day_number_round_trips(value: date) -> None:
    assert from_day_number(day_number(value)) == value


@given(days)
def test_week_index_is_the_iso_week(value: date) -> None:
    year, week, _ = value.isocalendar()
    assert week_label(week_index(day_number(value))) == f"{year:04d}-W{week:02d}"


def test_previous_period() -> None:
    months = Period(date(2025, 11, 1), date(2026, 10, 31))
    assert months.is_whole_months
    assert months.months == 12
    assert months.previous() == Period(date(2024, 11, 1), date(2025, 10, 31))
    odd = Period(date(2026, 1, 10), date(2026, 1, 19))
    assert odd.days == 10
    assert odd.previous() == Period(date(2025, 12, 31), date(2026, 1, 9))
    assert Period(date(2026, 2, 1), date(2026, 2, 28)).previous() == Period(
        date(2026, 1, 1), date(2026, 1, 31)
    )


@given(days, st.integers(min_value=0, max_value=800))
def test_previous_period_has_equal_length_and_ends_the_day_before(start: date, length: int) -> None:
    period = Period(start, start + timedelta(days=length))
    before = period.previous()
    assert before.end == period.start - timedelta(days=1)
    if period.is_whole_months:
        assert before.months == period.months
    else:
        assert before.days == period.days


def test_trailing_months_and_growth_windows() -> None:
    assert trailing_months(date(2026, 10, 31)) == Period(date(2025, 11, 1), date(2026, 10, 31))
    assert trailing_months(date(2026, 11, 22)) == Period(date(2025, 12, 1), date(2026, 11, 22))
    assert month_label(last_complete_month(date(2026, 11, 22))) == "2026-10"
    windows = growth_windows(date(2026, 11, 22))
    assert windows.month == (
        Period(date(2026, 10, 1), date(2026, 10, 31)),
        Period(date(2026, 9, 1), date(2026, 9, 30)),
    )
    assert windows.quarter == (
        Period(date(2026, 7, 1), date(2026, 9, 30)),
        Period(date(2026, 4, 1), date(2026, 6, 30)),
    )
    assert windows.year == (
        Period(date(2025, 11, 1), date(2026, 10, 31)),
        Period(date(2024, 11, 1), date(2025, 10, 31)),
    )


def test_coverage_quarter() -> None:
    assert coverage_quarter(date(2026, 5, 1)) == Period(date(2026, 4, 1), date(2026, 6, 30))
    assert coverage_quarter(date(2026, 6, 30)) == Period(date(2026, 7, 1), date(2026, 9, 30))
    assert coverage_quarter(date(2026, 12, 31)) == Period(date(2027, 1, 1), date(2027, 3, 31))


def test_parse_period() -> None:
    assert parse_period("2026") == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert parse_period("2026-q4") == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert parse_period("2026-02") == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period("2026-01-15..2026-02-14").days == 31
    for bad in ("2026-13", "Q4", "2026-Q5", "2026-03-01..2026-02-01", ""):
        with pytest.raises(AnalyticsRequestError):
            parse_period(bad)
