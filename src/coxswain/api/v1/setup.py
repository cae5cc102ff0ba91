"""``/pipelines``, ``/stages``, ``/lost-reasons``: the pipeline definition as data."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from coxswain.api.deps import ClockDep, CurrentUser, SessionDep
from coxswain.api.errors import CREATED
from coxswain.api.schemas import ERROR_RESPONSES
from coxswain.opportunities import pipeline_admin as admin
from coxswain.opportunities.pipeline_admin import (
    LostReasonRead,
    PipelineRead,
    StageCreate,
    StageRead,
    StageUpdate,
)

router = APIRouter(tags=["pipelines"], responses=ERROR_RESPONSES)


@router.get("/pipelines", response_model=list[PipelineRead])
def list_pipelines(session: SessionDep, user: CurrentUser) -> list[PipelineRead]:
    """Every pipeline with its stages in order (category, probability, forecast category)."""
    return admin.list_pipelines(session, user)


@router.post("/pipelines/{pipeline_id}/stages", response_model=StageRead, status_code=CREATED)
def add_stage(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    pipeline_id: uuid.UUID,
    data: StageCreate,
) -> StageRead:
    return admin.add_stage(session, user, pipeline_id, data, clock=clock)


@router.patch("/stages/{stage_id}", response_model=StageRead)
def update_stage(
    session: SessionDep, user: CurrentUser, clock: ClockDep, stage_id: uuid.UUID, data: StageUpdate
) -> StageRead:
    return admin.update_stage(session, user, stage_id, data, clock=clock)


@router.get("/lost-reasons", response_model=list[LostReasonRead])
def list_lost_reasons(session: SessionDep, user: CurrentUser) -> list[LostReasonRead]:
    return admin.list_lost_reasons(session, user)
