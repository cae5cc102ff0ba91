"""API envelopes: a page of items and the error body."""

from __future__ import annotations

from typing import Generic, TypeVar

from fastapi import Response
from pydantic import BaseModel

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
