"""Lead use cases: list (the queue), get, create, update, change status, reassign, delete.

A lead is visible to those who see its owner or its SDR (see ``coxswain.auth.visibility``);
unassigned leads only to those who see everything (sales ops route them). Leads carry no version
column: their ETag is ``updated_at``, and a change sent with a stale ETag is refused.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from coxswain.audit.models import OwnershipChange
from coxswain.audit.service import apply_changes, json_safe, record_change, snapshot
from coxswain.auth.errors import StaleVersionError
from coxswain.auth.listing import Page, PageParams, fetch_page
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.visibility import visibility_for
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.enums import LeadStatus
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.leads.lifecycle import STATUS_TIMESTAMPS
from coxswain.leads.models import Lead, LeadStatusChange
from coxswain.leads.schemas import (
    LeadCreate,
    LeadFilters,
    LeadRead,
    LeadStatusChangeRead,
    LeadUpdate,
)
from coxswain.opportunities.changes import check_owner_allowed
from coxswain.people.models import User

ENTITY = "lead"
SNAPSHOT = ("first_name", "last_name", "email", "company", "source", "status", "owner_id")
SORTABLE = {
    "received_at": Lead.received_at,
    "score": Lead.score,
    "company": Lead.company,
    "status": Lead.status,
    "id": Lead.id,
}


def etag_of(updated_at: datetime) -> str:
    """The lead's concurrency token: its last change instant in microseconds."""
    return str(int(updated_at.timestamp() * 1_000_000))


def _base(session: Session, actor: Principal) -> Any:
    visible = visibility_for(session, actor).clause(Lead.owner_id, Lead.sdr_id)
    return (
        select(Lead, User.full_name)
        .outerjoin(User, User.id == Lead.owner_id)
        .where(Lead.deleted_at.is_(None), visible)
    )


def _read(row: Any) -> LeadRead:
    lead, owner_name = row
    return LeadRead.model_validate(lead).model_copy(update={"owner_name": owner_name})


def list_leads(
    session: Session, actor: Principal, filters: LeadFilters, params: PageParams
) -> Page[LeadRead]:
    """The leads ``actor`` may see; default order newest received first."""
    actor.require(Permission.READ, "list leads")
    stmt = _base(session, actor)
    if filters.q:
        q = filters.q.lower()
        stmt = stmt.where(
            or_(
                *(
                    func.lower(c).contains(q, autoescape=True)
                    for c in (Lead.first_name, Lead.last_name, Lead.email, Lead.company)
                )
            )
        )
    for name in ("status", "owner_id", "source"):
        value = getattr(filters, name)
        if value is not None:
            stmt = stmt.where(
                getattr(Lead, name) == json_safe(value)
                if name == "status"
                else getattr(Lead, name) == value
            )
    if filters.unworked is not None:
        stmt = stmt.where(
            Lead.first_touch_at.is_(None) if filters.unworked else Lead.first_touch_at.is_not(None)
        )
    if filters.received_from is not None:
        stmt = stmt.where(Lead.received_at >= filters.received_from)
    if filters.received_to is not None:
        stmt = stmt.where(Lead.received_at <= filters.received_to)
    page = fetch_page(
        session, stmt, params, sortable=SORTABLE, default_sort="-received_at", tie_breaker=Lead.id
    )
    return Page([_read(r) for r in page.items], page.limit, page.offset, page.has_more, page.total)


