"""The ``sla:`` section of a routing document: calendars, policies and escalation steps.

Example::

    sla:
      calendars:
        - name: Americas
          time_zone: America/New_York
          working_hours: {mon: [["09:00", "17:00"]], tue: ..., fri: [["09:00", "17:00"]]}
          holidays: {country: US, subdivision: NY}
          extra_holidays: ["2025-12-24"]
      policies:
        - name: Hot enterprise
          when: {size_segment: enterprise, score: {gte: 80}}
          calendar: Americas        # or "owner": the assigned rep's own hours and time zone
          accept_within: 1h
          first_touch_within: 2h
          escalations:
            - {milestone: accept, after: 0m, action: notify, notify: [owner, manager]}
            - {milestone: accept, after: 1h, action: reassign}
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Milestone = Literal["accept", "first_touch"]
Action = Literal["notify", "reassign", "return_to_queue"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HolidaySpec(_Strict):
    """Public holidays from the ``holidays`` package (ISO country, optional subdivision)."""

    country: str = Field(min_length=2, max_length=3)
    subdivision: str | None = None


class CalendarSpec(_Strict):
    name: str = Field(min_length=1, max_length=100)
    time_zone: str = "UTC"
    working_hours: dict[str, list[list[str]]] | None = None
    holidays: HolidaySpec | None = None
    extra_holidays: list[date] = Field(default_factory=list)


class EscalationSpec(_Strict):
    """One step: ``after`` (business time past the deadline) do ``action`` once."""

    milestone: Milestone
    after: str = "0m"
    action: Action
    notify: list[str] = Field(default_factory=lambda: ["owner", "manager"])
    queue: str | None = None


class PolicySpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    when: dict[str, Any] | None = None
    calendar: str = "owner"
    accept_within: str | None = None
    first_touch_within: str | None = None
    first_touch_from: Literal["mql", "assignment"] = "mql"
    escalations: list[EscalationSpec] = Field(default_factory=list)


class SlaSpec(_Strict):
    calendars: list[CalendarSpec] = Field(default_factory=list)
    policies: list[PolicySpec] = Field(default_factory=list)
