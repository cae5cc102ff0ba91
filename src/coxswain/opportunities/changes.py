"""The building blocks every opportunity change shares: load for writing (visibility, role,
version), the stage and owner rules, the audit event, and the versioned flush."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from coxswain.audit.models import OwnershipChange
from coxswain.audit.service import record_change
from coxswain.auth.errors import PermissionDeniedError, StaleVersionError, VersionRequiredError
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.visibility import visibility_for
from coxswain.core.enums import ForecastCategory, StageCategory
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.opportunities.models import LostReason, Opportunity, OpportunityStageChange, Stage
from coxswain.people.models import User

ENTITY = "opportunity"


def load_for_change(
    session: Session,
    actor: Principal,
    opportunity_id: uuid.UUID,
    expected_version: int | None,
    *,
    permission: Permission = Permission.WRITE_RECORDS,
    what: str = "change opportunities",
) -> Opportunity:
    """Load a visible opportunity for writing, checking the role and the version it was read at.

    Raises:
        NotFoundError: missing, deleted or not visible (never reveals which).
        PermissionDeniedError: the role or token may not make this change.
        VersionRequiredError: ``expected_version`` missing.
        StaleVersionError: someone changed it since ``expected_version``.
    """
    opportunity = session.get(Opportunity, opportunity_id, populate_existing=True)
    visible = opportunity is not None and opportunity.deleted_at is None
    if not visible or not visibility_for(session, actor).allows(opportunity.owner_id):  # type: ignore[union-attr]
        raise NotFoundError(f"opportunity {opportunity_id} not found")
    assert opportunity is not None
    actor.require(permission, what)
    if expected_version is None:
        raise VersionRequiredError(
            f"opportunity {opportunity_id}: send the version you read (If-Match header or "
            f"'version' field); current version is {opportunity.version}"
        )
    if opportunity.version != expected_version:
        raise StaleVersionError(
            ENTITY, opportunity_id, current=opportunity.version, sent=expected_version
        )
    return opportunity


def flush_versioned(session: Session, opportunity: Opportunity, sent: int) -> None:
    """Flush; a concurrent writer that got there first turns into StaleVersionError."""
    try:
        session.flush()
    except StaleDataError:
        raise StaleVersionError(ENTITY, opportunity.id, current=sent + 1, sent=sent) from None


def audit(
    session: Session,
    actor: Principal,
    action: str,
    opportunity: Opportunity,
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
        entity_id=opportunity.id,
        before=before,
        after=after,
        occurred_at=now,
    )


def check_owner_allowed(session: Session, actor: Principal, owner_id: uuid.UUID) -> User:
    """The new owner, who must be an active user the actor may assign records to."""
    owner = session.get(User, owner_id)
    if owner is None or owner.deleted_at is not None or not owner.is_active:
        raise ValidationError(f"owner {owner_id}: expected an active user")
    if not visibility_for(session, actor).allows(owner_id):
        raise PermissionDeniedError(f"{actor.email} cannot assign records to {owner.email}")
    return owner


def _lost_reason(session: Session, lost_reason_id: uuid.UUID | None) -> uuid.UUID:
    reason = session.get(LostReason, lost_reason_id) if lost_reason_id else None
    if reason is None or not reason.is_active:
        names = ", ".join(
            session.scalars(
                select(LostReason.name)
                .where(LostReason.is_active.is_(True))
                .order_by(LostReason.name)
            )
        )
        raise ValidationError(f"closing as lost needs a lost reason: one of {names}")
    return reason.id


def apply_stage(
    session: Session,
    actor: Principal,
    opportunity: Opportunity,
    stage_id: uuid.UUID,
    lost_reason_id: uuid.UUID | None,
    now: datetime,
) -> dict[str, Any]:
    """Move ``opportunity`` to ``stage_id`` and write the stage-change row.

    The status follows the stage's category. Won: ``closed_on`` today, probability 100 %.
    Lost: a lost reason is required, probability 0 %. Open: ``closed_on`` and the lost reason are
    cleared; the forecast category follows the stage unless it was overridden by hand.
    Returns the (before, after) of the fields that changed, for the caller's audit event.
    """
    with session.no_autoflush:  # queries below must not flush half a change (two version bumps)
        return _apply_stage(session, actor, opportunity, stage_id, lost_reason_id, now)


def _apply_stage(
    session: Session,
    actor: Principal,
    opportunity: Opportunity,
    stage_id: uuid.UUID,
    lost_reason_id: uuid.UUID | None,
    now: datetime,
) -> dict[str, Any]:
    stage = session.get(Stage, stage_id)
    if stage is None or stage.pipeline_id != opportunity.pipeline_id or not stage.is_active:
        raise ValidationError(f"stage {stage_id}: expected an active stage of the deal's pipeline")
    fields = (
        "stage_id",
        "status",
        "closed_on",
        "lost_reason_id",
        "probability_bp",
        "forecast_category",
        "engaged_on",
    )
    before = {f: getattr(opportunity, f) for f in fields}
    from_stage_id = opportunity.stage_id
    opportunity.stage_id = stage.id
    opportunity.status = stage.category
    opportunity.probability_bp = stage.probability_bp
    if stage.category == StageCategory.LOST.value:
        opportunity.lost_reason_id = _lost_reason(session, lost_reason_id)
    else:
        opportunity.lost_reason_id = None
    if stage.category == StageCategory.OPEN.value:
        opportunity.closed_on = None
        if not opportunity.forecast_category_overridden:
            opportunity.forecast_category = stage.forecast_category
        first = session.scalar(
            select(Stage.id)
            .where(Stage.pipeline_id == stage.pipeline_id)
            .order_by(Stage.position)
            .limit(1)
        )
        if stage.id != first and opportunity.engaged_on is None:
            opportunity.engaged_on = now.date()
    else:
        opportunity.closed_on = now.date()
        opportunity.forecast_category = (
            ForecastCategory.CLOSED.value
            if stage.category == StageCategory.WON.value
            else ForecastCategory.OMITTED.value
        )
        opportunity.forecast_category_overridden = False
    session.add(
        OpportunityStageChange(
            opportunity_id=opportunity.id,
            from_stage_id=from_stage_id,
            to_stage_id=stage.id,
            changed_at=now,
            changed_by_id=actor.user_id,
            amount_minor=opportunity.amount_minor,
        )
    )
    after = {f: getattr(opportunity, f) for f in fields}
    return {f: (before[f], after[f]) for f in fields if before[f] != after[f]}


def apply_owner(
    session: Session,
    actor: Principal,
    opportunity: Opportunity,
    owner_id: uuid.UUID,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Give the deal to ``owner_id`` (role REASSIGN, an owner the actor can see) and write the
    ``ownership_changes`` row. Returns {"owner_id": (old, new)} or {} when unchanged."""
    actor.require(Permission.REASSIGN, "reassign opportunities")
    if owner_id == opportunity.owner_id:
        return {}
    with session.no_autoflush:
        check_owner_allowed(session, actor, owner_id)
    previous = opportunity.owner_id
    opportunity.owner_id = owner_id
    session.add(
        OwnershipChange(
            entity_type=ENTITY,
            entity_id=opportunity.id,
            from_user_id=previous,
            to_user_id=owner_id,
            changed_at=now,
            changed_by_id=actor.user_id,
            reason=reason,
        )
    )
    return {"owner_id": (previous, owner_id)}
