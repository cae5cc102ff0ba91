"""``/leads``: the lead list/queue, read, create, change, status moves, reassignment, delete."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from coxswain.api.deps import ClockDep, CurrentUser, IfMatch, SessionDep
from coxswain.api.errors import CREATED, NO_CONTENT
from coxswain.api.schemas import ERROR_RESPONSES, PageOut, json_response
from coxswain.api.v1.audit import AuditEventOut, audit_of
from coxswain.auth.listing import PageParams
from coxswain.leads import service
from coxswain.leads.schemas import (
    LeadCreate,
    LeadFilters,
    LeadRead,
    LeadReassignment,
    LeadStatusChangeRead,
    LeadStatusMove,
    LeadUpdate,
)

router = APIRouter(prefix="/leads", tags=["leads"], responses=ERROR_RESPONSES)


class LeadQuery(LeadFilters, PageParams):
    """Filters, sorting and paging in one query model."""


def _tagged(response: Response, read: LeadRead) -> LeadRead:
    response.headers["ETag"] = f'"{service.etag_of(read.updated_at)}"'
    return read


@router.get("", response_model=PageOut[LeadRead])
def list_leads(
    session: SessionDep, user: CurrentUser, query: Annotated[LeadQuery, Query()]
) -> Response:
    """Leads the caller may see (by owner or SDR); ``unworked=true`` is the untouched queue."""
    filters = LeadFilters(**query.model_dump(include=set(LeadFilters.model_fields)))
    params = PageParams(**query.model_dump(include=set(PageParams.model_fields)))
    return json_response(PageOut.of(service.list_leads(session, user, filters, params)))


@router.post("", response_model=LeadRead, status_code=CREATED)
def create_lead(
    session: SessionDep, user: CurrentUser, clock: ClockDep, data: LeadCreate, response: Response
) -> LeadRead:
    return _tagged(response, service.create_lead(session, user, data, clock=clock))


@router.get("/{lead_id}", response_model=LeadRead)
def get_lead(
    session: SessionDep, user: CurrentUser, lead_id: uuid.UUID, response: Response
) -> LeadRead:
    return _tagged(response, service.get_lead(session, user, lead_id))


@router.patch("/{lead_id}", response_model=LeadRead)
def update_lead(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    lead_id: uuid.UUID,
    data: LeadUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> LeadRead:
    """Change a lead; with ``If-Match`` (the ETag you read) a stale change is refused."""
    return _tagged(
        response, service.update_lead(session, user, lead_id, data, etag=if_match, clock=clock)
    )


@router.post("/{lead_id}/status", response_model=LeadRead)
def move_status(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    lead_id: uuid.UUID,
    data: LeadStatusMove,
    response: Response,
    if_match: IfMatch = None,
) -> LeadRead:
    """Move the lead to another status (disqualifying needs a reason)."""
    update = LeadUpdate(status=data.status, disqualified_reason=data.reason)
    return _tagged(
        response, service.update_lead(session, user, lead_id, update, etag=if_match, clock=clock)
    )


@router.post("/{lead_id}/reassign", response_model=LeadRead)
def reassign(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    lead_id: uuid.UUID,
    data: LeadReassignment,
    response: Response,
    if_match: IfMatch = None,
) -> LeadRead:
    update = LeadUpdate(owner_id=data.owner_id)
    return _tagged(
        response, service.update_lead(session, user, lead_id, update, etag=if_match, clock=clock)
    )


@router.delete("/{lead_id}", status_code=NO_CONTENT)
def delete_lead(
    session: SessionDep, user: CurrentUser, clock: ClockDep, lead_id: uuid.UUID
) -> None:
    service.delete_lead(session, user, lead_id, clock=clock)


@router.get("/{lead_id}/status-history", response_model=list[LeadStatusChangeRead])
def status_history(
    session: SessionDep, user: CurrentUser, lead_id: uuid.UUID
) -> list[LeadStatusChangeRead]:
    return service.status_history(session, user, lead_id)


@router.get("/{lead_id}/audit", response_model=list[AuditEventOut])
def audit_trail(session: SessionDep, user: CurrentUser, lead_id: uuid.UUID) -> list[AuditEventOut]:
    service.get_lead(session, user, lead_id)
    return audit_of(session, "lead", lead_id)
