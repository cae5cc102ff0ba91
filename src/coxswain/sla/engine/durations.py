"""Business durations as people write them: ``90m``, ``1h``, ``1.5h``, ``1h30m``, ``0m``."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+)\s*m)?\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """Parse hours and minutes of *business* time.

    Days are refused on purpose: a "business day" means different hours on different
    calendars, so policies say ``8h`` rather than ``1d``.

    Raises:
        ValueError: with the expected form when ``text`` does not parse.
    """
    match = _DURATION.match(text or "")
    if not match or not (match.group(1) or match.group(2)):
        raise ValueError(f"a duration such as 30m, 4h or 1h30m (got {text!r})")
    hours = float(match.group(1) or 0)
    minutes = int(match.group(2) or 0)
    return timedelta(hours=hours, minutes=minutes)


def format_duration(value: timedelta) -> str:
    """``timedelta(minutes=90)`` → ``1h30m``; negative durations keep a leading minus."""
    total = round(value.total_seconds() / 60)
    sign = "-" if total < 0 else ""
    hours, minutes = divmod(abs(total), 60)
    if hours and minutes:
        return f"{sign}{hours}h{minutes:02d}m"
    return f"{sign}{hours}h" if hours else f"{sign}{minutes}m"
