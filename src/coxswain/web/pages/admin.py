"""Administration: users (admins), teams and pipeline stages (sales ops and admins)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from coxswain.api.deps import ClockDep, SessionDep
from coxswain.api.errors import SEE_OTHER
from coxswain.auth.listing import PageParams
from coxswain.auth.principal import Permission
from coxswain.core.enums import ForecastCategory, Role, StageCategory
from coxswain.opportunities import pipeline_admin
from coxswain.opportunities.pipeline_admin import StageCreate, StageUpdate
from coxswain.people import service
from coxswain.people.schemas import TeamCreate, UserCreate, UserFilters, UserUpdate
from coxswain.web.deps import CsrfSession, WebSession, render

router = APIRouter(prefix="/admin", include_in_schema=False)


def _opt_uuid(value: str) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


@router.get("/users")
def users_page(request: Request, session: SessionDep, web: WebSession) -> Response:
    web.principal.require(Permission.MANAGE_USERS, "administer users")
    q = request.query_params.get("q") or None
    offset = int(request.query_params.get("offset", "0") or 0)
    page = service.list_users(
        session, web.principal, UserFilters(q=q), PageParams(limit=100, offset=offset)
    )
    return render(
        request,
        "admin_users.html",
        web,
        active="admin",
        page=page,
        roles=list(Role),
        teams=service.list_teams(session, web.principal),
        q=q or "",
    )


@router.post("/users")
def create_user(
    session: SessionDep,
    clock: ClockDep,
    web: CsrfSession,
    email: Annotated[str, Form()],
    full_name: Annotated[str, Form()],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form()] = "",
    team_id: Annotated[str, Form()] = "",
) -> Response:
    data = UserCreate(
        email=email,
        full_name=full_name,
        role=role,
        password=password or None,
        team_id=_opt_uuid(team_id),
    )
    service.create_user(session, web.principal, data, clock=clock)
    return RedirectResponse("/admin/users", status_code=SEE_OTHER)


@router.post("/users/{user_id}")
def update_user(
    session: SessionDep,
    clock: ClockDep,
    web: CsrfSession,
    user_id: uuid.UUID,
    role: Annotated[Role, Form()],
    is_active: Annotated[str, Form()] = "",
) -> Response:
    data = UserUpdate(role=role, is_active=is_active == "on")
    service.update_user(session, web.principal, user_id, data, clock=clock)
    return RedirectResponse("/admin/users", status_code=SEE_OTHER)


@router.get("/teams")
def teams_page(request: Request, session: SessionDep, web: WebSession) -> Response:
    web.principal.require(Permission.CONFIGURE, "administer teams")
    managers = service.list_users(
        session, web.principal, UserFilters(role=Role.MANAGER), PageParams(limit=200)
    )
    return render(
        request,
        "admin_teams.html",
        web,
        active="admin",
        teams=service.list_teams(session, web.principal),
        managers=managers.items,
    )


@router.post("/teams")
def create_team(
    session: SessionDep,
    clock: ClockDep,
    web: CsrfSession,
    name: Annotated[str, Form()],
    parent_id: Annotated[str, Form()] = "",
    manager_id: Annotated[str, Form()] = "",
) -> Response:
    data = TeamCreate(name=name, parent_id=_opt_uuid(parent_id), manager_id=_opt_uuid(manager_id))
    service.create_team(session, web.principal, data, clock=clock)
    return RedirectResponse("/admin/teams", status_code=SEE_OTHER)


@router.get("/pipelines")
def pipelines_page(request: Request, session: SessionDep, web: WebSession) -> Response:
    web.principal.require(Permission.CONFIGURE, "administer pipelines")
    return render(
        request,
        "admin_pipelines.html",
        web,
        active="admin",
        pipelines=pipeline_admin.list_pipelines(session, web.principal),
        forecast_categories=list(ForecastCategory),
        categories=list(StageCategory),
    )


@router.post("/stages/{stage_id}")
def update_stage(
    session: SessionDep,
    clock: ClockDep,
    web: CsrfSession,
    stage_id: uuid.UUID,
    name: Annotated[str, Form()],
    probability_pct: Annotated[float, Form(ge=0, le=100)],
    forecast_category: Annotated[ForecastCategory, Form()],
    is_active: Annotated[str, Form()] = "",
) -> Response:
    data = StageUpdate(
        name=name,
        probability_bp=round(probability_pct * 100),
        forecast_category=forecast_category,
        is_active=is_active == "on",
    )
    pipeline_admin.update_stage(session, web.principal, stage_id, data, clock=clock)
    return RedirectResponse("/admin/pipelines", status_code=SEE_OTHER)


@router.post("/pipelines/{pipeline_id}/stages")
def add_stage(
    session: SessionDep,
    clock: ClockDep,
    web: CsrfSession,
    pipeline_id: uuid.UUID,
    name: Annotated[str, Form()],
    probability_pct: Annotated[float, Form(ge=0, le=100)],
    category: Annotated[StageCategory, Form()],
    forecast_category: Annotated[ForecastCategory, Form()],
) -> Response:
    data = StageCreate(
        name=name,
        probability_bp=round(probability_pct * 100),
        category=category,
        forecast_category=forecast_category,
    )
    pipeline_admin.add_stage(session, web.principal, pipeline_id, data, clock=clock)
    return RedirectResponse("/admin/pipelines", status_code=SEE_OTHER)
