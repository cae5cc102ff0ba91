"""SLA queries: the lifecycle facts of many leads in a few statements. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.activities.models import Activity
from coxswain.audit.models import OwnershipChange
from coxswain.core.enums import SELLING_ACTIVITY_TYPES
from coxswain.leads.models import Lead
from coxswain.people.models import Team, User
from coxswain.routing.models import RoutingDecision

CHUNK = 2000


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """A lead with what its SLA clocks need. ``assigned_at`` is when the current owner got it."""

    lead: Lead
    owner_email: str | None
    team: str | None
    assigned_at: datetime | None
    first_activity_at: datetime | None
    decision: RoutingDecision | None


def leads_in_window(
    session: Session,
    *,
    since: datetime | None,
    until: datetime | None,
    statuses: Sequence[str] | None = None,
    lead_ids: Sequence[uuid.UUID] | None = None,
) -> list[Lead]:
    """Live leads whose MQL (else receipt) instant falls in ``[since, until)``."""
    started = func.coalesce(Lead.mql_at, Lead.received_at)
    query = select(Lead).where(Lead.deleted_at.is_(None)).order_by(started, Lead.id)
    if since is not None:
        query = query.where(started >= since)
    if until is not None:
        query = query.where(started < until)
    if statuses is not None:
        query = query.where(Lead.status.in_(statuses))
    if lead_ids is not None:
        query = query.where(Lead.id.in_(lead_ids))
    return list(session.scalars(query))


def facts_for(session: Session, leads: Sequence[Lead]) -> list[LeadFacts]:
    """Owner, team, current decision, assignment instant and first selling activity per lead."""
    owners = _owners(session)
    ids = [lead.id for lead in leads]
    decisions = _current_decisions(session, ids)
    handovers = _last_handover(session, ids)
    activities = _first_activities(session, ids)
    result = []
    for lead in leads:
        owner = owners.get(lead.owner_id) if lead.owner_id else None
        decision = decisions.get(lead.id)
        assigned_at = _assigned_at(lead, decision, handovers.get(lead.id))
        result.append(
            LeadFacts(
                lead, owner[0] if owner else None, owner[1] if owner else None,
                assigned_at, activities.get(lead.id), decision,
            )
        )  # fmt: skip
    return result


def _assigned_at(
    lead: Lead, decision: RoutingDecision | None, handover: tuple[Any, datetime] | None
) -> datetime | None:
    """When the current owner got the lead: routing, else the last ownership change to them,
    else the lead's MQL/receipt instant (leads imported with an owner)."""
    if lead.owner_id is None:
        return None
    candidates = []
    if decision is not None and decision.owner_id == lead.owner_id:
        candidates.append(decision.decided_at)
    if handover is not None and handover[0] == lead.owner_id:
        candidates.append(handover[1])
    if candidates:
        return max(candidates)
    return lead.mql_at or lead.received_at


def _owners(session: Session) -> dict[uuid.UUID, tuple[str, str | None]]:
    rows = session.execute(
        select(User.id, User.email, Team.name).outerjoin(Team, Team.id == User.team_id)
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def _chunks(ids: Sequence[uuid.UUID]) -> list[Sequence[uuid.UUID]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _current_decisions(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RoutingDecision]:
    found: dict[uuid.UUID, RoutingDecision] = {}
    for chunk in _chunks(ids):
        rows = session.scalars(
            select(RoutingDecision).where(
                RoutingDecision.lead_id.in_(chunk), RoutingDecision.is_current.is_(True)
            )
        )
        for row in rows:
            if row.lead_id is not None:
                found[row.lead_id] = row
    return found


def _last_handover(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Any, datetime]]:
    found: dict[uuid.UUID, tuple[Any, datetime]] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(
                OwnershipChange.entity_id, OwnershipChange.to_user_id, OwnershipChange.changed_at
            )
            .where(OwnershipChange.entity_type == "lead", OwnershipChange.entity_id.in_(chunk))
            .order_by(OwnershipChange.changed_at)
        )
        for entity_id, to_user, changed_at in rows:
            found[entity_id] = (to_user, changed_at)
    return found


def _first_activities(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    found: dict[uuid.UUID, datetime] = {}
    selling = [kind.value for kind in SELLING_ACTIVITY_TYPES]
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Activity.lead_id, func.min(Activity.occurred_at))
            .where(Activity.lead_id.in_(chunk), Activity.type.in_(selling))
            .group_by(Activity.lead_id)
        )
        for lead_id, first in rows:
            if lead_id is not None and first is not None:
                found[lead_id] = first
    return found
