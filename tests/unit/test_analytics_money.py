"""The rate calendar: the application's dated-rate rule, one row per currency and day."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coxswain.analytics.engine.money import RateRow, rate_calendar


def lookup(rows: list[RateRow], currency: str, day: int, reporting: str) -> float | None:
    """The application's rule, written directly: latest direct rate ≤ day, else inverse."""
    direct = [
        r
        for r in rows
        if r.currency == currency
        and r.quote_currency == reporting
        and r.effective_day <= day
        and r.rate > 0
    ]
    if direct:
        return max(direct, key=lambda r: r.effective_day).rate
    inverse = [
        r
        for r in rows
        if r.currency == reporting
        and r.quote_currency == currency
        and r.effective_day <= day
        and r.rate > 0
    ]
    if inverse:
        return 1 / max(inverse, key=lambda r: r.effective_day).rate
    return None


def test_direct_inverse_and_extrapolated_days() -> None:
    rows = [
        RateRow("EUR", "USD", 10, 1.10),
        RateRow("EUR", "USD", 20, 1.20),
        RateRow("USD", "GBP", 5, 0.8),  # inverse: 1 GBP = 1.25 USD
    ]
    calendar = rate_calendar(rows, "USD")
    assert (calendar.first_day, calendar.last_day) == (5, 20)
    table = {(c, d): (f, e) for c, d, f, e in calendar.rows}
    assert table[("EUR", 5)] == (1.10, True)  # before EUR's first rate: earliest, flagged
    assert table[("EUR", 10)] == (1.10, False)
    assert table[("EUR", 19)] == (1.10, False)
    assert table[("EUR", 20)] == (1.20, False)
    assert table[("GBP", 20)] == (1.25, False)
    assert len(calendar.rows) == 2 * 16


def test_no_rates() -> None:
    calendar = rate_calendar([RateRow("EUR", "GBP", 1, 0.9)], "USD")  # a cross rate only
    assert calendar.rows == []
    assert calendar.first_day is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["EUR", "GBP"]),
            st.booleans(),
            st.integers(0, 60),
            st.floats(0.1, 5, allow_nan=False),
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 60),
)
def test_calendar_matches_the_direct_rule(
    spec: list[tuple[str, bool, int, float]], day: int
) -> None:
    unique = {(c, direct, d): r for c, direct, d, r in spec}  # as in the database
    rows = [
        RateRow(c, "USD", d, r) if direct else RateRow("USD", c, d, r)
        for (c, direct, d), r in unique.items()
    ]
    calendar = rate_calendar(rows, "USD")
    assert calendar.first_day is not None
    assert calendar.last_day is not None
    table = {(c, d): (f, e) for c, d, f, e in calendar.rows}
    clamped = min(max(day, calendar.first_day), calendar.last_day)
    for currency in calendar.currencies:
        factor, extrapolated = table[(currency, clamped)]
        expected = lookup(rows, currency, clamped, "USD")
        if expected is None:
            assert extrapolated
        else:
            assert factor == expected
            assert not extrapolated
