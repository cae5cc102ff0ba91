"""Closed vocabularies shared across domains. Stored as strings with a CHECK constraint."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SALES_OPS = "sales_ops"
    MANAGER = "manager"
    REP = "rep"
    FINANCE = "finance"


class Segment(StrEnum):
    SMB = "smb"
    MID_MARKET = "mid_market"
    ENTERPRISE = "enterprise"


class StageCategory(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ForecastCategory(StrEnum):
    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"
    OMITTED = "omitted"


class OpportunityType(StrEnum):
    NEW_BUSINESS = "new_business"
    RENEWAL = "renewal"
    UPSELL = "upsell"


class LeadStatus(StrEnum):
    NEW = "new"
    MQL = "mql"
    ACCEPTED = "accepted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"
    RECYCLED = "recycled"


class ActivityType(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    TASK = "task"


# Activity types that count as selling time (customer-facing work).
SELLING_ACTIVITY_TYPES = frozenset({ActivityType.CALL, ActivityType.EMAIL, ActivityType.MEETING})
