"""Listing what a caller may see: pagination, sorting and the page envelope.

Every list service builds a filtered, visibility-restricted ``select`` and hands it to
:func:`fetch_page`, so paging and sorting behave the same for every entity and adapter.
Pages are offset-based with ``limit + 1`` rows fetched to know whether more exist; the total is
counted only when asked for (counting a million rows on every page view is not free).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from coxswain.core.errors import ValidationError

T = TypeVar("T")
MAX_LIMIT = 200


class PageParams(BaseModel):
    """``limit`` rows from ``offset``; ``sort`` is ``field`` or ``-field`` (descending), comma-
    separated for ties; ``with_total`` also counts every matching row."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)
    sort: str | None = Field(None, max_length=200)
    with_total: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    limit: int
    offset: int
    has_more: bool
    total: int | None = None


def sort_fields(
    sort: str | None, sortable: Mapping[str, Any], default: str
) -> list[tuple[str, bool]]:
    """``(field, descending)`` pairs for ``sort`` (``-`` prefix descending).

    Raises:
        ValidationError: a field that is not sortable (the message lists those that are).
    """
    fields: list[tuple[str, bool]] = []
    for part in (sort or default).split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+")
        if name not in sortable:
            allowed = ", ".join(sorted(sortable))
            raise ValidationError(f"cannot sort by {name!r}: expected one of {allowed}")
        fields.append((name, descending))
    return fields


def order_by_clauses(
    sort: str | None, sortable: Mapping[str, Any], default: str
) -> list[ColumnElement[Any]]:
    """ORDER BY clauses for ``sort`` (``-`` prefix descending).

    Raises:
        ValidationError: a field that is not sortable (the message lists those that are).
    """
    return [
        _ordered(sortable[name], descending, is_nullable(sortable[name]))
        for name, descending in sort_fields(sort, sortable, default)
    ]


def is_nullable(column: Any) -> bool:
    """Whether an ORM attribute's column may hold NULL (False for anything else)."""
    nullable = getattr(getattr(column, "property", None), "columns", [None])[0]
    return nullable is not None and bool(getattr(nullable, "nullable", False))


def ordered_like(column: Any, descending: bool, nullable: bool) -> ColumnElement[Any]:
    """``column`` ordered as :func:`order_by_clauses` orders a column of that nullability (for
    the columns of a subquery, which carry no ORM attribute to tell)."""
    return _ordered(column, descending, nullable)


def _ordered(column: Any, descending: bool, nullable: bool) -> ColumnElement[Any]:
    """Empty values last for nullable columns; plain order otherwise, so that an index on the
    column (the primary key, a foreign key) can serve ``ORDER BY ... LIMIT`` without a sort."""
    clause: ColumnElement[Any] = column.desc() if descending else column.asc()
    return clause.nulls_last() if nullable else clause


def rows_as_dicts(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Rows of a column select as plain dicts keyed by their labels, in select order.

    The labels are read once per page: ``row._mapping`` per row rebuilds its key view, which
    costs more than copying the values.
    """
    if not rows:
        return []
    keys = rows[0]._fields
    return [dict(zip(keys, row, strict=True)) for row in rows]


def fetch_page(
    session: Session,
    stmt: Any,
    params: PageParams,
    *,
    sortable: Mapping[str, Any],
    default_sort: str,
    tie_breaker: Any,
) -> Page[Any]:
    """Run ``stmt`` for one page; rows come back as SQLAlchemy ``Row`` objects."""
    ordered = stmt.order_by(
        *order_by_clauses(params.sort, sortable, default_sort), tie_breaker.desc()
    )
    rows: Sequence[Any] = session.execute(
        ordered.limit(params.limit + 1).offset(params.offset)
    ).all()
    total = None
    if params.with_total:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return Page(
        items=list(rows[: params.limit]),
        limit=params.limit,
        offset=params.offset,
        has_more=len(rows) > params.limit,
        total=total,
    )
