"""Activities (calls, e-mails, meetings, tasks): visible to those who see their owner; a writer
logs activities as themselves, on records they can see."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.activities.models import Activity
from coxswain.activities.schemas import ActivityFilters, ActivityRead, ActivityWrite
from coxswain.auth.listing import Page, PageParams, fetch_page
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.records import (
    check_owner_writable,
    create_record,
    delete_record,
    load_record,
    update_record,
)
from coxswain.auth.visibility import visibility_for
from coxswain.core.clock import Clock
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.leads.service import get_lead
from coxswain.opportunities.service import get_opportunity

SORTABLE = {"occurred_at": Activity.occurred_at, "id": Activity.id}


def list_activities(
    session: Session, actor: Principal, filters: ActivityFilters, params: PageParams
) -> Page[ActivityRead]:
    """Activities of owners ``actor`` may see, newest first."""
    actor.require(Permission.READ, "list activities")
    stmt = select(Activity).where(
        Activity.deleted_at.is_(None), visibility_for(session, actor).clause(Activity.owner_id)
    )
    for name in ("owner_id", "opportunity_id", "lead_id", "account_id"):
        if getattr(filters, name) is not None:
            stmt = stmt.where(getattr(Activity, name) == getattr(filters, name))
    if filters.type is not None:
        stmt = stmt.where(Activity.type == filters.type.value)
    if filters.occurred_from is not None:
        stmt = stmt.where(Activity.occurred_at >= filters.occurred_from)
    if filters.occurred_to is not None:
        stmt = stmt.where(Activity.occurred_at <= filters.occurred_to)
    page = fetch_page(
        session,
        stmt,
        params,
        sortable=SORTABLE,
        default_sort="-occurred_at",
        tie_breaker=Activity.id,
    )
    return Page(
        [ActivityRead.model_validate(r[0]) for r in page.items],
        page.limit,
        page.offset,
        page.has_more,
        page.total,
    )


def _visible(session: Session, actor: Principal, activity_id: uuid.UUID) -> Activity:
    activity = load_record(session, Activity, activity_id, "activity")
    if not visibility_for(session, actor).allows(activity.owner_id):
        raise NotFoundError(f"activity {activity_id} not found")
    return activity


def get_activity(session: Session, actor: Principal, activity_id: uuid.UUID) -> ActivityRead:
    actor.require(Permission.READ, "read activities")
    return ActivityRead.model_validate(_visible(session, actor, activity_id))


def _check_links(session: Session, actor: Principal, data: ActivityWrite) -> None:
    if data.opportunity_id is not None:
        get_opportunity(session, actor, data.opportunity_id)
    if data.lead_id is not None:
        get_lead(session, actor, data.lead_id)


def log_activity(
    session: Session, actor: Principal, data: ActivityWrite, *, clock: Clock | None = None
) -> ActivityRead:
    """Log an activity owned by the caller on records the caller can see."""
    if data.type is None or data.occurred_at is None:
        raise ValidationError("an activity needs a type and occurred_at")
    actor.require(Permission.WRITE_RECORDS, "log activities")
    _check_links(session, actor, data)
    values = data.model_dump()
    values["owner_id"] = actor.user_id
    values["duration_minutes"] = data.duration_minutes or 0
    values["completed"] = True if data.completed is None else data.completed
    activity = create_record(session, actor, Activity, "activity", values, clock=clock)
    return ActivityRead.model_validate(activity)


def update_activity(
    session: Session,
    actor: Principal,
    activity_id: uuid.UUID,
    data: ActivityWrite,
    *,
    clock: Clock | None = None,
) -> ActivityRead:
    actor.require(Permission.WRITE_RECORDS, "change activities")
    activity = _visible(session, actor, activity_id)
    check_owner_writable(session, actor, activity.owner_id, "activity")
    _check_links(session, actor, data)
    changes = {k: getattr(data, k) for k in data.model_fields_set}
    for required in ("type", "occurred_at", "duration_minutes", "completed"):
        if required in changes and changes[required] is None:
            raise ValidationError(f"{required} cannot be null")
    update_record(session, actor, activity, "activity", changes, clock=clock)
    return ActivityRead.model_validate(activity)


def delete_activity(
    session: Session, actor: Principal, activity_id: uuid.UUID, *, clock: Clock | None = None
) -> None:
    actor.require(Permission.WRITE_RECORDS, "delete activities")
    activity = _visible(session, actor, activity_id)
    delete_record(session, actor, activity, "activity", clock=clock)
