"""Pool rotation rows: each pool's state row (the lock row and its assignment counter) and its
members' turns and credits. Never commits.

Serialisation: routing a lead locks the state rows of the pools it uses (``SELECT ... FOR
UPDATE`` on PostgreSQL, in pool-name order so two workers never deadlock; SQLite serialises
writers with its database lock, see :func:`coxswain.routing.repository.take_write_lock`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from coxswain.core.ids import new_id
from coxswain.db.engine import is_sqlite
from coxswain.routing.engine.state import Rotation
from coxswain.routing.models import RoutingPoolMember, RoutingPoolState


@dataclass(slots=True)
class PoolRow:
    """A pool's state row (the lock row and its assignment counter), read with Core."""

    id: uuid.UUID
    pool_name: str
    sequence: int
    written: int = 0  # the sequence as stored, to skip unchanged rows


@dataclass(slots=True)
class MemberRow:
    """A member's rotation row; ``id`` is None until it is inserted."""

    id: uuid.UUID | None
    pool_name: str
    user_id: uuid.UUID
    last_sequence: int | None
    credit: int
    assignments: int
    dirty: bool = False


def ensure_pools(session: Session, names: Iterable[str]) -> None:
    """Create missing pool state rows (concurrent creators do not conflict)."""
    values = [{"id": new_id(), "pool_name": name, "sequence": 0} for name in sorted(set(names))]
    if not values:
        return
    insert = sqlite_insert if is_sqlite(session) else pg_insert
    statement = insert(RoutingPoolState).on_conflict_do_nothing(index_elements=["pool_name"])
    session.execute(statement, values)


def lock_pools(session: Session, names: Iterable[str]) -> dict[str, PoolRow]:
    """The pools' state rows, locked, in name order (the same order in every worker).

    Rows are created on first use (published rule sets create theirs up front).
    """
    wanted = sorted(set(names))
    if not wanted:
        return {}
    found = _locked(session, wanted)
    if len(found) < len(wanted):
        ensure_pools(session, wanted)
        found = _locked(session, wanted)
    return found


def lock_pool(
    session: Session, name: str
) -> tuple[PoolRow, dict[tuple[str, uuid.UUID], MemberRow]]:
    """One pool's state row, locked, then its member rows.

    Two statements on purpose: in PostgreSQL (read committed) a ``SELECT ... FOR UPDATE``
    that waited for the lock re-reads the locked row, but rows it joins come from the
    snapshot taken before the wait; members written by the previous lock holder would be
    missed. A second statement after the lock sees them.
    """
    state_row = lock_pools(session, [name])[name]
    return state_row, pool_members(session, [name])


def _locked(session: Session, wanted: list[str]) -> dict[str, PoolRow]:
    rows = session.connection().execute(_LOCK_POOLS, {"names": wanted})
    return {row.pool_name: _pool_row(row) for row in rows}


_LOCK_POOLS = (
    select(RoutingPoolState.id, RoutingPoolState.pool_name, RoutingPoolState.sequence)
    .where(RoutingPoolState.pool_name.in_(bindparam("names", expanding=True)))
    .order_by(RoutingPoolState.pool_name)
    .with_for_update()
)


def _pool_row(row: Any) -> PoolRow:
    return PoolRow(row.id, row.pool_name, row.sequence, row.sequence)


def pool_states(session: Session, names: Iterable[str]) -> dict[str, PoolRow]:
    """The pools' state rows without locking (reads for dry runs)."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rows = session.connection().execute(_POOL_STATES, {"names": wanted})
    return {row.pool_name: _pool_row(row) for row in rows}


def pool_members(session: Session, names: Iterable[str]) -> dict[tuple[str, uuid.UUID], MemberRow]:
    rows = session.connection().execute(_POOL_MEMBERS, {"names": sorted(set(names))})
    return {
        (row.pool_name, row.user_id): MemberRow(
            row.id, row.pool_name, row.user_id, row.last_sequence, row.credit, row.assignments
        )
        for row in rows
    }


_STATE_COLUMNS = (RoutingPoolState.id, RoutingPoolState.pool_name, RoutingPoolState.sequence)
_POOL_STATES = select(*_STATE_COLUMNS).where(
    RoutingPoolState.pool_name.in_(bindparam("names", expanding=True))
)
_POOL_MEMBERS = select(
    RoutingPoolMember.id, RoutingPoolMember.pool_name, RoutingPoolMember.user_id,
    RoutingPoolMember.last_sequence, RoutingPoolMember.credit, RoutingPoolMember.assignments,
).where(RoutingPoolMember.pool_name.in_(bindparam("names", expanding=True)))  # fmt: skip


def save_rotation(
    session: Session,
    pool_rows: Iterable[PoolRow],
    member_rows: Iterable[MemberRow],
    at: datetime,
) -> None:
    """Write changed pool counters and member rows (updates by id, inserts for new ones)."""
    connection = session.connection()
    pools = [
        {"b_id": p.id, "b_sequence": p.sequence, "b_at": at}
        for p in pool_rows
        if p.sequence != p.written
    ]
    if pools:
        connection.execute(_UPDATE_POOL, pools)
    dirty = [m for m in member_rows if m.dirty]
    updates = [_member_values(m, prefix="b_") for m in dirty if m.id is not None]
    if updates:
        connection.execute(_UPDATE_MEMBER, updates)
    inserts = []
    for member in dirty:
        if member.id is None:
            member.id = new_id()
            inserts.append(_member_values(member, prefix=""))
    if inserts:
        connection.execute(insert(RoutingPoolMember), inserts)
    for pool in pool_rows:
        pool.written = pool.sequence
    for member in dirty:
        member.dirty = False


def _member_values(member: MemberRow, *, prefix: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": member.id, "last_sequence": member.last_sequence, "credit": member.credit,
        "assignments": member.assignments,
    }  # fmt: skip
    if not prefix:
        values.update(pool_name=member.pool_name, user_id=member.user_id)
    return {f"{prefix}{key}": value for key, value in values.items()}


_UPDATE_POOL = (
    update(RoutingPoolState)
    .where(RoutingPoolState.id == bindparam("b_id"))
    .values(sequence=bindparam("b_sequence"), updated_at=bindparam("b_at"))
)
_UPDATE_MEMBER = (
    update(RoutingPoolMember)
    .where(RoutingPoolMember.id == bindparam("b_id"))
    .values(
        last_sequence=bindparam("b_last_sequence"),
        credit=bindparam("b_credit"),
        assignments=bindparam("b_assignments"),
    )
)


def rotations(
    states: Mapping[str, PoolRow],
    members: Mapping[tuple[str, uuid.UUID], MemberRow],
    email_of: Mapping[uuid.UUID, str],
) -> dict[str, Rotation]:
    """The engine's view of the pools' rotations (members keyed by e-mail)."""
    result = {name: Rotation(sequence=state.sequence) for name, state in states.items()}
    for (pool, user_id), member in members.items():
        rotation = result.get(pool)
        email = email_of.get(user_id)
        if rotation is None or email is None:
            continue
        if member.last_sequence is not None:
            rotation.last[email] = member.last_sequence
        rotation.credit[email] = member.credit
    return result
