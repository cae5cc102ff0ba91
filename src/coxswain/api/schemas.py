"""API envelopes: a page of items and the error body."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Response
from pydantic import BaseModel
from pydantic_core import to_json

from coxswain.auth.listing import Page

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    """One page: ``has_more`` says whether ``offset + limit`` has more rows; ``total`` only
    when ``with_total=true`` was asked."""

    items: list[T]
    limit: int
    offset: int
    has_more: bool
    total: int | None = None

    @classmethod
    def of(cls, page: Page[T]) -> PageOut[T]:
        return cls(
            items=page.items,
            limit=page.limit,
            offset=page.offset,
            has_more=page.has_more,
            total=page.total,
        )


def json_page(page: Page[dict[str, Any]]) -> Response:
    """A page of plain rows (dicts shaped like the route's item model, see the services'
    ``list_*_rows``) serialized straight to JSON, as :class:`PageOut` would serialize it:
    validating each row through the item model first cost more than running the query."""
    body = {
        "items": page.items,
        "limit": page.limit,
        "offset": page.offset,
        "has_more": page.has_more,
        "total": page.total,
    }
    return Response(content=to_json(body), media_type="application/json")


def json_body(data: Any) -> Response:
    """Plain JSON data (dicts, lists, numbers, strings, dates) serialized once by pydantic-core:
    returning it from a route instead runs FastAPI's ``jsonable_encoder`` over every value,
    which was a third of a cached ``/kpis`` request's CPU."""
    return Response(content=to_json(data), media_type="application/json")


def json_response(model: BaseModel) -> Response:
    """Serialize once with pydantic-core (the route's ``response_model`` still documents it);
    FastAPI would otherwise validate every item again before encoding."""
    return Response(content=model.model_dump_json(), media_type="application/json")


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "No valid bearer token"},
    403: {"model": ErrorOut, "description": "The role or token scope does not allow this"},
    404: {"model": ErrorOut, "description": "Not found, or not visible to the caller"},
}
