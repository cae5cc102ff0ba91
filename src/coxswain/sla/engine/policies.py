"""Compile the ``sla:`` section: calendars, ordered policies (first match wins), escalations.

A policy's ``calendar`` is a calendar name or ``owner`` (the assigned rep's working hours and
time zone, no public holidays). Leads no policy matches have no SLA. Without an ``sla:``
section the built-in :data:`DEFAULT_SLA` applies: accept within 8 and first touch within 24
business hours on the owner's calendar, a notification to owner and manager on breach.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from coxswain.routing.engine.conditions import (
    ALWAYS,
    Condition,
    ConditionError,
    compile_predicate,
    parse_when,
)
from coxswain.routing.engine.operators import Predicate
from coxswain.sla.engine.calendar import BusinessCalendar, holiday_checker, parse_spans
from coxswain.sla.engine.durations import parse_duration
from coxswain.sla.engine.spec import CalendarSpec, PolicySpec, SlaSpec

OWNER_CALENDAR = "owner"
NOTIFY_ROLES = frozenset({"owner", "manager"})


class SlaConfigError(ValueError):
    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Escalation:
    """Step ``step`` (1-based, in file order) of a policy: act once ``after`` the deadline."""

    step: int
    milestone: str
    after: timedelta
    action: str
    notify: tuple[str, ...]
    queue: str | None


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    condition: Condition
    predicate: Predicate
    calendar: str
    accept_within: timedelta | None
    first_touch_within: timedelta | None
    first_touch_from: str
    escalations: tuple[Escalation, ...]

    def target(self, milestone: str) -> timedelta | None:
        return self.accept_within if milestone == "accept" else self.first_touch_within


@dataclass(frozen=True, slots=True)
class CompiledSla:
    calendars: Mapping[str, BusinessCalendar]
    policies: tuple[Policy, ...]

    def policy_for(self, facts: Mapping[str, Any]) -> Policy | None:
        for policy in self.policies:
            if policy.predicate(facts):
                return policy
        return None

    def notify_emails(self) -> frozenset[str]:
        return frozenset(
            target
            for policy in self.policies
            for step in policy.escalations
            for target in step.notify
            if target not in NOTIFY_ROLES
        )


def compile_calendar(spec: CalendarSpec) -> BusinessCalendar:
    where = f"sla calendar {spec.name!r}"
    try:
        spans = parse_spans(spec.working_hours)
        calendar = BusinessCalendar(spec.name, spec.time_zone, spans, _holidays(spec))
    except KeyError:
        raise SlaConfigError(where, f"unknown time zone {spec.time_zone!r}") from None
    except NotImplementedError as exc:
        raise SlaConfigError(where, f"holidays: {exc}") from None
    except ValueError as exc:
        raise SlaConfigError(where, f"expected {exc}") from None
    if not calendar.has_working_time:
        raise SlaConfigError(where, "no working hours on any weekday")
    return calendar


def _holidays(spec: CalendarSpec) -> Any:
    extra = frozenset(spec.extra_holidays)
    public = (
        holiday_checker(spec.holidays.country, spec.holidays.subdivision) if spec.holidays else None
    )
    if public is None:
        return lambda day: day in extra
    return lambda day: day in extra or public(day)


def compile_sla(spec: SlaSpec, queues: frozenset[str]) -> CompiledSla:
    """Validate and compile; raises :class:`SlaConfigError` naming the calendar or policy."""
    calendars: dict[str, BusinessCalendar] = {}
    for calendar_spec in spec.calendars:
        if calendar_spec.name in calendars or calendar_spec.name == OWNER_CALENDAR:
            raise SlaConfigError(f"sla calendar {calendar_spec.name!r}", "the name is taken")
        calendars[calendar_spec.name] = compile_calendar(calendar_spec)
    policies = tuple(
        _policy(position, p, calendars, queues) for position, p in enumerate(spec.policies, 1)
    )
    names = [p.name for p in policies]
    for name in names:
        if names.count(name) > 1:
            raise SlaConfigError(f"sla policy {name!r}", "the name is used twice")
    return CompiledSla(calendars, policies)


def _policy(
    position: int, spec: PolicySpec, calendars: Mapping[str, BusinessCalendar], queues: Any
) -> Policy:
    where = f"sla policy {spec.name!r} (#{position})"
    if spec.calendar != OWNER_CALENDAR and spec.calendar not in calendars:
        raise SlaConfigError(where, f"calendar {spec.calendar!r} is not defined")
    if spec.accept_within is None and spec.first_touch_within is None:
        raise SlaConfigError(where, "give accept_within and/or first_touch_within")
    try:
        condition = parse_when(spec.when)
        accept = parse_duration(spec.accept_within) if spec.accept_within else None
        touch = parse_duration(spec.first_touch_within) if spec.first_touch_within else None
    except ConditionError as exc:
        raise SlaConfigError(where, str(exc)) from None
    except ValueError as exc:
        raise SlaConfigError(where, f"expected {exc}") from None
    steps = tuple(_escalation(where, i, step, queues) for i, step in enumerate(spec.escalations, 1))
    for step in steps:
        if (accept if step.milestone == "accept" else touch) is None:
            raise SlaConfigError(
                where,
                f"escalation {step.step} is on {step.milestone}, "
                f"which this policy has no target for",
            )
    return Policy(
        name=spec.name,
        condition=condition,
        predicate=compile_predicate(condition),
        calendar=spec.calendar,
        accept_within=accept,
        first_touch_within=touch,
        first_touch_from=spec.first_touch_from,
        escalations=steps,
    )


def _escalation(where: str, step: int, spec: Any, queues: Any) -> Escalation:
    try:
        after = parse_duration(spec.after)
    except ValueError as exc:
        raise SlaConfigError(f"{where} escalation {step}", f"after: expected {exc}") from None
    if spec.queue is not None and spec.queue not in queues:
        raise SlaConfigError(f"{where} escalation {step}", f"queue {spec.queue!r} is not defined")
    notify = tuple(t.strip().casefold() for t in spec.notify)
    for target in notify:
        if target not in NOTIFY_ROLES and "@" not in target:
            problem = f"notify {target!r}: expected owner, manager or an e-mail address"
            raise SlaConfigError(f"{where} escalation {step}", problem)
    return Escalation(step, spec.milestone, after, spec.action, notify, spec.queue)


DEFAULT_SLA = CompiledSla(
    calendars={},
    policies=(
        Policy(
            name="Default (built in)",
            condition=ALWAYS,
            predicate=compile_predicate(ALWAYS),
            calendar=OWNER_CALENDAR,
            accept_within=timedelta(hours=8),
            first_touch_within=timedelta(hours=24),
            first_touch_from="mql",
            escalations=(
                Escalation(1, "accept", timedelta(0), "notify", ("owner", "manager"), None),
                Escalation(2, "first_touch", timedelta(0), "notify", ("owner", "manager"), None),
            ),
        ),
    ),
)
