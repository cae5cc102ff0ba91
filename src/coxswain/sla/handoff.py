"""The lead lifecycle after routing, as named steps with their SLA timestamps.

MQL → accepted by sales → first touch → qualified / disqualified / recycled. Each step checks
the lead's current status, sets its timestamp, appends ``lead_status_changes`` and an audit
event. A first touch implies acceptance (a rep who calls the lead has taken it). Recycling
sends the lead back to marketing: its owner is cleared (with an ownership change).

Unlike a free status edit, these steps refuse moves that make no sense (accepting a
disqualified lead) so SLA clocks stay meaningful.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from coxswain.audit.models import OwnershipChange
from coxswain.audit.service import json_safe, record_change
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.visibility import visibility_for
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.leads.models import Lead, LeadStatusChange
from coxswain.leads.schemas import LeadRead
from coxswain.people.models import User
from coxswain.routing.errors import LeadNotRoutableError

ALLOWED_FROM = {
    "accepted": ("new", "mql"),
    "qualified": ("new", "mql", "accepted"),
    "disqualified": ("new", "mql", "accepted", "qualified", "recycled"),
    "recycled": ("new", "mql", "accepted", "qualified"),
}
TIMESTAMP = {
    "accepted": "accepted_at",
    "qualified": "qualified_at",
    "disqualified": "disqualified_at",
    "recycled": "recycled_at",
}


def _read(session: Session, lead: Lead) -> LeadRead:
    """The lead as the leads API shows it (read from the row, so a recycled lead the actor
    no longer sees is still returned to them once)."""
    owner = session.get(User, lead.owner_id) if lead.owner_id else None
    read = LeadRead.model_validate(lead)
    return read.model_copy(update={"owner_name": owner.full_name if owner else None})


def _lead_for_change(session: Session, actor: Principal, lead_id: uuid.UUID) -> Lead:
    lead = session.get(Lead, lead_id, populate_existing=True)
    visible = visibility_for(session, actor)
    if (
        lead is None
        or lead.deleted_at is not None
        or not (visible.allows(lead.owner_id) or visible.allows(lead.sdr_id))
    ):
        raise NotFoundError(f"lead {lead_id} not found")
    actor.require(Permission.WRITE_RECORDS, "change leads")
    return lead


def _move(
    session: Session, actor: Principal, lead: Lead, status: str, at: datetime
) -> dict[str, object]:
    """Move ``lead`` to ``status`` at ``at``; returns the ``before`` of the audit event."""
    if lead.status not in ALLOWED_FROM[status]:
        allowed = ", ".join(ALLOWED_FROM[status])
        raise LeadNotRoutableError(
            f"lead {lead.external_id or lead.id}: cannot move from {lead.status} to {status} "
            f"(allowed from: {allowed})"
        )
    column = TIMESTAMP[status]
    before = {"status": lead.status, column: json_safe(getattr(lead, column))}
    session.add(
        LeadStatusChange(
            lead_id=lead.id, from_status=lead.status, to_status=status, changed_at=at,
            changed_by_id=actor.user_id,
        )
    )  # fmt: skip
    lead.status = status
    setattr(lead, column, at)
    lead.updated_at = at
    return before


def _audit(
    session: Session, actor: Principal, lead: Lead, action: str, before: dict[str, object],
    at: datetime,
) -> None:  # fmt: skip
    after = {name: json_safe(getattr(lead, name)) for name in before}
    record_change(
        session, actor_id=actor.user_id, actor_label=actor.label, action=action,
        entity_type="lead", entity_id=lead.id, before=before, after=after, occurred_at=at,
    )  # fmt: skip


def accept_lead(
    session: Session, actor: Principal, lead_id: uuid.UUID, *, at: datetime
) -> LeadRead:
    """The owner takes the lead: status ``accepted``, ``accepted_at`` = ``at``."""
    lead = _lead_for_change(session, actor, lead_id)
    if lead.owner_id is None:
        raise ValidationError(f"lead {lead.external_id or lead.id}: has no owner to accept it")
    before = _move(session, actor, lead, "accepted", at)
    _audit(session, actor, lead, "accept", before, at)
    session.flush()
    return _read(session, lead)


def record_first_touch(
    session: Session, actor: Principal, lead_id: uuid.UUID, *, at: datetime
) -> LeadRead:
    """The first call, e-mail or meeting: ``first_touch_at`` (kept if already set); a lead not
    yet accepted is accepted at the same instant."""
    lead = _lead_for_change(session, actor, lead_id)
    before: dict[str, object] = {"first_touch_at": json_safe(lead.first_touch_at)}
    if lead.status in ALLOWED_FROM["accepted"] and lead.owner_id is not None:
        before.update(_move(session, actor, lead, "accepted", at))
    if lead.first_touch_at is None or at < lead.first_touch_at:
        lead.first_touch_at = at
        lead.updated_at = at
    _audit(session, actor, lead, "first_touch", before, at)
    session.flush()
    return _read(session, lead)


def qualify_lead(
    session: Session, actor: Principal, lead_id: uuid.UUID, *, at: datetime
) -> LeadRead:
    lead = _lead_for_change(session, actor, lead_id)
    before = _move(session, actor, lead, "qualified", at)
    _audit(session, actor, lead, "qualify", before, at)
    session.flush()
    return _read(session, lead)


def disqualify_lead(
    session: Session, actor: Principal, lead_id: uuid.UUID, *, reason: str, at: datetime
) -> LeadRead:
    """Close the lead as not a fit; ``reason`` is required (up to 200 characters)."""
    if not reason or not reason.strip():
        raise ValidationError("disqualifying a lead needs a reason")
    lead = _lead_for_change(session, actor, lead_id)
    before = _move(session, actor, lead, "disqualified", at)
    before["disqualified_reason"] = lead.disqualified_reason
    lead.disqualified_reason = reason.strip()[:200]
    _audit(session, actor, lead, "disqualify", before, at)
    session.flush()
    return _read(session, lead)


def recycle_lead(
    session: Session, actor: Principal, lead_id: uuid.UUID, *, at: datetime
) -> LeadRead:
    """Back to marketing nurture: status ``recycled`` and no owner."""
    lead = _lead_for_change(session, actor, lead_id)
    before = _move(session, actor, lead, "recycled", at)
    if lead.owner_id is not None:
        before["owner_id"] = json_safe(lead.owner_id)
        session.add(
            OwnershipChange(
                entity_type="lead", entity_id=lead.id, from_user_id=lead.owner_id,
                to_user_id=None, changed_at=at, changed_by_id=actor.user_id, reason="recycled",
            )
        )  # fmt: skip
        lead.owner_id = None
    _audit(session, actor, lead, "recycle", before, at)
    session.flush()
    return _read(session, lead)
