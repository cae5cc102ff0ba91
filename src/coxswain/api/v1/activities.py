"""``/activities`` and ``/products``: activity log and product catalogue CRUD."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from coxswain.activities import service
from coxswain.activities.schemas import ActivityFilters, ActivityRead, ActivityWrite
from coxswain.api.deps import ClockDep, CurrentUser, SessionDep
from coxswain.api.errors import CREATED, NO_CONTENT
from coxswain.api.schemas import ERROR_RESPONSES, PageOut, json_response
from coxswain.auth.listing import PageParams
from coxswain.catalog import service as catalog
from coxswain.catalog.schemas import ProductRead, ProductWrite

router = APIRouter(responses=ERROR_RESPONSES)


class ActivityQuery(ActivityFilters, PageParams):
    """Filters, sorting and paging in one query model."""


@router.get("/activities", response_model=PageOut[ActivityRead], tags=["activities"])
def list_activities(
    session: SessionDep, user: CurrentUser, query: Annotated[ActivityQuery, Query()]
) -> Response:
    filters = ActivityFilters(**query.model_dump(include=set(ActivityFilters.model_fields)))
    params = PageParams(**query.model_dump(include=set(PageParams.model_fields)))
    return json_response(PageOut.of(service.list_activities(session, user, filters, params)))


@router.post("/activities", response_model=ActivityRead, status_code=CREATED, tags=["activities"])
def log_activity(
    session: SessionDep, user: CurrentUser, clock: ClockDep, data: ActivityWrite
) -> ActivityRead:
    return service.log_activity(session, user, data, clock=clock)


@router.get("/activities/{activity_id}", response_model=ActivityRead, tags=["activities"])
def get_activity(session: SessionDep, user: CurrentUser, activity_id: uuid.UUID) -> ActivityRead:
    return service.get_activity(session, user, activity_id)


@router.patch("/activities/{activity_id}", response_model=ActivityRead, tags=["activities"])
def update_activity(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    activity_id: uuid.UUID,
    data: ActivityWrite,
) -> ActivityRead:
    return service.update_activity(session, user, activity_id, data, clock=clock)


@router.delete("/activities/{activity_id}", status_code=NO_CONTENT, tags=["activities"])
def delete_activity(
    session: SessionDep, user: CurrentUser, clock: ClockDep, activity_id: uuid.UUID
) -> None:
    service.delete_activity(session, user, activity_id, clock=clock)


@router.get("/products", response_model=PageOut[ProductRead], tags=["catalog"])
def list_products(
    session: SessionDep,
    user: CurrentUser,
    params: Annotated[PageParams, Query()],
) -> Response:
    return json_response(PageOut.of(catalog.list_products(session, user, params)))


@router.post("/products", response_model=ProductRead, status_code=CREATED, tags=["catalog"])
def create_product(
    session: SessionDep, user: CurrentUser, clock: ClockDep, data: ProductWrite
) -> ProductRead:
    return catalog.create_product(session, user, data, clock=clock)


@router.get("/products/{product_id}", response_model=ProductRead, tags=["catalog"])
def get_product(session: SessionDep, user: CurrentUser, product_id: uuid.UUID) -> ProductRead:
    return catalog.get_product(session, user, product_id)


@router.patch("/products/{product_id}", response_model=ProductRead, tags=["catalog"])
def update_product(
    session: SessionDep,
    user: CurrentUser,
    clock: ClockDep,
    product_id: uuid.UUID,
    data: ProductWrite,
) -> ProductRead:
    return catalog.update_product(session, user, product_id, data, clock=clock)


@router.delete("/products/{product_id}", status_code=NO_CONTENT, tags=["catalog"])
def delete_product(
    session: SessionDep, user: CurrentUser, clock: ClockDep, product_id: uuid.UUID
) -> None:
    catalog.delete_product(session, user, product_id, clock=clock)
