"""The lead lifecycle as data: the order of statuses and which timestamp marks each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coxswain.core.enums import LeadStatus

# Status -> the lead column that records when it was reached.
STATUS_TIMESTAMPS: dict[str, str] = {
    LeadStatus.NEW.value: "received_at",
    LeadStatus.MQL.value: "mql_at",
    LeadStatus.ACCEPTED.value: "accepted_at",
    LeadStatus.QUALIFIED.value: "qualified_at",
    LeadStatus.CONVERTED.value: "converted_at",
    LeadStatus.DISQUALIFIED.value: "disqualified_at",
    LeadStatus.RECYCLED.value: "recycled_at",
}
FORWARD = ("new", "mql", "accepted", "qualified", "converted")
TIMESTAMP_ORDER = (
    "received_at",
    "mql_at",
    "accepted_at",
    "first_touch_at",
    "qualified_at",
    "converted_at",
)


def status_path(values: dict[str, Any]) -> list[tuple[str, datetime]]:
    """Statuses the lead went through, in time order, from its lifecycle timestamps.

    Equal timestamps keep lifecycle order (new before mql ...). ``first_touch_at`` is a
    timestamp, not a status.
    """
    rank = {status: index for index, status in enumerate(STATUS_TIMESTAMPS)}
    steps = [
        (values[column], rank[status], status)
        for status, column in STATUS_TIMESTAMPS.items()
        if values.get(column) is not None
    ]
    steps.sort()
    return [(status, when) for when, _, status in steps]


def derived_status(values: dict[str, Any]) -> str:
    """The current status when a file gives timestamps but no status: the latest step."""
    path = status_path(values)
    return path[-1][0] if path else LeadStatus.NEW.value


def out_of_order(values: dict[str, Any]) -> tuple[str, str] | None:
    """The first pair of forward timestamps that run backwards (``(earlier_col, later_col)``)."""
    previous: tuple[str, datetime] | None = None
    for column in TIMESTAMP_ORDER:
        when = values.get(column)
        if when is None:
            continue
        if previous is not None and when < previous[1]:
            return previous[0], column
        previous = (column, when)
    return None
