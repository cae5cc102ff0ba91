"""Reps as routing sees them: profiles (team, hours, capacity, absences), their turns in a pool
and their loads (open leads, recent assignments). Never commits.

The hot statements are built once with bind parameters and run on the session's connection
(Core, no ORM): building, hashing and ORM result handling were most of a routed lead's
client CPU.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, String, bindparam, func, select, true
from sqlalchemy.orm import Session, aliased

from coxswain.db.types import UTCDateTime
from coxswain.leads.models import Lead
from coxswain.people.models import Team, User, UserAbsence
from coxswain.routing.engine.state import Absence, RepProfile
from coxswain.routing.models import RoutingDecision, RoutingPoolMember, RoutingPoolState
from coxswain.routing.pool_rows import MemberRow, PoolRow
from coxswain.sla.engine.calendar import parse_spans

OPEN_STATUSES = ("new", "mql", "accepted")


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
    return _profiles_from(session.connection().execute(_PROFILES, params).all())


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
    rows = session.connection().execute(_PROFILES_AND_TURNS, {**params, "pool": pool}).all()
    members = {
        (pool, row.id): MemberRow(
            row.member_id, pool, row.id, row.last_sequence, row.credit, row.assignments
        )
        for row in rows
        if row.member_id is not None
    }
    return _profiles_from(rows), members


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
    """Lock ``pool``'s state row and read the reps, their turns and loads: one statement.

    In PostgreSQL (read committed) a ``SELECT ... FOR UPDATE`` that waited for the lock returns
    the locked row as the lock holder committed it, but the rest of the statement reads the
    snapshot taken before the wait: member rows and owners the previous holder wrote would be
    missed. Every routing decision in a member pool advances the pool's ``sequence``, so the
    statement also reads the pool's sequence from its snapshot: when the two differ, someone
    committed in the pool since the snapshot and this returns ``None`` (the caller, still
    holding the lock, reads again in a second statement). When they agree, nothing routed in
    the pool after the snapshot and the read is current. Only for pools whose every
    assignment advances the sequence (round robin, weighted, load balanced).

    Returns ``None`` as well when the pool has no state row yet or no rep was found.
    """
    wanted = sorted({e.casefold() for e in emails})
    if not wanted:
        return None
    params = {
        "emails": wanted, "window_start": window[0], "window_end": window[1], "all": False,
        "pool": pool,
    }  # fmt: skip
    statement = _LOCK_WITH_OPEN_LEADS if open_leads else _LOCK_WITH_PROFILES
    rows = session.connection().execute(statement, params).all()
    if not rows or rows[0].locked_sequence != rows[0].seen_sequence:
        return None
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
    return LockedRoster(state_row, _profiles_from(rows), members, counts)


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
    rows = session.connection().execute(_OPEN_COUNTS, {"ids": user_ids}).all()
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
    rows = session.connection().execute(_RECENT, params).all()
    return [(row[0], row[1]) for row in rows if row[0] is not None]


_RECENT = select(RoutingDecision.owner_id, RoutingDecision.decided_at).where(
    RoutingDecision.owner_id.in_(bindparam("ids", expanding=True)),
    RoutingDecision.decided_at > bindparam("since", type_=UTCDateTime),
    RoutingDecision.decided_at <= bindparam("until", type_=UTCDateTime),
)


_LOCKED_POOL = (
    select(RoutingPoolState.id, RoutingPoolState.sequence)
    .where(RoutingPoolState.pool_name == bindparam("pool", type_=String))
    .with_for_update()
    .cte("locked_pool")
)
_SEEN_POOL = aliased(RoutingPoolState, name="seen_pool")
_SEEN_SEQUENCE = (
    select(_SEEN_POOL.sequence)
    .where(_SEEN_POOL.pool_name == bindparam("pool", type_=String))
    .scalar_subquery()
)
_LOCK_WITH_PROFILES = _PROFILES_AND_TURNS.add_columns(
    _LOCKED_POOL.c.id.label("pool_id"),
    _LOCKED_POOL.c.sequence.label("locked_sequence"),
    _SEEN_SEQUENCE.label("seen_sequence"),
).join(_LOCKED_POOL, true())
_OPEN_LEADS = (
    select(func.count())
    .where(Lead.owner_id == User.id, Lead.status.in_(OPEN_STATUSES), Lead.deleted_at.is_(None))
    .correlate(User)
    .scalar_subquery()
)
_LOCK_WITH_OPEN_LEADS = _LOCK_WITH_PROFILES.add_columns(_OPEN_LEADS.label("open_leads"))
