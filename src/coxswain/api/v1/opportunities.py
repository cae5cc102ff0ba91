"""``/opportunities``: list, read, create, change, move stage, close, reassign, delete, history.

Reads return an ``ETag`` (the version); every change needs ``If-Match`` or the body's
``version`` and is refused when stale (412 with If-Match, 409 with a body version).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from coxswain.api.deps import ClockDep, CurrentUser, IfMatch, SessionDep, version_from
from coxswain.api.errors import CREATED, NO_CONTENT
from coxswain.api.schemas import ERROR_RESPONSES, PageOut, json_page
from coxswain.api.v1.audit import AuditEventOut, audit_of
from coxswain.auth.listing import PageParams
from coxswain.opportunities import service, transitions
from coxswain.opportunities.listing import list_opportunity_rows
from coxswain.opportunities.reporting import ReportFilters
from coxswain.opportunities.schemas import (
    Board,
    CloseLost,
    CloseWon,
    OpportunityCreate,
    OpportunityFilters,
    OpportunityRead,
    OpportunityUpdate,
    Reassignment,
    StageChangeRead,
    StageMove,
)
from coxswain.opportunities.views import board

router = APIRouter(prefix="/opportunities", tags=["opportunities"], responses=ERROR_RESPONSES)


class OpportunityQuery(OpportunityFilters, PageParams):
    """Filters, sorting (``sort=-amount_minor,name``) and paging in one query model."""


def _with_etag(response: Response, read: OpportunityRead) -> OpportunityRead:
    response.headers["ETag"] = f'"{read.version}"'
    return read


@router.get("", response_model=PageOut[OpportunityRead])
def list_opportunities(
    session: SessionDep, user: CurrentUser, query: Annotated[OpportunityQuery, Query()]
) -> Response:
    """The opportunities the caller may see (reps: their own; managers: their teams')."""
    filters = OpportunityFilters(**query.model_dump(include=set(OpportunityFilters.model_fields)))
    params = PageParams(**query.model_dump(include=set(PageParams.model_fields)))
    return json_page(list_opportunity_rows(session, user, filters, params))


@router.get("/board", response_model=Board)
def pipeline_board(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    filters: Annotated[ReportFilters, Query()],
    pipeline_id: uuid.UUID | None = None,
) -> Board:
    """The kanban board: per stage, the count, the amount per currency and the top 20 deals."""
    return board(session, user, filters, pipeline_id=pipeline_id, today=clock.now().date())


@router.post("", response_model=OpportunityRead, status_code=CREATED)
def create_opportunity(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    data: OpportunityCreate,
    response: Response,
) -> OpportunityRead:
    """Create a deal (owned by the caller unless ``owner_id`` names someone they manage)."""
    read = service.create_opportunity(session, user, data, clock=clock)
    response.headers["Location"] = f"/api/v1/opportunities/{read.id}"
    return _with_etag(response, read)


@router.get("/{opportunity_id}", response_model=OpportunityRead)
def get_opportunity(
    session: SessionDep, user: CurrentUser, opportunity_id: uuid.UUID, response: Response
) -> OpportunityRead:
    """One deal; 404 when it does not exist or the caller may not see it."""
    return _with_etag(response, service.get_opportunity(session, user, opportunity_id))


@router.patch("/{opportunity_id}", response_model=OpportunityRead)
def update_opportunity(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    opportunity_id: uuid.UUID,
    data: OpportunityUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityRead:
    """Change fields; ``stage_id`` moves the stage and ``owner_id`` reassigns, with their rules."""
    version = version_from(if_match, data.version)
    read = service.update_opportunity(
        session, user, opportunity_id, data, expected_version=version, clock=clock
    )
    return _with_etag(response, read)


@router.delete("/{opportunity_id}", status_code=NO_CONTENT)
def delete_opportunity(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    opportunity_id: uuid.UUID,
    if_match: IfMatch = None,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> None:
    """Soft-delete a deal (managers, sales ops, admins)."""
    service.delete_opportunity(
        session, user, opportunity_id, expected_version=version_from(if_match, version), clock=clock
    )


@router.post("/{opportunity_id}/move-stage", response_model=OpportunityRead)
def move_stage(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    opportunity_id: uuid.UUID,
    data: StageMove,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityRead:
    """Move the deal to another stage of its pipeline (a lost stage needs ``lost_reason_id``)."""
    read = transitions.move_opportunity_stage(
        session,
        user,
        opportunity_id,
        data.stage_id,
        lost_reason_id=data.lost_reason_id,
        expected_version=version_from(if_match, data.version),
        clock=clock,
    )
    return _with_etag(response, read)


@router.post("/{opportunity_id}/close-won", response_model=OpportunityRead)
def close_won(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    opportunity_id: uuid.UUID,
    data: CloseWon,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityRead:
    read = transitions.close_won(
        session,
        user,
        opportunity_id,
        expected_version=version_from(if_match, data.version),
        clock=clock,
    )
    return _with_etag(response, read)


@router.post("/{opportunity_id}/close-lost", response_model=OpportunityRead)
def close_lost(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    opportunity_id: uuid.UUID,
    data: CloseLost,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityRead:
    read = transitions.close_lost(
        session,
        user,
        opportunity_id,
        data.lost_reason_id,
        expected_version=version_from(if_match, data.version),
        clock=clock,
    )
    return _with_etag(response, read)


@router.post("/{opportunity_id}/reassign", response_model=OpportunityRead)
def reassign(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    opportunity_id: uuid.UUID,
    data: Reassignment,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityRead:
    """Give the deal to another owner (managers within their teams, sales ops, admins)."""
    read = transitions.reassign_opportunity(
        session,
        user,
        opportunity_id,
        data.owner_id,
        reason=data.reason,
        expected_version=version_from(if_match, data.version),
        clock=clock,
    )
    return _with_etag(response, read)


@router.get("/{opportunity_id}/stage-history", response_model=list[StageChangeRead])
def stage_history(
    session: SessionDep, user: CurrentUser, opportunity_id: uuid.UUID
) -> list[StageChangeRead]:
    return service.stage_history(session, user, opportunity_id)


@router.get("/{opportunity_id}/audit", response_model=list[AuditEventOut])
def audit_trail(
    session: SessionDep, user: CurrentUser, opportunity_id: uuid.UUID
) -> list[AuditEventOut]:
    """Every change to the deal, newest first, with who made it and the before/after values."""
    service.get_opportunity(session, user, opportunity_id)
    return audit_of(session, "opportunity", opportunity_id)
