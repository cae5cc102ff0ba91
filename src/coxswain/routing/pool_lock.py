"""Lock a pool and read its reps in one statement (the routing service's hot path).

In PostgreSQL (read committed) a ``SELECT ... FOR UPDATE`` that waited for the lock returns
the locked row as the lock holder committed it, but the rest of the statement reads the
snapshot taken before the wait: member rows and owners the previous holder wrote would be
missed. Every routing decision in a member pool (round robin, weighted, load balanced)
advances the pool's ``sequence``, so the statement also reads the pool's sequence from its
snapshot: when the two differ, someone committed in the pool since the snapshot, and the
statement runs once more (this transaction holds the lock by then, so the new snapshot sees
everything). When they agree, nothing was routed in the pool after the snapshot and the read
is current. SQLite serialises writers
with its database lock, so there the read is always current.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, func, select, true
from sqlalchemy.orm import Session, aliased

from coxswain.db.engine import is_sqlite
from coxswain.leads.models import Lead
from coxswain.people.models import User
from coxswain.routing import pg_direct
from coxswain.routing.engine.state import RepProfile
from coxswain.routing.models import RoutingPoolState
from coxswain.routing.pool_rows import MemberRow, PoolRow
from coxswain.routing.rep_queries import (
    LOWER_EMAIL,
    OPEN_STATUSES,
    profiles_from,
    profiles_statement,
    with_turns,
)


@dataclass(frozen=True, slots=True)
class LockedRoster:
    """A pool locked and read in one statement: its state row, the reps' profiles, their
    turns in it and, when asked for, their open leads (by e-mail; reps with none absent)."""

    pool: PoolRow
    profiles: dict[str, RepProfile]
    members: dict[tuple[str, uuid.UUID], MemberRow]
    open_leads: dict[str, int] | None


def lock_pool_with_profiles(
    session: Session,
    emails: Iterable[str],
    *,
    window: tuple[datetime, datetime],
    pool: str,
    open_leads: bool,
) -> LockedRoster | None:
    """Lock ``pool``'s state row and read the reps, their turns and open leads: one statement,
    two when the first read proves stale (see the module docstring).

    Returns ``None`` when the pool has no state row yet or no rep was found (the caller
    takes the general path). Only for pools whose every assignment advances the sequence.
    """
    wanted = sorted({e.casefold() for e in emails})
    if not wanted:
        return None
    params = {
        "emails": wanted, "window_start": window[0], "window_end": window[1], "all": False,
        "pool": pool,
    }  # fmt: skip
    rows = _read(session, params, open_leads)
    if rows and rows[0].locked_sequence != rows[0].seen_sequence:
        # Stale: the lock was granted after a concurrent router committed. This transaction
        # holds the lock now, so the same statement run again (a new snapshot, the lock
        # re-granted at once) reads what that router wrote.
        rows = _read(session, params, open_leads)
    if not rows or rows[0].locked_sequence != rows[0].seen_sequence:
        return None
    return _roster(rows, pool, open_leads)


def _read(session: Session, params: dict[str, Any], open_leads: bool) -> list[Any]:
    if is_sqlite(session):
        statement = _WITH_OPEN_LEADS if open_leads else _WITH_PROFILES
        return list(session.connection().execute(statement, params).all())
    direct = _PG_WITH_OPEN_LEADS if open_leads else _PG_WITH_PROFILES
    return [_absence_in_utc(row) for row in pg_direct.fetch_all(session, direct, params)]


def _absence_in_utc(row: Any) -> Any:
    if row.starts_at is None:
        return row
    return row._replace(
        starts_at=pg_direct.as_utc(row.starts_at), ends_at=pg_direct.as_utc(row.ends_at)
    )


def _roster(rows: list[Any], pool: str, open_leads: bool) -> LockedRoster:
    first = rows[0]
    members = {
        (pool, row.id): MemberRow(
            row.member_id, pool, row.id, row.last_sequence, row.credit, row.assignments
        )
        for row in rows
        if row.member_id is not None
    }
    counts = None
    if open_leads:
        counts = {row.email.casefold(): int(row.open_leads) for row in rows if row.open_leads}
    state_row = PoolRow(first.pool_id, pool, first.locked_sequence, first.locked_sequence)
    return LockedRoster(state_row, profiles_from(rows), members, counts)


def _statement(emails_match: Any, open_status: Any, open_leads: bool) -> Any:
    locked = (
        select(RoutingPoolState.id, RoutingPoolState.sequence)
        .where(RoutingPoolState.pool_name == bindparam("pool", type_=String))
        .with_for_update()
        .cte("locked_pool")
    )
    seen = aliased(RoutingPoolState, name="seen_pool")
    seen_sequence = (
        select(seen.sequence)
        .where(seen.pool_name == bindparam("pool", type_=String))
        .scalar_subquery()
    )
    statement = (
        with_turns(profiles_statement(emails_match))
        .add_columns(
            locked.c.id.label("pool_id"),
            locked.c.sequence.label("locked_sequence"),
            seen_sequence.label("seen_sequence"),
        )
        .join(locked, true())
    )
    if not open_leads:
        return statement
    count = (
        select(func.count())
        .where(Lead.owner_id == User.id, open_status, Lead.deleted_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    return statement.add_columns(count.label("open_leads"))


# Portable (SQLite): IN lists. PostgreSQL, run on the driver: arrays, one SQL text per shape.
_IN_EMAILS = LOWER_EMAIL.in_(bindparam("emails", expanding=True))
_IN_OPEN = Lead.status.in_(OPEN_STATUSES)
_WITH_PROFILES = _statement(_IN_EMAILS, _IN_OPEN, open_leads=False)
_WITH_OPEN_LEADS = _statement(_IN_EMAILS, _IN_OPEN, open_leads=True)
_ANY_EMAIL = any_(bindparam("emails", type_=ARRAY(String))) == LOWER_EMAIL
_ANY_OPEN = Lead.status == any_(
    bindparam("open_statuses", value=list(OPEN_STATUSES), type_=ARRAY(String))
)
_PG_WITH_PROFILES = pg_direct.prepare(_statement(_ANY_EMAIL, _ANY_OPEN, open_leads=False))
_PG_WITH_OPEN_LEADS = pg_direct.prepare(_statement(_ANY_EMAIL, _ANY_OPEN, open_leads=True))
