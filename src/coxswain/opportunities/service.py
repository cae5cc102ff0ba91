"""Opportunity use cases: list, get, create, update, move stage, close, reassign, delete.

Every read goes through the caller's visibility (a record the caller may not see is "not
found"); every change checks the role, refuses a stale ``version``, writes an audit event
(actor, before/after) and the history row it implies (``opportunity_stage_changes`` for a stage
move, ``ownership_changes`` for a new owner). ``version`` increases on every change (the ORM's
``version_id_col``), so two writers who read the same version cannot both win. Services never
commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from coxswain.audit.models import OwnershipChange
from coxswain.audit.service import apply_changes, json_safe, snapshot
from coxswain.auth.listing import Page, PageParams
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.visibility import visibility_for
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.enums import StageCategory
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.currencies.service import ensure_currency
from coxswain.opportunities.changes import (
    ENTITY,
    apply_owner,
    apply_stage,
    audit,
    check_owner_allowed,
    flush_versioned,
    load_for_change,
)
from coxswain.opportunities.listing import base_query, list_opportunity_rows
from coxswain.opportunities.models import LostReason, Opportunity, OpportunityStageChange, Stage
from coxswain.opportunities.pipelines import default_pipeline, stages_of
from coxswain.opportunities.schemas import (
    OpportunityCreate,
    OpportunityFilters,
    OpportunityRead,
    OpportunityUpdate,
    StageChangeRead,
)

CREATE_FIELDS = (
    "name",
    "account_id",
    "owner_id",
    "pipeline_id",
    "stage_id",
    "status",
    "amount_minor",
    "currency",
    "forecast_category",
    "expected_close_on",
    "type",
)


def _to_read(row: Any) -> OpportunityRead:
    return OpportunityRead.model_validate(dict(row._mapping))


def list_opportunities(
    session: Session, actor: Principal, filters: OpportunityFilters, params: PageParams
) -> Page[OpportunityRead]:
    """One page of the opportunities ``actor`` may see, filtered and sorted (default newest)."""
    page = list_opportunity_rows(session, actor, filters, params)
    return Page(
        items=[OpportunityRead.model_validate(row) for row in page.items],
        limit=page.limit,
        offset=page.offset,
        has_more=page.has_more,
        total=page.total,
    )


def get_opportunity(
    session: Session, actor: Principal, opportunity_id: uuid.UUID
) -> OpportunityRead:
    """The opportunity, or NotFoundError when it does not exist or ``actor`` may not see it."""
    actor.require(Permission.READ, "read opportunities")
    row = session.execute(
        base_query().where(
            Opportunity.id == opportunity_id,
            visibility_for(session, actor).clause(Opportunity.owner_id),
        )
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"opportunity {opportunity_id} not found")
    return _to_read(row)


def create_opportunity(
    session: Session, actor: Principal, data: OpportunityCreate, *, clock: Clock | None = None
) -> OpportunityRead:
    """Create a deal in its pipeline's first stage (or ``stage_id``), owned by the caller by
    default; writes the entering stage change and a ``create`` audit event."""
    actor.require(Permission.WRITE_RECORDS, "create opportunities")
    now = (clock or SystemClock()).now()
    owner_id = data.owner_id or actor.user_id
    if owner_id is not None and owner_id != actor.user_id:
        check_owner_allowed(session, actor, owner_id)
    pipeline_id = data.pipeline_id or default_pipeline(session).id
    stages = stages_of(session, pipeline_id)
    if not stages:
        raise ValidationError(f"pipeline {pipeline_id}: expected an existing pipeline with stages")
    stage = next((s for s in stages if s.id == data.stage_id), None) if data.stage_id else stages[0]
    if stage is None:
        raise ValidationError(f"stage {data.stage_id}: expected a stage of pipeline {pipeline_id}")
    if stage.category != StageCategory.OPEN.value:
        raise ValidationError("a new opportunity starts in an open stage: close it afterwards")
    currency = ensure_currency(session, data.currency).code
    opportunity = Opportunity(
        **data.model_dump(exclude={"owner_id", "pipeline_id", "stage_id", "currency"}),
        owner_id=owner_id,
        pipeline_id=pipeline_id,
        stage_id=stage.id,
        currency=currency,
        status=stage.category,
        forecast_category=stage.forecast_category,
        probability_bp=stage.probability_bp,
        opened_on=now.date(),
    )
    session.add(opportunity)
    session.flush()
    session.add(
        OpportunityStageChange(
            opportunity_id=opportunity.id,
            from_stage_id=None,
            to_stage_id=stage.id,
            changed_at=now,
            changed_by_id=actor.user_id,
            amount_minor=opportunity.amount_minor,
        )
    )
    audit(session, actor, "create", opportunity, None, snapshot(opportunity, CREATE_FIELDS), now)
    session.flush()
    return get_opportunity(session, actor, opportunity.id)


def update_opportunity(
    session: Session,
    actor: Principal,
    opportunity_id: uuid.UUID,
    data: OpportunityUpdate,
    *,
    expected_version: int | None = None,
    clock: Clock | None = None,
) -> OpportunityRead:
    """Change fields of a deal the caller may change; a stage or owner in ``data`` goes through
    :func:`move_opportunity_stage` / :func:`reassign_opportunity` rules. One version bump."""
    now = (clock or SystemClock()).now()
    sent = expected_version if expected_version is not None else data.version
    opportunity = load_for_change(session, actor, opportunity_id, sent)
    assert sent is not None
    changes = data.field_changes()
    if "currency" in changes:
        changes["currency"] = ensure_currency(session, changes["currency"]).code
    if "forecast_category" in changes:
        changes["forecast_category"] = changes["forecast_category"].value
        changes["forecast_category_overridden"] = True
    if "type" in changes:
        changes["type"] = changes["type"].value
    with session.no_autoflush:  # one UPDATE, so one version bump
        before, after = apply_changes(opportunity, changes)
        implied: dict[str, tuple[Any, Any]] = {}
        if data.stage_id is not None and data.stage_id != opportunity.stage_id:
            implied |= apply_stage(
                session, actor, opportunity, data.stage_id, data.lost_reason_id, now
            )
        if "owner_id" in data.model_fields_set and data.owner_id != opportunity.owner_id:
            if data.owner_id is None:
                raise ValidationError("owner_id cannot be null: reassign to another user instead")
            implied |= apply_owner(session, actor, opportunity, data.owner_id, None, now)
    for field, (old, new) in implied.items():
        before[field], after[field] = json_safe(old), json_safe(new)
    if before or after:
        audit(session, actor, "update", opportunity, before, after, now)
    flush_versioned(session, opportunity, sent)
    return get_opportunity(session, actor, opportunity_id)


def delete_opportunity(
    session: Session,
    actor: Principal,
    opportunity_id: uuid.UUID,
    *,
    expected_version: int | None,
    clock: Clock | None = None,
) -> None:
    """Soft-delete (``deleted_at``); history and audit rows stay."""
    now = (clock or SystemClock()).now()
    opportunity = load_for_change(
        session,
        actor,
        opportunity_id,
        expected_version,
        permission=Permission.DELETE_RECORDS,
        what="delete opportunities",
    )
    opportunity.deleted_at = now
    audit(session, actor, "delete", opportunity, snapshot(opportunity, CREATE_FIELDS), None, now)
    flush_versioned(session, opportunity, expected_version or 0)


def stage_history(
    session: Session, actor: Principal, opportunity_id: uuid.UUID
) -> list[StageChangeRead]:
    """The deal's stage changes, oldest first (the caller must be able to see the deal)."""
    get_opportunity(session, actor, opportunity_id)
    from_stage, to_stage = aliased(Stage), aliased(Stage)
    rows = session.execute(
        select(OpportunityStageChange, from_stage.name, to_stage.name)
        .outerjoin(from_stage, from_stage.id == OpportunityStageChange.from_stage_id)
        .join(to_stage, to_stage.id == OpportunityStageChange.to_stage_id)
        .where(OpportunityStageChange.opportunity_id == opportunity_id)
        .order_by(OpportunityStageChange.changed_at, OpportunityStageChange.id)
    ).all()
    return [
        StageChangeRead.model_validate(change).model_copy(
            update={"from_stage_name": from_name, "to_stage_name": to_name}
        )
        for change, from_name, to_name in rows
    ]


def lost_reasons(session: Session) -> list[LostReason]:
    return list(
        session.scalars(
            select(LostReason).where(LostReason.is_active.is_(True)).order_by(LostReason.name)
        )
    )


def ownership_history(
    session: Session, actor: Principal, opportunity_id: uuid.UUID
) -> list[OwnershipChange]:
    get_opportunity(session, actor, opportunity_id)
    return list(
        session.scalars(
            select(OwnershipChange)
            .where(
                OwnershipChange.entity_type == ENTITY, OwnershipChange.entity_id == opportunity_id
            )
            .order_by(OwnershipChange.changed_at)
        )
    )