def get_lead(session: Session, actor: Principal, lead_id: uuid.UUID) -> LeadRead:
    actor.require(Permission.READ, "read leads")
    row = session.execute(_base(session, actor).where(Lead.id == lead_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"lead {lead_id} not found")
    return _read(row)


def _for_change(
    session: Session,
    actor: Principal,
    lead_id: uuid.UUID,
    etag: str | None,
    permission: Permission = Permission.WRITE_RECORDS,
) -> Lead:
    lead = session.get(Lead, lead_id, populate_existing=True)
    if (
        lead is None
        or lead.deleted_at is not None
        or not (
            visibility_for(session, actor).allows(lead.owner_id)
            or visibility_for(session, actor).allows(lead.sdr_id)
        )
    ):
        raise NotFoundError(f"lead {lead_id} not found")
    actor.require(
        permission,
        "change leads" if permission is Permission.WRITE_RECORDS else "reassign or delete leads",
    )
    current = etag_of(lead.updated_at)
    if etag is not None and etag.removeprefix("W/").strip('"') != current:
        raise StaleVersionError(ENTITY, lead_id, current=current, sent=etag)
    return lead


def _audit(
    session: Session,
    actor: Principal,
    action: str,
    lead: Lead,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> None:
    record_change(
        session,
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type=ENTITY,
        entity_id=lead.id,
        before=before,
        after=after,
        occurred_at=now,
    )


def create_lead(
    session: Session, actor: Principal, data: LeadCreate, *, clock: Clock | None = None
) -> LeadRead:
    """Create a lead received now. A rep's lead is theirs; others may leave it unassigned."""
    actor.require(Permission.WRITE_RECORDS, "create leads")
    now = (clock or SystemClock()).now()
    owner_id = data.owner_id
    if actor.role == "rep" and owner_id is None:
        owner_id = actor.user_id
    if owner_id is not None and owner_id != actor.user_id:
        check_owner_allowed(session, actor, owner_id)
    values = data.model_dump(exclude={"owner_id"})
    values["size_segment"] = json_safe(data.size_segment)
    lead = Lead(**values, owner_id=owner_id, status=LeadStatus.NEW.value, received_at=now)
    session.add(lead)
    session.flush()
    session.add(
        LeadStatusChange(
            lead_id=lead.id,
            from_status=None,
            to_status=lead.status,
            changed_at=now,
            changed_by_id=actor.user_id,
        )
    )
    _audit(session, actor, "create", lead, None, snapshot(lead, SNAPSHOT), now)
    session.flush()
    return get_lead(session, actor, lead.id)


def _apply_status(
    session: Session,
    actor: Principal,
    lead: Lead,
    status: LeadStatus,
    reason: str | None,
    now: datetime,
) -> None:
    if status.value == lead.status:
        return
    if status is LeadStatus.DISQUALIFIED and not (reason or lead.disqualified_reason):
        raise ValidationError("disqualifying a lead needs a reason")
    session.add(
        LeadStatusChange(
            lead_id=lead.id,
            from_status=lead.status,
            to_status=status.value,
            changed_at=now,
            changed_by_id=actor.user_id,
        )
    )
    lead.status = status.value
    column = STATUS_TIMESTAMPS[status.value]
    if getattr(lead, column) is None or status in (LeadStatus.RECYCLED, LeadStatus.DISQUALIFIED):
        setattr(lead, column, now)
    if status is LeadStatus.DISQUALIFIED:
        lead.disqualified_reason = reason or lead.disqualified_reason
    if lead.first_touch_at is None and status is not LeadStatus.MQL:
        lead.first_touch_at = now


def _apply_owner(
    session: Session,
    actor: Principal,
    lead: Lead,
    owner_id: uuid.UUID,
    reason: str | None,
    now: datetime,
) -> None:
    actor.require(Permission.REASSIGN, "reassign leads")
    check_owner_allowed(session, actor, owner_id)
    session.add(
        OwnershipChange(
            entity_type=ENTITY,
            entity_id=lead.id,
            from_user_id=lead.owner_id,
            to_user_id=owner_id,
            changed_at=now,
            changed_by_id=actor.user_id,
            reason=reason,
        )
    )
    lead.owner_id = owner_id


def update_lead(
    session: Session,
    actor: Principal,
    lead_id: uuid.UUID,
    data: LeadUpdate,
    *,
    etag: str | None = None,
    clock: Clock | None = None,
) -> LeadRead:
    """Change a lead; a new status writes ``lead_status_changes``, a new owner
    ``ownership_changes``; one audit event lists every changed field."""
    now = (clock or SystemClock()).now()
    lead = _for_change(session, actor, lead_id, etag)
    special = {"status", "owner_id", "disqualified_reason"}
    changes = {k: getattr(data, k) for k in data.model_fields_set - special}
    watched = ("status", "owner_id", "disqualified_reason", "first_touch_at")
    before_special = snapshot(lead, watched)
    before, after = apply_changes(lead, changes)
    if data.status is not None:
        _apply_status(session, actor, lead, data.status, data.disqualified_reason, now)
    if data.owner_id is not None and data.owner_id != lead.owner_id:
        _apply_owner(session, actor, lead, data.owner_id, None, now)
    after_special = snapshot(lead, watched)
    for key in watched:
        if before_special[key] != after_special[key]:
            before[key], after[key] = before_special[key], after_special[key]
    if before or after:
        lead.updated_at = now
        _audit(session, actor, "update", lead, before, after, now)
    session.flush()
    return get_lead(session, actor, lead_id)


def delete_lead(
    session: Session, actor: Principal, lead_id: uuid.UUID, *, clock: Clock | None = None
) -> None:
    now = (clock or SystemClock()).now()
    lead = _for_change(session, actor, lead_id, None, Permission.DELETE_RECORDS)
    lead.deleted_at = now
    _audit(session, actor, "delete", lead, snapshot(lead, SNAPSHOT), None, now)
    session.flush()


def status_history(
    session: Session, actor: Principal, lead_id: uuid.UUID
) -> list[LeadStatusChangeRead]:
    get_lead(session, actor, lead_id)
    rows = session.scalars(
        select(LeadStatusChange)
        .where(LeadStatusChange.lead_id == lead_id)
        .order_by(LeadStatusChange.changed_at, LeadStatusChange.id)
    )
    return [LeadStatusChangeRead.model_validate(r) for r in rows]
