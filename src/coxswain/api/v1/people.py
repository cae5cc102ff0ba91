"""``/users`` and ``/teams``: the directory (everyone reads), administered by admins / ops."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from coxswain.api.deps import ClockDep, CurrentUser, SessionDep
from coxswain.api.errors import CREATED, NO_CONTENT
from coxswain.api.schemas import ERROR_RESPONSES, PageOut, json_page
from coxswain.api.v1.audit import AuditEventOut, audit_of
from coxswain.auth.listing import PageParams
from coxswain.people import service
from coxswain.people.schemas import (
    PasswordChange,
    TeamCreate,
    TeamRead,
    TeamUpdate,
    UserCreate,
    UserFilters,
    UserRead,
    UserUpdate,
)

router = APIRouter(tags=["people"], responses=ERROR_RESPONSES)


class UserQuery(UserFilters, PageParams):
    """Filters, sorting and paging in one query model."""


@router.get("/users", response_model=PageOut[UserRead])
def list_users(
    session: SessionDep, user: CurrentUser, query: Annotated[UserQuery, Query()]
) -> Response:
    filters = UserFilters(**query.model_dump(include=set(UserFilters.model_fields)))
    params = PageParams(**query.model_dump(include=set(PageParams.model_fields)))
    return json_page(service.list_user_rows(session, user, filters, params))


@router.post("/users", response_model=UserRead, status_code=CREATED)
def create_user(
    session: SessionDep, user: CurrentUser, clock: ClockDep, data: UserCreate
) -> UserRead:
    """Create a user (admins)."""
    return service.create_user(session, user, data, clock=clock)


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(session: SessionDep, user: CurrentUser, user_id: uuid.UUID) -> UserRead:
    return service.get_user(session, user, user_id)


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(
    session: SessionDep, user: CurrentUser, clock: ClockDep, user_id: uuid.UUID, data: UserUpdate
) -> UserRead:
    """Change a user (admins); deactivating ends their sessions and revokes their tokens."""
    return service.update_user(session, user, user_id, data, clock=clock)


@router.put("/users/{user_id}/password", status_code=NO_CONTENT)
def set_password(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    user_id: uuid.UUID,
    data: PasswordChange,
) -> None:
    """Set a password (your own, or anyone's for an admin); ends that user's web sessions."""
    service.set_password(session, user, user_id, data.password, clock=clock)


@router.get("/users/{user_id}/audit", response_model=list[AuditEventOut])
def user_audit(session: SessionDep, user: CurrentUser, user_id: uuid.UUID) -> list[AuditEventOut]:
    service.get_user(session, user, user_id)
    return audit_of(session, "user", user_id)


@router.get("/teams", response_model=list[TeamRead])
def list_teams(session: SessionDep, user: CurrentUser) -> list[TeamRead]:
    return service.list_teams(session, user)


@router.post("/teams", response_model=TeamRead, status_code=CREATED)
def create_team(
    session: SessionDep, user: CurrentUser, clock: ClockDep, data: TeamCreate
) -> TeamRead:
    return service.create_team(session, user, data, clock=clock)


@router.patch("/teams/{team_id}", response_model=TeamRead)
def update_team(
    session: SessionDep, user: CurrentUser, clock: ClockDep, team_id: uuid.UUID, data: TeamUpdate
) -> TeamRead:
    return service.update_team(session, user, team_id, data, clock=clock)
