"""Listing opportunities: one page of the deals a caller may see, as plain rows.

The rows are dicts keyed by :class:`OpportunityRead`'s fields, in that order, holding the
values the model would hold; the API serializes them straight to JSON (validating 50 rows
through the model again cost more than running the query).

A manager sees the deals of a few dozen owners. ``owner_id IN (...) ORDER BY id DESC LIMIT 51``
makes PostgreSQL walk the primary key backwards past every other owner's deals (2,054 pages
read for a manager of ten reps on 1M deals), or fetch all of those owners' deals and sort them.
Instead, :func:`list_opportunity_rows` reads each visible owner's first ``offset + limit + 1``
deals in the page's order (the ``(owner_id, id)`` index serves the default order) and merges
them (``UNION ALL`` ordered the same way outside: PostgreSQL's Merge Append then reads about
``limit`` + one row per owner; 93 pages in the same case). Same rows in the same order: the
page order is total (``id`` breaks ties), so the first N rows of all the owners' deals are the
first N of the union of each owner's first N.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Uuid, bindparam, func, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from coxswain.accounts.models import Account
from coxswain.auth.listing import (
    Page,
    PageParams,
    fetch_page,
    is_nullable,
    ordered_like,
    rows_as_dicts,
    sort_fields,
)
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.visibility import visibility_for
from coxswain.opportunities.models import Opportunity, Stage
from coxswain.opportunities.schemas import OpportunityFilters, OpportunityRead
from coxswain.people.models import User
from coxswain.people.service import team_member_ids

SORTABLE = {
    "id": Opportunity.id,
    "name": Opportunity.name,
    "amount_minor": Opportunity.amount_minor,
    "opened_on": Opportunity.opened_on,
    "closed_on": Opportunity.closed_on,
    "expected_close_on": Opportunity.expected_close_on,
    "created_at": Opportunity.created_at,
    "updated_at": Opportunity.updated_at,
}
DEFAULT_SORT = "-id"
MERGE_MAX_OWNERS = 64
"""More visible owners than this: one query over all of them (planning 64 branches already
costs about what the merge saves)."""
MERGE_MAX_ROWS = 5_000
"""At most this many rows read by the per-owner branches together (deep pages: one query)."""

_owner = aliased(User, name="owner")
_JOINED: dict[str, Any] = {
    "owner_name": _owner.full_name,
    "stage_name": Stage.name,
    "account_name": Account.name,
}
READ_FIELDS = tuple(OpportunityRead.model_fields)


@cache
def base_query() -> Any:
    """Plain columns named and ordered like :class:`OpportunityRead` (no ORM identity map).

    Built once: a statement is immutable (``where``/``join`` return new ones), and building
    this one costs about as much as compiling it."""
    columns = [
        _JOINED[name].label(name) if name in _JOINED else getattr(Opportunity, name)
        for name in READ_FIELDS
    ]
    return (
        select(*columns)
        .outerjoin(_owner, _owner.id == Opportunity.owner_id)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .where(Opportunity.deleted_at.is_(None))
    )


def filter_clauses(session: Session, filters: OpportunityFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``filters`` over ``Opportunity`` (a segment reads ``Account``)."""
    clauses: list[ColumnElement[bool]] = []
    simple = {
        "owner_id": Opportunity.owner_id,
        "account_id": Opportunity.account_id,
        "pipeline_id": Opportunity.pipeline_id,
        "stage_id": Opportunity.stage_id,
        "status": Opportunity.status,
        "forecast_category": Opportunity.forecast_category,
    }
    for name, column in simple.items():
        value = getattr(filters, name)
        if value is not None:
            clauses.append(column == (value.value if hasattr(value, "value") else value))
    if filters.q:
        clauses.append(func.lower(Opportunity.name).contains(filters.q.lower(), autoescape=True))
    if filters.team_id is not None:
        members = sorted(team_member_ids(session, filters.team_id))
        clauses.append(Opportunity.owner_id.in_(members))
    if filters.segment is not None:
        segment_accounts = select(Account.id).where(Account.segment == filters.segment.value)
        clauses.append(Opportunity.account_id.in_(segment_accounts))
    ranges: tuple[tuple[Any, Any, Any], ...] = (
        (Opportunity.expected_close_on, filters.expected_close_from, filters.expected_close_to),
        (Opportunity.closed_on, filters.closed_from, filters.closed_to),
        (Opportunity.amount_minor, filters.min_amount_minor, filters.max_amount_minor),
    )
    for column, low, high in ranges:
        if low is not None:
            clauses.append(column >= low)
        if high is not None:
            clauses.append(column <= high)
    return clauses


