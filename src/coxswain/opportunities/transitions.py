"""Named state changes of a deal: move its stage, close it won or lost, give it to someone else.

Each loads the deal for writing (visibility, role, version), applies the rule, writes the
history row and one audit event naming the action, and bumps ``version`` once.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.audit.service import json_safe
from coxswain.auth.principal import Permission, Principal
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.enums import StageCategory
from coxswain.core.errors import ValidationError
from coxswain.opportunities.changes import (
    apply_owner,
    apply_stage,
    audit,
    flush_versioned,
    load_for_change,
)
from coxswain.opportunities.models import Opportunity, Stage
from coxswain.opportunities.schemas import OpportunityRead
from coxswain.opportunities.service import get_opportunity


def _split(changed: dict[str, tuple[Any, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    before = {k: json_safe(v[0]) for k, v in changed.items()}
    after = {k: json_safe(v[1]) for k, v in changed.items()}
    return before, after


def move_opportunity_stage(
    session: Session,
    actor: Principal,
    opportunity_id: uuid.UUID,
    stage_id: uuid.UUID,
    *,
    expected_version: int | None,
    lost_reason_id: uuid.UUID | None = None,
    clock: Clock | None = None,
) -> OpportunityRead:
    """Move the deal to ``stage_id`` (any stage of its pipeline; a lost stage needs a reason).

    Raises:
        NotFoundError, PermissionDeniedError, VersionRequiredError, StaleVersionError: see
            :func:`coxswain.opportunities.changes.load_for_change`.
        ValidationError: a stage of another pipeline, or a lost stage without a lost reason.
    """
    now = (clock or SystemClock()).now()
    opportunity = load_for_change(
        session, actor, opportunity_id, expected_version, what="move deals"
    )
    if stage_id != opportunity.stage_id:
        changed = apply_stage(session, actor, opportunity, stage_id, lost_reason_id, now)
        before, after = _split(changed)
        audit(session, actor, "move_stage", opportunity, before, after, now)
        flush_versioned(session, opportunity, expected_version or 0)
    return get_opportunity(session, actor, opportunity_id)


def _closing_stage(
    session: Session, opportunity: Opportunity, category: StageCategory
) -> uuid.UUID:
    stage_id = session.scalar(
        select(Stage.id)
        .where(
            Stage.pipeline_id == opportunity.pipeline_id,
            Stage.category == category.value,
            Stage.is_active.is_(True),
        )
        .order_by(Stage.position)
        .limit(1)
    )
    if stage_id is None:
        raise ValidationError(f"the deal's pipeline has no active {category.value} stage")
    return stage_id


def close_won(
    session: Session,
    actor: Principal,
    opportunity_id: uuid.UUID,
    *,
    expected_version: int | None,
    clock: Clock | None = None,
) -> OpportunityRead:
    """Move the deal to its pipeline's won stage (closed today)."""
    opportunity = load_for_change(
        session, actor, opportunity_id, expected_version, what="close deals"
    )
    stage_id = _closing_stage(session, opportunity, StageCategory.WON)
    return _close(session, actor, opportunity, stage_id, None, "close_won", expected_version, clock)


def close_lost(
    session: Session,
    actor: Principal,
    opportunity_id: uuid.UUID,
    lost_reason_id: uuid.UUID,
    *,
    expected_version: int | None,
    clock: Clock | None = None,
) -> OpportunityRead:
    """Move the deal to its pipeline's lost stage with ``lost_reason_id`` (required)."""
    opportunity = load_for_change(
        session, actor, opportunity_id, expected_version, what="close deals"
    )
    stage_id = _closing_stage(session, opportunity, StageCategory.LOST)
    return _close(
        session, actor, opportunity, stage_id, lost_reason_id, "close_lost", expected_version, clock
    )


def _close(
    session: Session,
    actor: Principal,
    opportunity: Opportunity,
    stage_id: uuid.UUID,
    lost_reason_id: uuid.UUID | None,
    action: str,
    sent: int | None,
    clock: Clock | None,
) -> OpportunityRead:
    now = (clock or SystemClock()).now()
    if opportunity.stage_id == stage_id:
        raise ValidationError(f"opportunity {opportunity.id} is already {opportunity.status}")
    changed = apply_stage(session, actor, opportunity, stage_id, lost_reason_id, now)
    before, after = _split(changed)
    audit(session, actor, action, opportunity, before, after, now)
    flush_versioned(session, opportunity, sent or 0)
    return get_opportunity(session, actor, opportunity.id)


def reassign_opportunity(
    session: Session,
    actor: Principal,
    opportunity_id: uuid.UUID,
    owner_id: uuid.UUID,
    *,
    expected_version: int | None,
    reason: str | None = None,
    clock: Clock | None = None,
) -> OpportunityRead:
    """Give the deal to ``owner_id``: managers within their subtree, sales ops and admins to
    anyone active; reps may not. Writes ``ownership_changes`` and an audit event."""
    now = (clock or SystemClock()).now()
    opportunity = load_for_change(
        session,
        actor,
        opportunity_id,
        expected_version,
        permission=Permission.REASSIGN,
        what="reassign opportunities",
    )
    changed = apply_owner(session, actor, opportunity, owner_id, reason, now)
    if changed:
        before, after = _split(changed)
        if reason:
            after["reason"] = reason
        audit(session, actor, "reassign", opportunity, before, after, now)
        flush_versioned(session, opportunity, expected_version or 0)
    return get_opportunity(session, actor, opportunity_id)
