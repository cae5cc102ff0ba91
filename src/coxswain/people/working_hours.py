"""Working hours: ``{"mon": [["09:00", "17:00"]], ...}`` in the person's own time zone."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WORKING_HOURS: dict[str, list[list[str]]] = {
    day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]
}


def validate_time_zone(name: str) -> str:
    """Return ``name`` when it is an IANA time zone; raise ValueError otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone such as Europe/Lisbon or America/New_York") from None
    return name


def validate_working_hours(value: Any) -> dict[str, list[list[str]]]:
    """Check and normalise a working-hours object; raise ValueError saying what is expected."""
    expected = 'an object like {"mon": [["09:00", "17:00"]], ...} with weekdays mon..sun'
    if not isinstance(value, dict):
        raise ValueError(expected)
    result: dict[str, list[list[str]]] = {}
    for day, spans in value.items():
        key = str(day).strip().lower()[:3]
        if key not in WEEKDAYS or not isinstance(spans, list):
            raise ValueError(expected)
        result[key] = [_span(span, expected) for span in spans]
    return result


def _span(span: Any, expected: str) -> list[str]:
    if not isinstance(span, list | tuple) or len(span) != 2:
        raise ValueError(expected)
    try:
        start, end = time.fromisoformat(str(span[0])), time.fromisoformat(str(span[1]))
    except ValueError:
        raise ValueError(expected) from None
    if start >= end:
        raise ValueError(f"working hours that end after they start (got {span[0]}-{span[1]})")
    return [start.strftime("%H:%M"), end.strftime("%H:%M")]
