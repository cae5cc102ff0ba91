"""PostgreSQL: store one routing decision in one statement (data-modifying CTEs).

Routing a lead writes up to seven rows (retire the previous decision, the decision, the
ownership change, the audit event, the lead's owner, the pool counter, the members' turns).
On PostgreSQL each statement is a round trip to another process, and on a busy machine each
round trip waits to be scheduled; sending the writes as one statement cuts routing latency
markedly. All parts see the same snapshot, which is what we want: the retiring ``UPDATE``
cannot see the decision being inserted. SQLite runs in-process and keeps the plain statements.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Uuid, bindparam, func, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from coxswain.audit.models import AuditEvent, OwnershipChange
from coxswain.core.ids import new_id
from coxswain.leads.models import Lead
from coxswain.routing import pg_direct
from coxswain.routing.models import RoutingDecision, RoutingPoolMember, RoutingPoolState
from coxswain.routing.pool_rows import MemberRow, PoolRow
from coxswain.routing.repository import LeadRow


def write_decision(
    session: Session,
    *,
    values: dict[str, Any],
    lead: LeadRow | None,
    retire: bool,
    owner_rows: tuple[dict[str, Any], dict[str, Any]] | None,
    pool: PoolRow | None,
    members: list[MemberRow],
) -> None:
    """Everything :func:`coxswain.routing.persistence.record_decision` writes, one statement.

    Args:
        values: the ``routing_decisions`` row.
        lead: the routed lead (None for a file lead).
        retire: mark the lead's current decision(s) not current.
        owner_rows: the ``ownership_changes`` and ``audit_events`` rows when the owner changes.
        pool: the pool counter to store (None when the decision used no rotation).
        members: member rows whose turn or credit changed (inserted or updated).
    """
    retire = retire and lead is not None
    owner = owner_rows is not None and lead is not None
    params = _row_params(RoutingDecision, "d_", values)
    if retire and lead is not None:
        params["r_lead"] = lead.id
    if owner and owner_rows is not None:
        change, audit = owner_rows
        params.update(_row_params(OwnershipChange, "o_", change))
        params.update(_row_params(AuditEvent, "a_", audit))
    if pool is not None:
        params.update(p_id=pool.id, p_sequence=pool.sequence, p_at=values["decided_at"])
    params.update(_member_params(members))
    pg_direct.execute(session, _direct(retire, owner, pool is not None, bool(members)), params)


def _row_params(model: Any, prefix: str, row: dict[str, Any]) -> dict[str, Any]:
    """Parameters for every column of ``model`` (absent ones NULL: the shape never varies)."""
    return {f"{prefix}{name}": row.get(name) for name in _column_names(model)}


@lru_cache(maxsize=8)
def _column_names(model: Any) -> tuple[str, ...]:
    return tuple(column.name for column in model.__table__.columns)


def _binds(model: Any, prefix: str) -> dict[str, Any]:
    """``column → bindparam(prefix + column)`` for every column of ``model``'s table."""
    return {
        column.name: bindparam(f"{prefix}{column.name}", type_=column.type)
        for column in model.__table__.columns
    }


@lru_cache(maxsize=16)
def _direct(retire: bool, owner: bool, pool: bool, members: bool) -> pg_direct.DirectStatement:
    """:func:`_statement` compiled once for the driver (see :mod:`pg_direct`)."""
    return pg_direct.prepare(_statement(retire, owner, pool, members))


def _statement(retire: bool, owner: bool, pool: bool, members: bool) -> Any:
    """The write statement for one combination of parts, built once (cached compiled SQL)."""
    parts: list[Any] = []
    if retire:
        parts.append(
            update(RoutingDecision)
            .where(RoutingDecision.lead_id == bindparam("r_lead"))
            .where(RoutingDecision.is_current.is_(True))
            .values(is_current=False)
            .cte("retired")
        )
    parts.append(pg_insert(RoutingDecision).values(_binds(RoutingDecision, "d_")).cte("decision"))
    if owner:
        parts.append(
            pg_insert(OwnershipChange).values(_binds(OwnershipChange, "o_")).cte("owner_change")
        )
        parts.append(pg_insert(AuditEvent).values(_binds(AuditEvent, "a_")).cte("audit"))
        parts.append(
            update(Lead)
            .where(Lead.id == bindparam("o_entity_id"))
            .values(owner_id=bindparam("o_to_user_id"), updated_at=bindparam("o_changed_at"))
            .cte("lead_owner")
        )
    if pool:
        parts.append(
            update(RoutingPoolState)
            .where(RoutingPoolState.id == bindparam("p_id"))
            .values(sequence=bindparam("p_sequence"), updated_at=bindparam("p_at"))
            .cte("pool")
        )
    return (_UPSERT_MEMBERS if members else _NOTHING).add_cte(*parts)


def _member_params(members: list[MemberRow]) -> dict[str, Any]:
    """The members' arrays for the upsert (``unnest``: the statement's shape, and its
    compiled SQL in SQLAlchemy's cache, does not depend on how many members changed)."""
    if not members:
        return {}
    for member in members:
        if member.id is None:
            member.id = new_id()
    return {
        "m_ids": [m.id for m in members],
        "m_pools": [m.pool_name for m in members],
        "m_users": [m.user_id for m in members],
        "m_last": [m.last_sequence for m in members],
        "m_credit": [m.credit for m in members],
        "m_count": [m.assignments for m in members],
    }


_NOTHING = select(literal(1))
_ROWS = (
    func.unnest(
        bindparam("m_ids", type_=ARRAY(Uuid)),
        bindparam("m_pools", type_=ARRAY(String)),
        bindparam("m_users", type_=ARRAY(Uuid)),
        bindparam("m_last", type_=ARRAY(BigInteger)),
        bindparam("m_credit", type_=ARRAY(Integer)),
        bindparam("m_count", type_=ARRAY(Integer)),
    )
    .table_valued("id", "pool_name", "user_id", "last_sequence", "credit", "assignments")
    .render_derived(name="member_rows")
)
_INSERT_MEMBERS = pg_insert(RoutingPoolMember).from_select(
    ["id", "pool_name", "user_id", "last_sequence", "credit", "assignments"],
    select(
        _ROWS.c.id, _ROWS.c.pool_name, _ROWS.c.user_id, _ROWS.c.last_sequence,
        _ROWS.c.credit, _ROWS.c.assignments,
    ),
)  # fmt: skip
_UPSERT_MEMBERS = _INSERT_MEMBERS.on_conflict_do_update(
    index_elements=["pool_name", "user_id"],
    set_={
        "last_sequence": _INSERT_MEMBERS.excluded.last_sequence,
        "credit": _INSERT_MEMBERS.excluded.credit,
        "assignments": _INSERT_MEMBERS.excluded.assignments,
    },
)
