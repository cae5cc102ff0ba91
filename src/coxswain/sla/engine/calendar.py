"""Business calendars: working hours in a time zone, minus public and company holidays.

All arithmetic happens on aware datetimes. Each local day's working spans are turned into UTC
intervals once (cached), so a span crossing a daylight-saving change keeps its real length.
``add`` and ``between`` are inverse: ``between(t, add(t, d)) == d`` for any ``d ≥ 0``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Spans = tuple[tuple[time, time], ...]
Interval = tuple[datetime, datetime]
# A calendar with working time finds the next open minute within this horizon.
SEARCH_DAYS = 800


def parse_spans(hours: Mapping[str, list[list[str]]] | None) -> dict[str, Spans]:
    """``{"mon": [["09:00", "17:00"]]}`` → weekday → ``((09:00, 17:00),)``; None → Mon-Fri 9-17."""
    if hours is None:
        return {day: ((time(9), time(17)),) for day in WEEKDAYS[:5]}
    result: dict[str, Spans] = {}
    for day, spans in hours.items():
        key = str(day).strip().lower()[:3]
        if key not in WEEKDAYS:
            raise ValueError(f"weekday mon..sun, got {day!r}")
        parsed = tuple(sorted(_span(span) for span in spans))
        result[key] = parsed
    return result


def _span(span: list[str]) -> tuple[time, time]:
    if len(span) != 2:
        raise ValueError(f'a span ["09:00", "17:00"], got {span!r}')
    start, end = time.fromisoformat(str(span[0])), time.fromisoformat(str(span[1]))
    if start >= end:
        raise ValueError(f"a span that ends after it starts, got {span[0]}-{span[1]}")
    return start, end


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def holiday_checker(country: str, subdivision: str | None) -> Callable[[date], bool]:
    """Membership test for public holidays of ``country`` (and ``subdivision``).

    The ``holidays`` package is imported here, not at module load: it takes half a second and
    most calendars (a rep's own hours) have no public holidays.
    """
    import holidays as holiday_data

    calendar = holiday_data.country_holidays(country.upper(), subdiv=subdivision)
    return lambda day: day in calendar


@dataclass(frozen=True, eq=False)
class BusinessCalendar:
    """Working ``spans`` per weekday in ``time_zone``; ``is_holiday`` days have none."""

    name: str
    time_zone: str
    spans: Mapping[str, Spans]
    is_holiday: Callable[[date], bool] = field(default=lambda _day: False)
    _cache: dict[date, tuple[Interval, ...]] = field(default_factory=dict, init=False, repr=False)
    # Prefix sums of business time (microseconds) per local day from ``_anchor`` on: a clock
    # running for months costs two lookups instead of a walk over every day.
    _anchor: list[int] = field(default_factory=list, init=False, repr=False)
    _prefix: list[int] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        ZoneInfo(self.time_zone)  # refuse unknown zones at construction

    @property
    def has_working_time(self) -> bool:
        return any(self.spans.get(day) for day in WEEKDAYS)

    def _intervals_on(self, day: date) -> tuple[Interval, ...]:
        if self.is_holiday(day):
            return ()
        zone = ZoneInfo(self.time_zone)
        spans = self.spans.get(WEEKDAYS[day.weekday()], ())
        return tuple(
            (
                datetime.combine(day, start, tzinfo=zone).astimezone(UTC),
                datetime.combine(day, end, tzinfo=zone).astimezone(UTC),
            )
            for start, end in spans
        )

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """Working intervals (UTC) of the local ``day``; empty on holidays and days off."""
        cached = self._cache.get(day)
        if cached is None:
            cached = self._cache[day] = self._intervals_on(day)
        return cached

    def local_day(self, at: datetime) -> date:
        return at.astimezone(ZoneInfo(self.time_zone)).date()

    def is_open(self, at: datetime) -> bool:
        return any(start <= at < end for start, end in self.intervals_on(self.local_day(at)))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when ``duration`` of business time has passed since ``start``.

        A zero duration returns ``start`` unchanged, even outside working hours.

        Raises:
            ValueError: the calendar has no working time within ~2 years of ``start``.
        """
        remaining = duration
        if remaining <= timedelta(0):
            return start
        day = self.local_day(start)
        for _ in range(SEARCH_DAYS):
            for opens, end in self.intervals_on(day):
                begin = max(opens, start)
                if begin >= end:
                    continue
                if end - begin >= remaining:
                    return begin + remaining
                remaining -= end - begin
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.name!r} has no working time after {start.isoformat()}")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from ``start`` to ``end``; zero when ``end`` is not after ``start``."""
        if end <= start:
            return timedelta(0)
        first, last = self.local_day(start), self.local_day(end)
        if (last - first).days <= 2:
            return sum((self._overlap(day, start, end) for day in _days(first, last)), timedelta(0))
        # The earlier day first: it may move the prefix sums' anchor back, which would shift
        # a value computed before it.
        low = self._business_before(first + timedelta(days=1))
        middle = self._business_before(last) - low
        return (
            self._overlap(first, start, end)
            + timedelta(microseconds=middle)
            + self._overlap(last, start, end)
        )

    def _overlap(self, day: date, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        for begin, finish in self.intervals_on(day):
            overlap = min(finish, end) - max(begin, start)
            if overlap > timedelta(0):
                total += overlap
        return total

    def _business_before(self, day: date) -> int:
        """Business time (µs) of the local days from the anchor up to ``day`` (exclusive)."""
        ordinal = day.toordinal()
        if not self._anchor or ordinal < self._anchor[0]:
            self._anchor[:] = [ordinal - 366]
            self._prefix[:] = [0]
        index = ordinal - self._anchor[0]
        while len(self._prefix) <= index:
            current = date.fromordinal(self._anchor[0] + len(self._prefix) - 1)
            worked = sum((end - begin for begin, end in self.intervals_on(current)), timedelta(0))
            self._prefix.append(self._prefix[-1] + worked // timedelta(microseconds=1))
        return self._prefix[index]
