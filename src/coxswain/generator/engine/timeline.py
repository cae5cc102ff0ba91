"""Calendar arithmetic on day and minute numbers, seasonality, and working hours by time zone.

Units: a *day* is an ``int`` number of days since 1970-01-01 (a Thursday); a *minute* is an
``int`` number of minutes since 1970-01-01T00:00; *local* minutes are the same count on a rep's
wall clock. Months are counted since 1970-01.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.formatting import MINUTES_PER_DAY

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

WORK_START = 9 * 60
WORK_END = 17 * 60
# Relative volume of new business by calendar month (Jan..Dec): slow summer and December.
MONTH_SEASONALITY = np.array([0.95, 1.0, 1.1, 1.05, 1.05, 1.0, 0.85, 0.8, 1.05, 1.15, 1.1, 0.75])
WEEKDAY_WEIGHT = np.array([1.05, 1.1, 1.1, 1.05, 0.9, 0.15, 0.1])  # Monday..Sunday


def month_of(days: IntArray) -> IntArray:
    """Months since 1970-01 of each day."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start(months: IntArray) -> IntArray:
    """The first day of each month."""
    return np.asarray(months).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def quarter_end(days: IntArray) -> IntArray:
    """The last day of the calendar quarter containing each day."""
    months = month_of(days)
    return month_start(months - months % 3 + 3) - 1


def weekday(days: IntArray) -> IntArray:
    """Monday = 0 ... Sunday = 6 (day 0, 1970-01-01, was a Thursday)."""
    return (np.asarray(days) + 3) % 7


def day_weights(first_day: int, last_day: int, yearly_growth: float) -> FloatArray:
    """Relative volume of each day in ``[first_day, last_day]``: an exponential growth trend
    (``yearly_growth`` = 0.3 means +30 % a year) times month seasonality times weekday pattern.
    Normalised to sum to 1."""
    days = np.arange(first_day, last_day + 1)
    trend = np.exp(np.log1p(yearly_growth) * (days - last_day) / 365.25)
    month_of_year = month_of(days) % 12
    weights = trend * MONTH_SEASONALITY[month_of_year] * WEEKDAY_WEIGHT[weekday(days)]
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def sample_days(
    rng: np.random.Generator, n: int, first_day: int, last_day: int, yearly_growth: float = 0.35
) -> IntArray:
    """``n`` days drawn from :func:`day_weights` (inverse-CDF sampling)."""
    weights = day_weights(first_day, last_day, yearly_growth)
    cdf = np.cumsum(weights)
    picks = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.asarray(first_day + np.minimum(picks, len(weights) - 1), dtype=np.int64)


class OffsetTable:
    """UTC offsets (minutes, local = UTC + offset) per time zone and day, from the tz database.

    Offsets are read at local noon, so a day's offset is exact except in the small hours of a
    daylight-saving switch, which the generator tolerates.
    """

    def __init__(self, time_zones: tuple[str, ...], first_day: int, last_day: int) -> None:
        self.first_day = first_day
        self.last_day = last_day
        span = last_day - first_day + 1
        epoch = datetime(1970, 1, 1, 12)  # noqa: DTZ001 - a wall-clock time, localised below
        table = np.empty((len(time_zones), span), dtype=np.int64)
        for row, name in enumerate(time_zones):
            zone = ZoneInfo(name)
            for col in range(span):
                local_noon = (epoch + timedelta(days=first_day + col)).replace(tzinfo=zone)
                offset = local_noon.utcoffset()
                table[row, col] = 0 if offset is None else offset // timedelta(minutes=1)
        self.table = table

    def offset(self, zone: IntArray, minutes: IntArray) -> IntArray:
        """Offsets of the given zones at the given (UTC or local) minutes."""
        day = np.clip(np.asarray(minutes) // MINUTES_PER_DAY, self.first_day, self.last_day)
        return self.table[zone, day - self.first_day]

    def to_local(self, zone: IntArray, utc: IntArray) -> IntArray:
        return utc + self.offset(zone, utc)

    def to_utc(self, zone: IntArray, local: IntArray) -> IntArray:
        return local - self.offset(zone, local)


def into_working_hours(
    local: IntArray,
    rng: np.random.Generator,
    start: IntArray | int = WORK_START,
    end: IntArray | int = WORK_END,
    spread: int = 90,
) -> IntArray:
    """Move local times outside Monday-Friday ``start``..``end`` (minutes after midnight) to the
    start of the next working period plus a random 0..``spread`` minutes. Times already inside
    working hours are kept, so the result is never earlier than the input."""
    day, minute = np.divmod(np.asarray(local, dtype=np.int64), MINUTES_PER_DAY)
    outside = (minute < start) | (minute >= end) | (weekday(day) >= 5)
    target = day + (minute >= end)
    target_weekday = weekday(target)
    target += np.where(target_weekday == 5, 2, np.where(target_weekday == 6, 1, 0))
    moved = target * MINUTES_PER_DAY + start + rng.integers(0, spread + 1, len(day))
    return np.where(outside, moved, local)


def next_working_minute(
    offsets: OffsetTable,
    zone: IntArray,
    utc: IntArray,
    rng: np.random.Generator,
    start: IntArray | int = WORK_START,
    end: IntArray | int = WORK_END,
) -> IntArray:
    """For each UTC time, the first moment (UTC) at or after it inside the working hours of
    someone in time zone ``zone`` (an index into the offset table) working ``start``..``end``."""
    local = offsets.to_local(zone, utc)
    moved = into_working_hours(local, rng, start, end)
    return np.maximum(offsets.to_utc(zone, moved), utc)


def working_time_of_day(rng: np.random.Generator, n: int) -> IntArray:
    """Minutes after local midnight inside 09:00-17:00, peaking mid-morning and mid-afternoon."""
    hours = rng.choice(
        np.arange(9, 17), size=n, p=np.array([0.1, 0.16, 0.14, 0.08, 0.12, 0.16, 0.14, 0.1])
    )
    return hours * 60 + rng.integers(0, 60, n)


class WorkClock:
    """The working hours of one person per row: time zone index, start and end minute."""

    def __init__(
        self, offsets: OffsetTable, zone: IntArray, start: IntArray, end: IntArray
    ) -> None:
        self.offsets = offsets
        self.zone = zone
        self.start = start
        self.end = end

    def next_working(self, utc: IntArray, rng: np.random.Generator) -> IntArray:
        """The first working minute (UTC) at or after each row's ``utc``."""
        return next_working_minute(self.offsets, self.zone, utc, rng, self.start, self.end)

    def subset(self, rows: IntArray) -> WorkClock:
        """The clock of the given rows only."""
        return WorkClock(self.offsets, self.zone[rows], self.start[rows], self.end[rows])

    def local_to_utc(self, local: IntArray) -> IntArray:
        return self.offsets.to_utc(self.zone, local)
