"""Accounts and contacts. Everyone may read them (organisation-wide read, as most CRMs set
accounts); writers change those they own or that belong to someone in their visibility; sales
ops and admins change any. Deleting is soft (``deleted_at``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account, Contact
from coxswain.accounts.schemas import (
    AccountFilters,
    AccountRead,
    AccountWrite,
    ContactRead,
    ContactWrite,
)
from coxswain.auth.listing import Page, PageParams, fetch_page, rows_as_dicts
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.records import (
    check_owner_writable,
    create_record,
    delete_record,
    load_record,
    update_record,
)
from coxswain.core.clock import Clock
from coxswain.core.errors import ValidationError

SORTABLE = {
    "name": Account.name,
    "employees": Account.employees,
    "created_at": Account.created_at,
    "annual_revenue_minor": Account.annual_revenue_minor,
}


ACCOUNT_COLUMNS = tuple(getattr(Account, name) for name in AccountRead.model_fields)


def list_account_rows(
    session: Session, actor: Principal, filters: AccountFilters, params: PageParams
) -> Page[dict[str, Any]]:
    """One page of accounts as plain rows shaped like :class:`AccountRead` (column select:
    no ORM identity map, no per-row model)."""
    actor.require(Permission.READ, "list accounts")
    stmt = select(*ACCOUNT_COLUMNS).where(Account.deleted_at.is_(None))
    if filters.q:
        q = filters.q.lower()
        stmt = stmt.where(
            or_(
                func.lower(Account.name).contains(q, autoescape=True),
                func.lower(Account.domain).contains(q, autoescape=True),
            )
        )
    for name in ("industry", "owner_id", "country"):
        if getattr(filters, name) is not None:
            stmt = stmt.where(getattr(Account, name) == getattr(filters, name))
    if filters.segment is not None:
        stmt = stmt.where(Account.segment == filters.segment.value)
    page = fetch_page(
        session, stmt, params, sortable=SORTABLE, default_sort="name", tie_breaker=Account.id
    )
    return Page(rows_as_dicts(page.items), page.limit, page.offset, page.has_more, page.total)


def list_accounts(
    session: Session, actor: Principal, filters: AccountFilters, params: PageParams
) -> Page[AccountRead]:
    page = list_account_rows(session, actor, filters, params)
    return Page(
        [AccountRead.model_validate(row) for row in page.items],
        page.limit,
        page.offset,
        page.has_more,
        page.total,
    )


def get_account(session: Session, actor: Principal, account_id: uuid.UUID) -> AccountRead:
    actor.require(Permission.READ, "read accounts")
    return AccountRead.model_validate(load_record(session, Account, account_id, "account"))


def create_account(
    session: Session, actor: Principal, data: AccountWrite, *, clock: Clock | None = None
) -> AccountRead:
    if not data.name:
        raise ValidationError("an account needs a name")
    values = data.model_dump()
    values["owner_id"] = data.owner_id or actor.user_id
    check_owner_writable(session, actor, values["owner_id"], "account")
    return AccountRead.model_validate(
        create_record(session, actor, Account, "account", values, clock=clock)
    )


def update_account(
    session: Session,
    actor: Principal,
    account_id: uuid.UUID,
    data: AccountWrite,
    *,
    clock: Clock | None = None,
) -> AccountRead:
    actor.require(Permission.WRITE_RECORDS, "change accounts")
    account = load_record(session, Account, account_id, "account")
    check_owner_writable(session, actor, account.owner_id, "account")
    changes = {k: getattr(data, k) for k in data.model_fields_set}
    if "owner_id" in changes:
        actor.require(Permission.REASSIGN, "reassign accounts")
        check_owner_writable(session, actor, changes["owner_id"], "account")
    if "name" in changes and not changes["name"]:
        raise ValidationError("an account needs a name")
    update_record(session, actor, account, "account", changes, clock=clock)
    return AccountRead.model_validate(account)


def delete_account(
    session: Session, actor: Principal, account_id: uuid.UUID, *, clock: Clock | None = None
) -> None:
    actor.require(Permission.DELETE_RECORDS, "delete accounts")
    account = load_record(session, Account, account_id, "account")
    check_owner_writable(session, actor, account.owner_id, "account")
    delete_record(session, actor, account, "account", clock=clock)


def list_contacts(
    session: Session,
    actor: Principal,
    params: PageParams,
    *,
    account_id: uuid.UUID | None = None,
    q: str | None = None,
) -> Page[ContactRead]:
    actor.require(Permission.READ, "list contacts")
    stmt = select(Contact).where(Contact.deleted_at.is_(None))
    if account_id is not None:
        stmt = stmt.where(Contact.account_id == account_id)
    if q:
        stmt = stmt.where(
            or_(
                func.lower(Contact.last_name).contains(q.lower(), autoescape=True),
                func.lower(Contact.email).contains(q.lower(), autoescape=True),
            )
        )
    page = fetch_page(
        session,
        stmt,
        params,
        sortable={"last_name": Contact.last_name},
        default_sort="last_name",
        tie_breaker=Contact.id,
    )
    return Page(
        [ContactRead.model_validate(r[0]) for r in page.items],
        page.limit,
        page.offset,
        page.has_more,
        page.total,
    )


def get_contact(session: Session, actor: Principal, contact_id: uuid.UUID) -> ContactRead:
    actor.require(Permission.READ, "read contacts")
    return ContactRead.model_validate(load_record(session, Contact, contact_id, "contact"))


def create_contact(
    session: Session, actor: Principal, data: ContactWrite, *, clock: Clock | None = None
) -> ContactRead:
    if not data.last_name:
        raise ValidationError("a contact needs a last name")
    if data.account_id is not None:
        load_record(session, Account, data.account_id, "account")
    values = data.model_dump()
    values["owner_id"] = data.owner_id or actor.user_id
    check_owner_writable(session, actor, values["owner_id"], "contact")
    return ContactRead.model_validate(
        create_record(session, actor, Contact, "contact", values, clock=clock)
    )


def update_contact(
    session: Session,
    actor: Principal,
    contact_id: uuid.UUID,
    data: ContactWrite,
    *,
    clock: Clock | None = None,
) -> ContactRead:
    actor.require(Permission.WRITE_RECORDS, "change contacts")
    contact = load_record(session, Contact, contact_id, "contact")
    check_owner_writable(session, actor, contact.owner_id, "contact")
    changes = {k: getattr(data, k) for k in data.model_fields_set}
    if "last_name" in changes and not changes["last_name"]:
        raise ValidationError("a contact needs a last name")
    if changes.get("account_id") is not None:
        load_record(session, Account, changes["account_id"], "account")
    if "owner_id" in changes:
        check_owner_writable(session, actor, changes["owner_id"], "contact")
    update_record(session, actor, contact, "contact", changes, clock=clock)
    return ContactRead.model_validate(contact)


def delete_contact(
    session: Session, actor: Principal, contact_id: uuid.UUID, *, clock: Clock | None = None
) -> None:
    actor.require(Permission.DELETE_RECORDS, "delete contacts")
    contact = load_record(session, Contact, contact_id, "contact")
    check_owner_writable(session, actor, contact.owner_id, "contact")
    delete_record(session, actor, contact, "contact", clock=clock)
