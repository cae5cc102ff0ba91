"""``/accounts`` and ``/contacts``: CRUD (everyone reads; owners, their managers and ops write)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from coxswain.accounts import service
from coxswain.accounts.schemas import (
    AccountFilters,
    AccountRead,
    AccountWrite,
    ContactRead,
    ContactWrite,
)
from coxswain.api.deps import ClockDep, CurrentUser, SessionDep
from coxswain.api.errors import CREATED, NO_CONTENT
from coxswain.api.schemas import ERROR_RESPONSES, PageOut, json_page, json_response
from coxswain.api.v1.audit import AuditEventOut, audit_of
from coxswain.auth.listing import PageParams

router = APIRouter(tags=["accounts"], responses=ERROR_RESPONSES)


class AccountQuery(AccountFilters, PageParams):
    """Filters, sorting and paging in one query model."""


@router.get("/accounts", response_model=PageOut[AccountRead])
def list_accounts(
    session: SessionDep, user: CurrentUser, query: Annotated[AccountQuery, Query()]
) -> Response:
    filters = AccountFilters(**query.model_dump(include=set(AccountFilters.model_fields)))
    params = PageParams(**query.model_dump(include=set(PageParams.model_fields)))
    return json_page(service.list_account_rows(session, user, filters, params))


@router.post("/accounts", response_model=AccountRead, status_code=CREATED)
def create_account(
    session: SessionDep, user: CurrentUser, clock: ClockDep, data: AccountWrite
) -> AccountRead:
    return service.create_account(session, user, data, clock=clock)


@router.get("/accounts/{account_id}", response_model=AccountRead)
def get_account(session: SessionDep, user: CurrentUser, account_id: uuid.UUID) -> AccountRead:
    return service.get_account(session, user, account_id)


@router.patch("/accounts/{account_id}", response_model=AccountRead)
def update_account(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    account_id: uuid.UUID,
    data: AccountWrite,
) -> AccountRead:
    return service.update_account(session, user, account_id, data, clock=clock)


@router.delete("/accounts/{account_id}", status_code=NO_CONTENT)
def delete_account(
    session: SessionDep, user: CurrentUser, clock: ClockDep, account_id: uuid.UUID
) -> None:
    service.delete_account(session, user, account_id, clock=clock)


@router.get("/accounts/{account_id}/audit", response_model=list[AuditEventOut])
def account_audit(
    session: SessionDep, user: CurrentUser, account_id: uuid.UUID
) -> list[AuditEventOut]:
    service.get_account(session, user, account_id)
    return audit_of(session, "account", account_id)


@router.get("/contacts", response_model=PageOut[ContactRead])
def list_contacts(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[PageParams, Query()],
) -> Response:
    return json_response(PageOut.of(service.list_contacts(session, user, params)))


@router.post("/contacts", response_model=ContactRead, status_code=CREATED)
def create_contact(
    session: SessionDep, user: CurrentUser, clock: ClockDep, data: ContactWrite
) -> ContactRead:
    return service.create_contact(session, user, data, clock=clock)


@router.get("/contacts/{contact_id}", response_model=ContactRead)
def get_contact(session: SessionDep, user: CurrentUser, contact_id: uuid.UUID) -> ContactRead:
    return service.get_contact(session, user, contact_id)


@router.patch("/contacts/{contact_id}", response_model=ContactRead)
def update_contact(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    contact_id: uuid.UUID,
    data: ContactWrite,
) -> ContactRead:
    return service.update_contact(session, user, contact_id, data, clock=clock)


@router.delete("/contacts/{contact_id}", status_code=NO_CONTENT)
def delete_contact(
    session: SessionDep, user: CurrentUser, clock: ClockDep, contact_id: uuid.UUID
) -> None:
    service.delete_contact(session, user, contact_id, clock=clock)
