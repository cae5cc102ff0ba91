"""Closed vocabularies of routing, stored as strings with a CHECK constraint."""

from __future__ import annotations

from enum import StrEnum


class DecisionOutcome(StrEnum):
    ASSIGNED = "assigned"
    QUEUED = "queued"


class DecisionTrigger(StrEnum):
    """What asked for the decision: a lead arriving (``route``), a file (``batch``), an SLA
    escalation (``reassign`` / ``return_to_queue``)."""

    ROUTE = "route"
    BATCH = "batch"
    REASSIGN = "reassign"
    RETURN_TO_QUEUE = "return_to_queue"


class DuplicateAction(StrEnum):
    LINKED = "linked"
    MERGED = "merged"


class RunKind(StrEnum):
    BATCH = "batch"
    PENDING = "pending"
