"""The pipeline board (drag a card or use its Move menu), the deal list and the deal page."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError

from coxswain.api.deps import ClockDep, SessionDep
from coxswain.api.v1.audit import audit_of
from coxswain.auth.listing import PageParams
from coxswain.core.errors import CoxswainError, ValidationError
from coxswain.opportunities import service
from coxswain.opportunities.pipeline_admin import list_lost_reasons
from coxswain.opportunities.schemas import OpportunityFilters
from coxswain.opportunities.transitions import move_opportunity_stage
from coxswain.opportunities.views import board
from coxswain.web.choices import filter_choices
from coxswain.web.deps import CsrfSession, WebSession, render
from coxswain.web.pages.dashboard import parse_filters

router = APIRouter(include_in_schema=False)


def _board_page(
    request: Request,
    session: SessionDep,
    web: WebSession,
    today: date,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    filters = parse_filters(request)
    pipeline_id = request.query_params.get("pipeline_id") or None
    data = board(
        session,
        web.principal,
        filters,
        pipeline_id=uuid.UUID(pipeline_id) if pipeline_id else None,
        today=today,
    )
    template = "board_partial.html" if request.headers.get("hx-request") else "board.html"
    return render(
        request,
        template,
        web,
        status_code=status_code,
        active="board",
        board=data,
        filters=filters,
        lost_reasons=list_lost_reasons(session, web.principal),
        message=message,
        error=error,
        **filter_choices(request, session, web),
    )


@router.get("/board")
def board_page(request: Request, session: SessionDep, clock: ClockDep, web: WebSession) -> Response:
    return _board_page(request, session, web, clock.now().date())


@router.post("/board/move")
def move_card(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    web: CsrfSession,
    opportunity_id: Annotated[uuid.UUID, Form()],
    stage_id: Annotated[uuid.UUID, Form()],
    version: Annotated[int, Form()],
    lost_reason_id: Annotated[str, Form()] = "",
) -> Response:
    """Move a deal through the same service the API uses (history + audit + version)."""
    reason = uuid.UUID(lost_reason_id) if lost_reason_id else None
    try:
        moved = move_opportunity_stage(
            session,
            web.principal,
            opportunity_id,
            stage_id,
            expected_version=version,
            lost_reason_id=reason,
            clock=clock,
        )
    except CoxswainError as exc:
        session.rollback()
        return _board_page(
            request, session, web, clock.now().date(), error=str(exc), status_code=200
        )
    message = f"Moved “{moved.name}” to {moved.stage_name}."
    return _board_page(request, session, web, clock.now().date(), message=message)


@router.get("/opportunities")
def opportunity_list(request: Request, session: SessionDep, web: WebSession) -> Response:
    query = {k: v for k, v in request.query_params.items() if v}
    try:
        filters = OpportunityFilters(
            **{k: v for k, v in query.items() if k in OpportunityFilters.model_fields}
        )
        params = PageParams(**{k: v for k, v in query.items() if k in PageParams.model_fields})
    except PydanticValidationError as exc:
        raise ValidationError(
            f"filter {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}"
        ) from None
    page = service.list_opportunities(session, web.principal, filters, params)
    return render(
        request,
        "opportunities.html",
        web,
        active="opportunities",
        page=page,
        query=query,
        **filter_choices(request, session, web),
    )


@router.get("/opportunities/{opportunity_id}")
def opportunity_page(
    request: Request, session: SessionDep, web: WebSession, opportunity_id: uuid.UUID
) -> Response:
    """One deal with its stage history, ownership changes and audit trail (404 if not visible)."""
    deal = service.get_opportunity(session, web.principal, opportunity_id)
    return render(
        request,
        "opportunity.html",
        web,
        active="opportunities",
        deal=deal,
        stages=service.stage_history(session, web.principal, opportunity_id),
        owners=service.ownership_history(session, web.principal, opportunity_id),
        audit=audit_of(session, "opportunity", opportunity_id),
    )
