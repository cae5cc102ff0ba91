"""What the router needs to know about reps: profiles, loads and pool rotations.

The service builds a :class:`RoutingState` from the database; batch and simulation runs keep
one in memory and let :func:`coxswain.routing.engine.router.apply` advance it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Spans = tuple[tuple[time, time], ...]
DEFAULT_HOURS: Mapping[str, Spans] = {day: ((time(9), time(17)),) for day in WEEKDAYS[:5]}


@dataclass(frozen=True, slots=True)
class Absence:
    """A planned absence, ``starts_at`` inclusive to ``ends_at`` exclusive (aware datetimes)."""

    starts_at: datetime
    ends_at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RepProfile:
    """A rep as routing sees them. ``email`` is case-folded and is the rep's key.

    ``working_hours`` maps ``mon``..``sun`` to spans in ``time_zone``; ``None`` means the
    default Monday-Friday 09:00-17:00. Capacities are assignments per local day / ISO week.
    """

    email: str
    name: str = ""
    user_id: str | None = None
    is_active: bool = True
    out_of_office: bool = False
    time_zone: str = "UTC"
    working_hours: Mapping[str, Spans] | None = None
    segment: str | None = None
    team: str | None = None
    manager: str | None = None
    capacity_per_day: int | None = None
    capacity_per_week: int | None = None
    absences: tuple[Absence, ...] = ()


@dataclass(slots=True)
class RepLoad:
    """Open leads now, and routing assignments per local day and ISO week."""

    open_leads: int = 0
    by_day: dict[date, int] = field(default_factory=dict)
    by_week: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass(slots=True)
class Rotation:
    """A pool's position: ``sequence`` counts its assignments; ``last`` is each rep's latest.

    ``credit`` is the smooth weighted round-robin running credit per rep.
    """

    sequence: int = 0
    last: dict[str, int] = field(default_factory=dict)
    credit: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class RoutingState:
    reps: dict[str, RepProfile] = field(default_factory=dict)
    loads: dict[str, RepLoad] = field(default_factory=dict)
    rotations: dict[str, Rotation] = field(default_factory=dict)

    def load(self, rep: str) -> RepLoad:
        load = self.loads.get(rep)
        if load is None:
            load = self.loads[rep] = RepLoad()
        return load

    def rotation(self, pool: str) -> Rotation:
        rotation = self.rotations.get(pool)
        if rotation is None:
            rotation = self.rotations[pool] = Rotation()
        return rotation


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(profile: RepProfile, as_of: datetime) -> datetime:
    return as_of.astimezone(zone(profile.time_zone))


def period_keys(profile: RepProfile, as_of: datetime) -> tuple[date, tuple[int, int]]:
    """The rep's local day and ISO ``(year, week)`` at ``as_of`` (caps count per these)."""
    day = local_time(profile, as_of).date()
    iso = day.isocalendar()
    return day, (iso.year, iso.week)


def unavailable_reason(profile: RepProfile, as_of: datetime, *, hours_only: bool) -> str | None:
    """Why ``profile`` cannot take a lead at ``as_of``, or ``None`` when they can.

    Checks, in order: active, out of office, a planned absence covering ``as_of`` and, when
    ``hours_only``, the rep's working hours in their own time zone.
    """
    if not profile.is_active:
        return "inactive"
    if profile.out_of_office:
        return "out of office"
    for absence in profile.absences:
        if absence.starts_at <= as_of < absence.ends_at:
            why = f" ({absence.reason})" if absence.reason else ""
            return f"absent until {absence.ends_at.isoformat()}{why}"
    if hours_only:
        local = local_time(profile, as_of)
        hours = profile.working_hours if profile.working_hours is not None else DEFAULT_HOURS
        now = local.time()
        spans = hours.get(WEEKDAYS[local.weekday()], ())
        if not any(start <= now < end for start, end in spans):
            stamp = local.strftime("%a %H:%M")
            return f"outside working hours ({stamp} {profile.time_zone})"
    return None
