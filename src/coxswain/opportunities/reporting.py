"""The pipeline board's filters and their WHERE clause.

The board respects the caller's visibility (``coxswain.auth.visibility``) exactly like lists
do. KPIs, the funnel and forecasts are the analytics and forecasting domains' (one definition).
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account
from coxswain.auth.principal import Principal
from coxswain.auth.visibility import visibility_for
from coxswain.core.enums import Segment
from coxswain.opportunities.models import Opportunity
from coxswain.people.service import team_member_ids


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class ReportFilters(BaseModel):
    """What a report covers: the period containing ``as_of`` and optional team/rep/segment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: PeriodKind = PeriodKind.QUARTER
    as_of: date | None = None
    team_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    segment: Segment | None = None


def scope_clause(session: Session, actor: Principal, filters: ReportFilters) -> ColumnElement[bool]:
    """Visibility AND the team / rep / segment filters, as one WHERE clause on opportunities."""
    from sqlalchemy import and_

    parts: list[ColumnElement[bool]] = [
        Opportunity.deleted_at.is_(None),
        visibility_for(session, actor).clause(Opportunity.owner_id),
    ]
    if filters.owner_id is not None:
        parts.append(Opportunity.owner_id == filters.owner_id)
    if filters.team_id is not None:
        parts.append(Opportunity.owner_id.in_(sorted(team_member_ids(session, filters.team_id))))
    if filters.segment is not None:
        accounts = select(Account.id).where(Account.segment == filters.segment.value)
        parts.append(Opportunity.account_id.in_(accounts))
    return and_(*parts)
