"""SLA clocks for one lead: when each milestone was due, and whether it was met.

Milestones:

- ``accept``: the clock starts when the current owner was assigned (the routing decision, or
  ``mql_at``/``received_at`` for leads assigned outside routing) and stops at ``accepted_at``.
- ``first_touch``: the clock starts at ``mql_at`` (or ``received_at``) — the buyer's view of
  response time — or at assignment when the policy says ``first_touch_from: assignment``, and
  stops at ``first_touch_at``.

States: ``met`` (on time), ``met_late``, ``breached`` (overdue, still open), ``due`` (open, not
overdue yet), ``stopped`` (the lead was closed — disqualified, converted, recycled — before the
milestone) and ``not_started`` (no clock start known, e.g. no owner yet for ``accept``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from coxswain.sla.engine.calendar import BusinessCalendar
from coxswain.sla.engine.policies import Policy

State = Literal["met", "met_late", "breached", "due", "stopped", "not_started"]
MILESTONES = ("accept", "first_touch")


@dataclass(frozen=True, slots=True)
class LeadClock:
    """The lifecycle facts an SLA needs (all aware datetimes or ``None``)."""

    mql_at: datetime | None
    assigned_at: datetime | None
    accepted_at: datetime | None
    first_touch_at: datetime | None
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MilestoneStatus:
    """One milestone at ``as_of``. ``elapsed`` is business time from start to completion
    (or to ``as_of`` while open); ``remaining`` is business time left while ``due``."""

    milestone: str
    state: State
    target: timedelta
    started_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    elapsed: timedelta | None = None
    remaining: timedelta | None = None

    @property
    def counts(self) -> bool:
        """Whether the milestone counts toward compliance (decided: on time, late or overdue)."""
        return self.state in ("met", "met_late", "breached")

    @property
    def on_time(self) -> bool:
        return self.state == "met"


def evaluate(
    policy: Policy, calendar: BusinessCalendar, clock: LeadClock, as_of: datetime
) -> tuple[MilestoneStatus, ...]:
    """Every milestone ``policy`` sets a target for, evaluated at ``as_of``."""
    results = []
    for milestone in MILESTONES:
        target = policy.target(milestone)
        if target is None:
            continue
        start, done = _start_and_done(policy, clock, milestone)
        results.append(_status(milestone, target, calendar, start, done, clock.closed_at, as_of))
    return tuple(results)


def _start_and_done(
    policy: Policy, clock: LeadClock, milestone: str
) -> tuple[datetime | None, datetime | None]:
    if milestone == "accept":
        return clock.assigned_at, clock.accepted_at
    start = clock.assigned_at if policy.first_touch_from == "assignment" else clock.mql_at
    return start, clock.first_touch_at


def _status(
    milestone: str,
    target: timedelta,
    calendar: BusinessCalendar,
    start: datetime | None,
    done: datetime | None,
    closed_at: datetime | None,
    as_of: datetime,
) -> MilestoneStatus:
    if start is None:
        return MilestoneStatus(milestone, "not_started", target)
    due = calendar.add(start, target)
    if done is not None and done <= as_of:
        state: State = "met" if done <= due else "met_late"
        elapsed = calendar.between(start, done)
        return MilestoneStatus(milestone, state, target, start, due, done, elapsed)
    if closed_at is not None and closed_at <= as_of and closed_at <= due:
        return MilestoneStatus(milestone, "stopped", target, start, due)
    elapsed = calendar.between(start, as_of)
    if as_of > due:
        return MilestoneStatus(milestone, "breached", target, start, due, None, elapsed)
    remaining = calendar.between(as_of, due)
    return MilestoneStatus(milestone, "due", target, start, due, None, elapsed, remaining)
