"""Routing queries and row locks. Never commits.

Serialisation: routing a lead locks the lead row and the state rows of the pools it may use
(``SELECT ... FOR UPDATE`` on PostgreSQL, in pool-name order so two workers never deadlock).
SQLite has no row locks; :func:`take_write_lock` makes the transaction's first statement a
write, which takes SQLite's database write lock at once (the engine's plain ``BEGIN`` would
otherwise start a read snapshot that fails to upgrade when another writer got there first).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, String, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from coxswain.core.ids import new_id
from coxswain.db.engine import is_sqlite
from coxswain.db.types import UTCDateTime
from coxswain.leads.models import Lead
from coxswain.people.models import Team, User, UserAbsence
from coxswain.routing.engine.fields import LEAD_FIELDS
from coxswain.routing.engine.state import Absence, RepProfile, Rotation
from coxswain.routing.models import (
    RoutingDecision,
    RoutingPoolMember,
    RoutingPoolState,
    RoutingRuleSet,
)
from coxswain.sla.engine.calendar import parse_spans

OPEN_STATUSES = ("new", "mql", "accepted")
CLOSED_STATUSES = ("converted", "disqualified")


def take_write_lock(session: Session) -> None:
    """On SQLite, take the database write lock now (a no-op write); nothing on PostgreSQL."""
    if is_sqlite(session):
        session.execute(text("UPDATE routing_pool_states SET sequence = sequence WHERE 1 = 0"))


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


@dataclass(slots=True)
class LeadRow:
    """A lead locked for this transaction, read as plain values (no ORM object)."""

    id: uuid.UUID
    external_id: str | None
    owner_id: uuid.UUID | None
    status: str
    fields: dict[str, Any]
    rules_head: tuple[Any, int, str] | None = None


def lock_lead(session: Session, lead_id: uuid.UUID) -> LeadRow | None:
    """The lead, locked for this transaction (``None`` when missing or deleted).

    Read as columns rather than an ORM object (a routed lead's hottest statement). Its
    current decision is retired later with an ``UPDATE``, never read here: a row joined to a
    ``FOR UPDATE`` that had to wait would come from the snapshot taken before the wait.
    """
    take_write_lock(session)
    row = session.execute(_LOCK_LEAD, {"lead_id": lead_id}).one_or_none()
    if row is None:
        return None
    values = row._asdict()
    head = (values.pop("rules_id"), values.pop("rules_version"), values.pop("rules_sha256"))
    return LeadRow(
        id=values.pop("id"), external_id=values["external_id"], owner_id=values.pop("owner_id"),
        status=values["status"], fields=values, rules_head=head if head[0] is not None else None,
    )  # fmt: skip


# Hot-path statements are built once (bind parameters), so each call skips building and
# hashing the statement: a large share of a routed lead's client CPU otherwise.
_ACTIVE = RoutingRuleSet.is_active.is_(True)
_LOCK_LEAD = (
    select(
        Lead.id,
        Lead.owner_id,
        *(getattr(Lead, name) for name in LEAD_FIELDS),
        select(RoutingRuleSet.id).where(_ACTIVE).scalar_subquery().label("rules_id"),
        select(RoutingRuleSet.version).where(_ACTIVE).scalar_subquery().label("rules_version"),
        select(RoutingRuleSet.sha256).where(_ACTIVE).scalar_subquery().label("rules_sha256"),
    )
    .where(Lead.id == bindparam("lead_id"), Lead.deleted_at.is_(None))
    .with_for_update()
)


def find_lead(session: Session, reference: str) -> Lead | None:
    """A lead by id (UUID text) or external id (the most recent one when several sources)."""
    try:
        lead = session.get(Lead, uuid.UUID(reference))
    except ValueError:
        lead = None
    if lead is not None:
        return lead
    return session.scalars(
        select(Lead).where(Lead.external_id == reference).order_by(Lead.created_at.desc())
    ).first()


_ACTIVE_HEAD = select(RoutingRuleSet.id, RoutingRuleSet.version, RoutingRuleSet.sha256).where(
    RoutingRuleSet.is_active.is_(True)
)


def active_rule_set_head(session: Session) -> tuple[Any, int, str] | None:
    """``(id, version, sha256)`` of the active rule set, without its document."""
    row = session.execute(_ACTIVE_HEAD).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def active_rule_set(session: Session) -> RoutingRuleSet | None:
    return session.scalars(
        select(RoutingRuleSet).where(RoutingRuleSet.is_active.is_(True))
    ).one_or_none()


def next_rule_set_version(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(RoutingRuleSet.version), 0))) or 0) + 1


def profiles(
    session: Session, emails: Iterable[str], *, window: tuple[datetime, datetime] | None = None
) -> dict[str, RepProfile]:
    """Rep profiles by case-folded e-mail, with absences overlapping ``window`` (UTC).

    One statement: users, their team's name and their absences (outer join, one row each).
    """
    wanted = sorted({e.casefold() for e in emails})
    if not wanted:
        return {}
    start, end = window if window is not None else (_EPOCH, _EPOCH)
    params = {"emails": wanted, "window_start": start, "window_end": end, "all": window is None}
    return _profiles_from(session.execute(_PROFILES, params).all())


def profiles_and_turns(
    session: Session, emails: Iterable[str], *, window: tuple[datetime, datetime], pool: str
) -> tuple[dict[str, RepProfile], dict[tuple[str, uuid.UUID], MemberRow]]:
    """:func:`profiles` and, in the same statement, each rep's turn in ``pool``.

    Call it after locking the pool (the member rows must be read after the lock).
    """
    wanted = sorted({e.casefold() for e in emails})
    if not wanted:
        return {}, {}
    params = {"emails": wanted, "window_start": window[0], "window_end": window[1], "all": False}
    rows = session.execute(_PROFILES_AND_TURNS, {**params, "pool": pool}).all()
    members = {
        (pool, row.id): MemberRow(
            row.member_id, pool, row.id, row.last_sequence, row.credit, row.assignments
        )
        for row in rows
        if row.member_id is not None
    }
    return _profiles_from(rows), members


def _profiles_from(rows: Any) -> dict[str, RepProfile]:
    found: dict[str, RepProfile] = {}
    absences: dict[str, list[Absence]] = {}
    for row in rows:
        email = row.email.casefold()
        if email not in found:
            found[email] = _profile(row)
        if row.starts_at is not None:
            absences.setdefault(email, []).append(Absence(row.starts_at, row.ends_at, row.reason))
    for email, items in absences.items():
        found[email] = replace(found[email], absences=tuple(items))
    return found


PROFILE_COLUMNS = (
    User.id, User.email, User.full_name, User.is_active, User.out_of_office, User.time_zone,
    User.working_hours, User.segment, User.capacity_per_day, User.capacity_per_week,
)  # fmt: skip
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ABSENCE_ON = (UserAbsence.user_id == User.id) & (
    bindparam("all", type_=Boolean)
    | (
        (UserAbsence.ends_at > bindparam("window_start", type_=UTCDateTime))
        & (UserAbsence.starts_at <= bindparam("window_end", type_=UTCDateTime))
    )
)
_PROFILES = (
    select(
        *PROFILE_COLUMNS, Team.name, UserAbsence.starts_at, UserAbsence.ends_at, UserAbsence.reason
    )
    .outerjoin(Team, Team.id == User.team_id)
    .outerjoin(UserAbsence, _ABSENCE_ON)
    .where(func.lower(User.email).in_(bindparam("emails", expanding=True)))
    .where(User.deleted_at.is_(None))
    .order_by(User.id, UserAbsence.starts_at)
)
_PROFILES_AND_TURNS = _PROFILES.add_columns(
    RoutingPoolMember.id.label("member_id"),
    RoutingPoolMember.last_sequence,
    RoutingPoolMember.credit,
    RoutingPoolMember.assignments,
).outerjoin(
    RoutingPoolMember,
    (RoutingPoolMember.user_id == User.id)
    & (RoutingPoolMember.pool_name == bindparam("pool", type_=String)),
)


def _profile(row: Any) -> RepProfile:
    return RepProfile(
        email=row.email.casefold(),
        name=row.full_name,
        user_id=str(row.id),
        is_active=row.is_active,
        out_of_office=row.out_of_office,
        time_zone=row.time_zone or "UTC",
        working_hours=_spans(row.working_hours),
        segment=row.segment,
        team=row.name,
        capacity_per_day=row.capacity_per_day,
        capacity_per_week=row.capacity_per_week,
    )


def _spans(hours: Any) -> Any:
    if not hours:
        return None
    key = repr(sorted(hours.items()))
    cached = _SPANS.get(key)
    if cached is None:
        cached = _SPANS[key] = parse_spans(hours)
    return cached


_SPANS: dict[str, Any] = {}


def known_emails(session: Session) -> set[str]:
    rows = session.scalars(select(User.email).where(User.deleted_at.is_(None)))
    return {email.casefold() for email in rows}


def open_lead_counts(session: Session, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not user_ids:
        return {}
    rows = session.execute(_OPEN_COUNTS, {"ids": user_ids}).all()
    return {row[0]: int(row[1]) for row in rows if row[0] is not None}


_OPEN_COUNTS = (
    select(Lead.owner_id, func.count())
    .where(
        Lead.owner_id.in_(bindparam("ids", expanding=True)),
        Lead.status.in_(OPEN_STATUSES),
        Lead.deleted_at.is_(None),
    )
    .group_by(Lead.owner_id)
)


def recent_assignments(
    session: Session, user_ids: list[uuid.UUID], as_of: datetime
) -> list[tuple[uuid.UUID, datetime]]:
    """``(owner, decided_at)`` of routing assignments in the 8 days before ``as_of`` (covers
    the current local day and ISO week in any time zone)."""
    if not user_ids:
        return []
    params = {"ids": user_ids, "since": as_of - timedelta(days=8), "until": as_of}
    rows = session.execute(_RECENT, params).all()
    return [(row[0], row[1]) for row in rows if row[0] is not None]


_RECENT = select(RoutingDecision.owner_id, RoutingDecision.decided_at).where(
    RoutingDecision.owner_id.in_(bindparam("ids", expanding=True)),
    RoutingDecision.decided_at > bindparam("since", type_=UTCDateTime),
    RoutingDecision.decided_at <= bindparam("until", type_=UTCDateTime),
)


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
    rows = session.execute(_LOCK_POOLS, {"names": wanted})
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
    rows = session.execute(_POOL_STATES, {"names": wanted})
    return {row.pool_name: _pool_row(row) for row in rows}


def pool_members(session: Session, names: Iterable[str]) -> dict[tuple[str, uuid.UUID], MemberRow]:
    rows = session.execute(_POOL_MEMBERS, {"names": sorted(set(names))})
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


def retire_decision(session: Session, decision_id: uuid.UUID) -> None:
    session.execute(
        update(RoutingDecision).where(RoutingDecision.id == decision_id).values(is_current=False)
    )


def mark_previous_not_current(
    session: Session, *, lead_id: uuid.UUID | None, lead_ref: str
) -> None:
    if lead_id is not None:
        session.connection().execute(_RETIRE_FOR_LEAD, {"b_lead_id": lead_id})
        return
    session.execute(
        update(RoutingDecision)
        .where(
            RoutingDecision.lead_ref == lead_ref,
            RoutingDecision.lead_id.is_(None),
            RoutingDecision.is_current.is_(True),
        )
        .values(is_current=False)
    )


_RETIRE_FOR_LEAD = (
    update(RoutingDecision)
    .where(RoutingDecision.lead_id == bindparam("b_lead_id"), RoutingDecision.is_current.is_(True))
    .values(is_current=False)
)


def decisions_for(
    session: Session, *, lead_id: uuid.UUID | None, lead_ref: str
) -> list[RoutingDecision]:
    """Every decision about the lead, newest first."""
    condition: Any = RoutingDecision.lead_ref == lead_ref
    if lead_id is not None:
        condition = (RoutingDecision.lead_id == lead_id) | condition
    return list(
        session.scalars(
            select(RoutingDecision)
            .where(condition)
            .order_by(RoutingDecision.decided_at.desc(), RoutingDecision.id.desc())
        )
    )
