"""Pipelines, stages and lost reasons as data: read by everyone, changed by sales ops / admins.

A stage's ``category`` (open / won / lost) cannot change once deals sit in it (their status
mirrors it); rename, re-weight, re-forecast, deactivate and add stages freely.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.audit.service import apply_changes, record_change, snapshot
from coxswain.auth.principal import Permission, Principal
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.enums import ForecastCategory, StageCategory
from coxswain.core.errors import ConflictError, NotFoundError, ValidationError
from coxswain.opportunities.models import LostReason, Opportunity, Pipeline, Stage

STAGE_FIELDS = ("name", "position", "probability_bp", "category", "forecast_category", "is_active")


class StageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    position: int
    probability_bp: int
    category: StageCategory
    forecast_category: ForecastCategory
    is_active: bool


class PipelineRead(BaseModel):
    id: uuid.UUID
    name: str
    is_default: bool
    stages: list[StageRead]


class StageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    probability_bp: int = Field(ge=0, le=10_000)
    category: StageCategory = StageCategory.OPEN
    forecast_category: ForecastCategory = ForecastCategory.PIPELINE


class StageUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100)
    probability_bp: int | None = Field(None, ge=0, le=10_000)
    forecast_category: ForecastCategory | None = None
    is_active: bool | None = None


class LostReasonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    is_active: bool


def list_pipelines(session: Session, actor: Principal) -> list[PipelineRead]:
    actor.require(Permission.READ, "list pipelines")
    stages = session.scalars(select(Stage).order_by(Stage.pipeline_id, Stage.position)).all()
    by_pipeline: dict[uuid.UUID, list[StageRead]] = {}
    for stage in stages:
        by_pipeline.setdefault(stage.pipeline_id, []).append(StageRead.model_validate(stage))
    return [
        PipelineRead(
            id=p.id, name=p.name, is_default=p.is_default, stages=by_pipeline.get(p.id, [])
        )
        for p in session.scalars(
            select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.name)
        )
    ]


def list_lost_reasons(session: Session, actor: Principal) -> list[LostReasonRead]:
    actor.require(Permission.READ, "list lost reasons")
    rows = session.scalars(select(LostReason).order_by(LostReason.name))
    return [LostReasonRead.model_validate(r) for r in rows]


def _audit(
    session: Session,
    actor: Principal,
    action: str,
    stage: Stage,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
    clock: Clock | None,
) -> None:
    record_change(
        session,
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type="stage",
        entity_id=stage.id,
        before=before,
        after=after,
        occurred_at=(clock or SystemClock()).now(),
    )


def add_stage(
    session: Session,
    actor: Principal,
    pipeline_id: uuid.UUID,
    data: StageCreate,
    *,
    clock: Clock | None = None,
) -> StageRead:
    """Add a stage; an open stage goes after the last open one (closed stages shift right)."""
    actor.require(Permission.CONFIGURE, "change pipelines")
    if session.get(Pipeline, pipeline_id) is None:
        raise NotFoundError(f"pipeline {pipeline_id} not found")
    stages = list(
        session.scalars(
            select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position)
        )
    )
    if any(s.name.lower() == data.name.lower() for s in stages):
        raise ConflictError(f"the pipeline already has a stage named {data.name!r}")
    open_positions = [s.position for s in stages if s.category == StageCategory.OPEN.value]
    if data.category is StageCategory.OPEN and open_positions:
        position = max(open_positions) + 1
    else:
        position = max((s.position for s in stages), default=0) + 1
    for stage in sorted(stages, key=lambda s: -s.position):
        if stage.position >= position:
            stage.position += 1
            session.flush()
    stage = Stage(
        pipeline_id=pipeline_id,
        name=data.name,
        position=position,
        probability_bp=data.probability_bp,
        category=data.category.value,
        forecast_category=data.forecast_category.value,
    )
    session.add(stage)
    session.flush()
    _audit(session, actor, "create", stage, None, snapshot(stage, STAGE_FIELDS), clock)
    return StageRead.model_validate(stage)


def update_stage(
    session: Session,
    actor: Principal,
    stage_id: uuid.UUID,
    data: StageUpdate,
    *,
    clock: Clock | None = None,
) -> StageRead:
    actor.require(Permission.CONFIGURE, "change pipelines")
    stage = session.get(Stage, stage_id)
    if stage is None:
        raise NotFoundError(f"stage {stage_id} not found")
    changes = {k: getattr(data, k) for k in data.model_fields_set}
    if any(v is None for v in changes.values()):
        raise ValidationError("stage fields cannot be null")
    if changes.get("forecast_category") is not None:
        changes["forecast_category"] = changes["forecast_category"].value
    if changes.get("is_active") is False:
        in_use = session.scalar(
            select(func.count())
            .select_from(Opportunity)
            .where(Opportunity.stage_id == stage_id, Opportunity.status == StageCategory.OPEN.value)
        )
        if in_use:
            raise ValidationError(
                f"stage {stage.name!r} holds {in_use} open deal(s): move them first"
            )
    before, after = apply_changes(stage, changes)
    if before:
        _audit(session, actor, "update", stage, before, after, clock)
    session.flush()
    return StageRead.model_validate(stage)