def list_opportunity_rows(
    session: Session,
    actor: Principal,
    filters: OpportunityFilters,
    params: PageParams,
    *,
    merge: bool = True,
) -> Page[dict[str, Any]]:
    """One page of the opportunities ``actor`` may see, filtered and sorted (default newest),
    as rows shaped like :class:`OpportunityRead`. ``merge=False`` forces the single query
    (the reference the per-owner merge is tested against)."""
    actor.require(Permission.READ, "list opportunities")
    visibility = visibility_for(session, actor)
    wheres = filter_clauses(session, filters)
    stmt = base_query().where(*wheres, visibility.clause(Opportunity.owner_id))
    owners = sorted(visibility.owner_ids)
    depth = params.offset + params.limit + 1
    if (
        merge
        and session.get_bind().dialect.name == "postgresql"
        and not visibility.everything
        and filters.owner_id is None
        and 2 <= len(owners) <= MERGE_MAX_OWNERS
        and depth * len(owners) <= MERGE_MAX_ROWS
    ):
        return _merged_page(session, wheres, stmt, owners, params)
    page = fetch_page(
        session,
        stmt,
        params,
        sortable=SORTABLE,
        default_sort=DEFAULT_SORT,
        tie_breaker=Opportunity.id,
    )
    return Page(rows_as_dicts(page.items), page.limit, page.offset, page.has_more, page.total)


def _merged_page(
    session: Session,
    wheres: list[ColumnElement[bool]],
    stmt: Any,
    owners: list[Any],
    params: PageParams,
) -> Page[dict[str, Any]]:
    """The page as the merge of each owner's first ``offset + limit + 1`` deals."""
    fields = tuple(sort_fields(params.sort, SORTABLE, DEFAULT_SORT))
    merged = _merged_statement(fields, tuple(wheres)) if wheres else _unfiltered_merge(fields)
    rows = session.execute(
        merged,
        {
            "visible_owners": owners,
            "owner_depth": params.offset + params.limit + 1,
            "page_limit": params.limit + 1,
            "page_offset": params.offset,
        },
    ).all()
    total = None
    if params.with_total:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = rows_as_dicts(rows[: params.limit])
    return Page(items, params.limit, params.offset, len(rows) > params.limit, total)


@lru_cache(maxsize=64)
def _unfiltered_merge(fields: tuple[tuple[str, bool], ...]) -> Any:
    """The merge without filters, built once per sort (building it costs about as much as
    compiling it); the owners, depth and page are bound parameters."""
    return _merged_statement(fields, ())


def _merged_statement(
    fields: tuple[tuple[str, bool], ...], wheres: tuple[ColumnElement[bool], ...]
) -> Any:
    """PostgreSQL: one ``LATERAL`` branch per element of the ``visible_owners`` array (the
    statement's size and text do not depend on how many owners: compiled and planned once).
    The branch reads ids and sort keys only; the owner, stage and account names are joined
    to the page's rows alone."""
    keys = [SORTABLE[name] for name in dict.fromkeys(name for name, _ in fields) if name != "id"]

    def order(columns: Any) -> list[Any]:
        clauses = [
            ordered_like(columns[name], descending, is_nullable(SORTABLE[name]))
            for name, descending in fields
        ]
        return [*clauses, columns["id"].desc()]

    visible = (
        func.unnest(bindparam("visible_owners", type_=postgresql.ARRAY(Uuid())))
        .table_valued("owner_id")
        .render_derived(name="visible_owner")
    )
    branch = (
        select(Opportunity.id, *keys)
        .where(Opportunity.owner_id == visible.c.owner_id)
        .where(Opportunity.deleted_at.is_(None), *wheres)
        .order_by(*order(SORTABLE))
        .limit(bindparam("owner_depth", type_=Integer()))
        .lateral("owner_page")
    )
    page_ids = (
        select(branch)
        .select_from(visible)
        .join(branch, true())
        .order_by(*order(branch.c))
        .limit(bindparam("page_limit", type_=Integer()))
        .offset(bindparam("page_offset", type_=Integer()))
        .subquery("page_ids")
    )
    return base_query().join(page_ids, page_ids.c.id == Opportunity.id).order_by(*order(SORTABLE))
