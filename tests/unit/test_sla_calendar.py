"""Business calendars: hand-computed deadlines over nights, weekends, holidays and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coxswain.sla.engine.calendar import BusinessCalendar, holiday_checker, parse_spans
from coxswain.sla.engine.durations import format_duration, parse_duration

NEW_YORK = BusinessCalendar("NY", "America/New_York", parse_spans(None))
US_HOLIDAYS = BusinessCalendar(
    "NY+holidays", "America/New_York", parse_spans(None), holiday_checker("US", "NY")
)
SPLIT = BusinessCalendar(
    "split", "Europe/Berlin", parse_spans({"mon": [["09:00", "12:00"], ["13:00", "17:00"]]})
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("calendar", "start", "hours", "due"),
    [
        # Tue 10:00 New York (15:00 UTC) + 4h → Tue 14:00 NY.
        (NEW_YORK, utc(2025, 3, 4, 15), 4, utc(2025, 3, 4, 19)),
        # Fri 16:00 NY + 2h → 1h Friday, 1h Monday: Mon 10:00 NY (EST, 15:00 UTC).
        (NEW_YORK, utc(2025, 2, 28, 21), 2, utc(2025, 3, 3, 15)),
        # Saturday arrival waits for Monday 09:00: + 1h → Mon 10:00.
        (NEW_YORK, utc(2025, 3, 1, 12), 1, utc(2025, 3, 3, 15)),
        # DST: Fri 7 March 16:00 EST + 2h → Mon 10 March 10:00 EDT = 14:00 UTC.
        (NEW_YORK, utc(2025, 3, 7, 21), 2, utc(2025, 3, 10, 14)),
        # Thu 3 July 16:00 EDT + 2h: Fri 4 July is a holiday → Mon 7 July 10:00 EDT.
        (US_HOLIDAYS, utc(2025, 7, 3, 20), 2, utc(2025, 7, 7, 14)),
        # Lunch break: Mon 11:00 Berlin (CET, 10:00 UTC) + 2h → 11-12 and 13-14 → 14:00 CET.
        (SPLIT, utc(2025, 3, 3, 10), 2, utc(2025, 3, 3, 13)),
    ],
)
def test_add_business_hours(
    calendar: BusinessCalendar, start: datetime, hours: int, due: datetime
) -> None:
    assert calendar.add(start, timedelta(hours=hours)) == due
    assert calendar.between(start, due) == timedelta(hours=hours)


def test_between_counts_only_working_time() -> None:
    # Fri 12:00 NY → Mon 12:00 NY: 5h Friday + 3h Monday.
    assert NEW_YORK.between(utc(2025, 2, 28, 17), utc(2025, 3, 3, 17)) == timedelta(hours=8)
    assert NEW_YORK.between(utc(2025, 3, 3, 17), utc(2025, 3, 3, 12)) == timedelta(0)
    assert NEW_YORK.is_open(utc(2025, 3, 3, 17))
    assert not NEW_YORK.is_open(utc(2025, 3, 1, 17))


def test_zero_duration_is_the_start_itself() -> None:
    saturday = utc(2025, 3, 1, 12)
    assert NEW_YORK.add(saturday, timedelta(0)) == saturday


def test_holidays_come_from_the_holidays_package() -> None:
    assert US_HOLIDAYS.intervals_on(date(2025, 7, 4)) == ()
    assert US_HOLIDAYS.intervals_on(date(2025, 12, 25)) == ()
    assert len(US_HOLIDAYS.intervals_on(date(2025, 7, 3))) == 1


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
    minutes=st.integers(0, 60 * 60),
    calendar=st.sampled_from([NEW_YORK, US_HOLIDAYS, SPLIT]),
)
def test_add_and_between_are_inverse_and_monotone(
    start: datetime, minutes: int, calendar: BusinessCalendar
) -> None:
    duration = timedelta(minutes=minutes)
    due = calendar.add(start, duration)
    assert due >= start
    assert calendar.between(start, due) == duration
    assert calendar.add(start, duration + timedelta(minutes=1)) > due


@pytest.mark.parametrize(
    ("text", "minutes"), [("90m", 90), ("1h", 60), ("1.5h", 90), ("1h30m", 90), ("0m", 0)]
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)
    assert parse_duration(format_duration(timedelta(minutes=minutes))) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["1d", "soon", "", "h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="a duration such as 30m, 4h or 1h30m"):
        parse_duration(text)


@settings(max_examples=100, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC)
    ),
    days=st.floats(0, 400),
    calendar=st.sampled_from([NEW_YORK, US_HOLIDAYS, SPLIT]),
)
def test_long_spans_equal_the_day_by_day_sum(
    start: datetime, days: float, calendar: BusinessCalendar
) -> None:
    """The prefix-sum shortcut for long clocks agrees with walking every day."""
    end = start + timedelta(days=days)
    walked = sum(
        (
            calendar._overlap(start.date() + timedelta(days=n), start, end)
            for n in range(-1, int(days) + 3)
        ),
        timedelta(0),
    )
    assert calendar.between(start, end) == walked


def test_an_earlier_long_span_after_a_later_one() -> None:
    """Regression: a clock starting before the cached prefix sums' anchor but ending after it
    came out negative (the anchor moved between the two lookups of one ``between``)."""
    calendar = BusinessCalendar("fresh", "America/New_York", parse_spans(None))
    late = utc(2026, 6, 1, 15)  # Mon 11:00 New York (EDT)
    # to Thu 11 June 11:00: Mon 6h + Tue-Fri 32h + Mon-Wed 24h + Thu 2h
    assert calendar.between(late, late + timedelta(days=10)) == timedelta(hours=6 + 32 + 24 + 2)
    # The prefix sums now start a year before 1 June 2026; this span starts before that.
    start, end = utc(2025, 5, 20, 15), utc(2025, 6, 10, 15)  # Tue 11:00 to Tue 11:00 EDT
    # three full weeks of 5 × 8 hours
    assert calendar.between(start, end) == timedelta(hours=3 * 40)
