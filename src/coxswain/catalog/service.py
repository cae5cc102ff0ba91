"""Products: everyone reads the catalogue; sales ops and admins change it."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.auth.listing import Page, PageParams, fetch_page
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.records import create_record, delete_record, load_record, update_record
from coxswain.catalog.models import Product
from coxswain.catalog.schemas import ProductRead, ProductWrite
from coxswain.core.clock import Clock
from coxswain.core.errors import ConflictError, ValidationError

SORTABLE = {"name": Product.name, "family": Product.family, "created_at": Product.created_at}


def list_products(
    session: Session,
    actor: Principal,
    params: PageParams,
    *,
    q: str | None = None,
    active: bool | None = None,
) -> Page[ProductRead]:
    actor.require(Permission.READ, "list products")
    stmt = select(Product).where(Product.deleted_at.is_(None))
    if q:
        stmt = stmt.where(func.lower(Product.name).contains(q.lower(), autoescape=True))
    if active is not None:
        stmt = stmt.where(Product.is_active.is_(active))
    page = fetch_page(
        session, stmt, params, sortable=SORTABLE, default_sort="name", tie_breaker=Product.id
    )
    return Page(
        [ProductRead.model_validate(r[0]) for r in page.items],
        page.limit,
        page.offset,
        page.has_more,
        page.total,
    )


def get_product(session: Session, actor: Principal, product_id: uuid.UUID) -> ProductRead:
    actor.require(Permission.READ, "read products")
    return ProductRead.model_validate(load_record(session, Product, product_id, "product"))


def _check_name(session: Session, name: str | None, product_id: uuid.UUID | None) -> None:
    if name is None:
        return
    clash = session.scalar(select(Product.id).where(func.lower(Product.name) == name.lower()))
    if clash is not None and clash != product_id:
        raise ConflictError(f"a product named {name!r} already exists")


def create_product(
    session: Session, actor: Principal, data: ProductWrite, *, clock: Clock | None = None
) -> ProductRead:
    if not data.name:
        raise ValidationError("a product needs a name")
    _check_name(session, data.name, None)
    values = {k: v for k, v in data.model_dump().items() if v is not None}
    product = create_record(
        session, actor, Product, "product", values, permission=Permission.CONFIGURE, clock=clock
    )
    return ProductRead.model_validate(product)


def update_product(
    session: Session,
    actor: Principal,
    product_id: uuid.UUID,
    data: ProductWrite,
    *,
    clock: Clock | None = None,
) -> ProductRead:
    actor.require(Permission.CONFIGURE, "change products")
    product = load_record(session, Product, product_id, "product")
    changes = {k: getattr(data, k) for k in data.model_fields_set}
    if any(changes.get(k) is None for k in ("name", "is_recurring", "is_active") if k in changes):
        raise ValidationError("name, is_recurring and is_active cannot be null")
    _check_name(session, changes.get("name"), product_id)
    update_record(session, actor, product, "product", changes, clock=clock)
    return ProductRead.model_validate(product)


def delete_product(
    session: Session, actor: Principal, product_id: uuid.UUID, *, clock: Clock | None = None
) -> None:
    actor.require(Permission.CONFIGURE, "delete products")
    delete_record(
        session, actor, load_record(session, Product, product_id, "product"), "product", clock=clock
    )
