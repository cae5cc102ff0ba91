"""Reps as routing sees them: profiles (team, hours, capacity, absences), their turns in a pool
and their loads (open leads, recent assignments). Never commits.

The hot statements are built once with bind parameters and run on the session's connection
(Core, no ORM): building, hashing and ORM result handling were most of a routed lead's
client CPU.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, String, bindparam, func, select
from sqlalchemy.orm import Session

from coxswain.db.types import UTCDateTime
from coxswain.leads.models import Lead
from coxswain.people.models import Team, User, UserAbsence
from coxswain.routing.engine.state import Absence, RepProfile
from coxswain.routing.models import RoutingDecision, RoutingPoolMember
from coxswain.routing.pool_rows import MemberRow
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
    return profiles_from(session.connection().execute(_PROFILES, params).all())


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
    return profiles_from(rows), members


def profiles_from(rows: Any) -> dict[str, RepProfile]:
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


def profiles_statement(emails_match: ColumnElement[bool]) -> Select[Any]:
    """Users with their team's name and absences (outer joins), ``emails_match`` picking the
    users by ``lower(email)``; bind parameters ``all``, ``window_start``, ``window_end``."""
    return (
        select(
            *PROFILE_COLUMNS, Team.name, UserAbsence.starts_at, UserAbsence.ends_at,
            UserAbsence.reason,
        )
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(UserAbsence, _ABSENCE_ON)
        .where(emails_match)
        .where(User.deleted_at.is_(None))
        .order_by(User.id, UserAbsence.starts_at)
    )  # fmt: skip


def with_turns(statement: Select[Any]) -> Select[Any]:
    """``statement`` plus each user's member row in pool ``pool`` (bind parameter)."""
    return statement.add_columns(
        RoutingPoolMember.id.label("member_id"),
        RoutingPoolMember.last_sequence,
        RoutingPoolMember.credit,
        RoutingPoolMember.assignments,
    ).outerjoin(
        RoutingPoolMember,
        (RoutingPoolMember.user_id == User.id)
        & (RoutingPoolMember.pool_name == bindparam("pool", type_=String)),
    )


LOWER_EMAIL = func.lower(User.email)
_PROFILES = profiles_statement(LOWER_EMAIL.in_(bindparam("emails", expanding=True)))
_PROFILES_AND_TURNS = with_turns(_PROFILES)


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
