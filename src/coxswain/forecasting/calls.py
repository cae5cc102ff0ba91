"""Forecast calls: submit, adjust, roll up through the team tree, snapshot, measure.

* A rep (or a manager, for a team) **submits** a call per period: commit, best case and
  pipeline amounts (not cumulative). A resubmission appends a new call; the latest counts.
* A manager **adjusts** the latest call of someone in the teams they manage (the tree below
  the teams whose ``manager_id`` they are); the call is kept and the adjustment appended.
* The **roll-up** sums, for each team, its subtree (a recursive CTE over ``teams.parent_id``
  that works on SQLite and PostgreSQL): deals per forecast category and the effective calls.
  A manager's call for a team replaces the sum of the calls below it.
* A weekly **snapshot** stores deals, effective calls and system forecasts as known then.
* **Accuracy** compares each person's final call (commit) with what they booked.

Every submission and adjustment writes an audit event. Nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from coxswain.audit.service import record_change
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.enums import Role
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.core.money import minor_exponent, to_minor
from coxswain.currencies.service import reporting_currency
from coxswain.forecasting.engine.calendar import Period, parse_period
from coxswain.forecasting.models import ForecastCall, ForecastCallAdjustment
from coxswain.forecasting.schemas import CallAdjust, CallRead, CallSubmit
from coxswain.people.models import Team, User

MANAGING_ROLES = frozenset({Role.MANAGER.value, Role.ADMIN.value, Role.SALES_OPS.value})


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"no user with e-mail {email!r}")
    return user


def _team(session: Session, name: str) -> Team:
    team = session.scalar(
        select(Team).where(
            (func.lower(Team.name) == name.strip().lower()) | (Team.external_id == name)
        )
    )
    if team is None:
        raise NotFoundError(f"no team named {name!r}")
    return team


def team_closure(session: Session) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    """Every (ancestor, descendant, depth) pair of the team tree, a team being its own
    descendant at depth 0; one recursive CTE, portable to SQLite and PostgreSQL."""
    teams = Team.__table__
    base = select(
        teams.c.id.label("ancestor"), teams.c.id.label("descendant"), literal(0).label("depth")
    ).where(teams.c.deleted_at.is_(None))
    tree = base.cte("team_tree", recursive=True)
    step = select(tree.c.ancestor, teams.c.id, tree.c.depth + 1).where(
        teams.c.parent_id == tree.c.descendant, teams.c.deleted_at.is_(None)
    )
    tree = tree.union_all(step)
    return [
        (a, d, n)
        for a, d, n in session.execute(select(tree.c.ancestor, tree.c.descendant, tree.c.depth))
    ]


def managed_team_ids(session: Session, manager: User) -> set[uuid.UUID]:
    """Teams the manager leads directly and every team below them."""
    led = set(session.scalars(select(Team.id).where(Team.manager_id == manager.id)))
    return {d for a, d, _ in team_closure(session) if a in led}


def submit_call(session: Session, data: CallSubmit, *, clock: Clock | None = None) -> CallRead:
    """Append a call for ``data.period``; amounts are in the reporting currency."""
    now = (clock or SystemClock()).now()
    period = parse_period(data.period)
    user = _user(session, data.user_email)
    team = _team(session, data.team) if data.team else None
    if (
        team is not None
        and team.id not in managed_team_ids(session, user)
        and user.role not in MANAGING_ROLES
    ):
        raise ValidationError(
            f"{user.email} does not manage team {team.name!r}: only its managers can call for it"
        )
    currency = reporting_currency(session)
    call = ForecastCall(
        user_id=user.id,
        team_id=team.id if team else None,
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        commit_minor=to_minor(Decimal(str(data.commit)), currency),
        best_case_minor=to_minor(Decimal(str(data.best_case)), currency),
        pipeline_minor=to_minor(Decimal(str(data.pipeline)), currency),
        currency=currency,
        note=data.note,
        submitted_at=now,
        submitted_by_id=user.id,
    )
    session.add(call)
    session.flush()
    _audit(session, user, "submit", call.id, None, _amounts(call), now)
    return _read(call, user, None)


def adjust_call(session: Session, data: CallAdjust, *, clock: Clock | None = None) -> CallRead:
    """Append a manager's adjustment to the latest call of ``data.user_email``.

    Raises:
        ValidationError: the manager does not manage the person's team.
        NotFoundError: no such people, or no call for the period.
    """
    now = (clock or SystemClock()).now()
    period = parse_period(data.period)
    manager, user = _user(session, data.manager_email), _user(session, data.user_email)
    if manager.role not in MANAGING_ROLES or user.team_id not in managed_team_ids(session, manager):
        raise ValidationError(
            f"{manager.email} does not manage {user.email}: only their managers can adjust the call"
        )
    call = session.scalar(
        select(ForecastCall)
        .where(ForecastCall.user_id == user.id, ForecastCall.period == period.label)
        .order_by(ForecastCall.submitted_at.desc(), ForecastCall.id.desc())
        .limit(1)
    )
    if call is None:
        raise NotFoundError(f"{user.email} has no call for {period.label} to adjust")
    currency = call.currency
    adjustment = ForecastCallAdjustment(
        call_id=call.id,
        adjusted_by_id=manager.id,
        commit_minor=to_minor(Decimal(str(data.commit)), currency),
        best_case_minor=to_minor(Decimal(str(data.best_case)), currency),
        pipeline_minor=to_minor(Decimal(str(data.pipeline)), currency),
        reason=data.reason,
        adjusted_at=now,
    )
    session.add(adjustment)
    session.flush()
    before = _amounts(latest_adjustment(session, call.id, before=adjustment.id) or call)
    _audit(session, manager, "adjust", call.id, before, _amounts(adjustment), now)
    return _read(call, user, adjustment)


def latest_adjustment(
    session: Session,
    call_id: uuid.UUID,
    *,
    before: uuid.UUID | None = None,
    at: datetime | None = None,
) -> ForecastCallAdjustment | None:
    """The newest adjustment of a call (excluding ``before``; made at or before ``at``)."""
    query = select(ForecastCallAdjustment).where(ForecastCallAdjustment.call_id == call_id)
    if before is not None:
        query = query.where(ForecastCallAdjustment.id != before)
    if at is not None:
        query = query.where(ForecastCallAdjustment.adjusted_at <= at)
    order = (ForecastCallAdjustment.adjusted_at.desc(), ForecastCallAdjustment.id.desc())
    return session.scalar(query.order_by(*order).limit(1))


@dataclass(frozen=True, slots=True)
class EffectiveCall:
    call: ForecastCall
    user: User
    adjustment: ForecastCallAdjustment | None

    @property
    def amounts(self) -> tuple[int, int, int]:
        source = self.adjustment or self.call
        return source.commit_minor, source.best_case_minor, source.pipeline_minor


def effective_calls(
    session: Session, period: Period, *, at: datetime | None = None
) -> list[EffectiveCall]:
    """The latest call per (person, team) for ``period`` with its latest adjustment, as
    known at ``at`` (default: now)."""
    query = (
        select(ForecastCall, User)
        .join(User, User.id == ForecastCall.user_id)
        .where(ForecastCall.period == period.label)
    )
    if at is not None:
        query = query.where(ForecastCall.submitted_at <= at)
    latest: dict[tuple[uuid.UUID, uuid.UUID | None], tuple[ForecastCall, User]] = {}
    for call, user in session.execute(query.order_by(ForecastCall.submitted_at, ForecastCall.id)):
        latest[(call.user_id, call.team_id)] = (call, user)
    return [
        EffectiveCall(call, user, latest_adjustment(session, call.id, at=at))
        for call, user in latest.values()
    ]


def list_calls(
    session: Session, period: str, owner_ids: Collection[uuid.UUID] | None = None
) -> list[CallRead]:
    """The effective calls for ``period`` (only those of ``owner_ids`` when given)."""
    return [
        _read(e.call, e.user, e.adjustment)
        for e in effective_calls(session, parse_period(period))
        if owner_ids is None or e.user.id in owner_ids
    ]


def adjustable_calls(session: Session, manager_email: str, period: str) -> list[CallRead]:
    """The effective personal calls for ``period`` that ``manager_email`` may adjust (see
    :func:`adjust_call`): those of the other people in the teams they manage and below,
    by name. Empty for someone who manages no team or whose role may not adjust."""
    manager = _user(session, manager_email)
    teams = managed_team_ids(session, manager) if manager.role in MANAGING_ROLES else set()
    calls = [
        _read(e.call, e.user, e.adjustment)
        for e in effective_calls(session, parse_period(period))
        if e.call.team_id is None and e.user.team_id in teams and e.user.id != manager.id
    ]
    return sorted(calls, key=lambda c: (c.user_name.lower(), c.user_id))


def callable_teams(session: Session, email: str) -> list[str]:
    """Names of the teams ``email`` manages (and those below), for which they may submit a
    team call (:func:`submit_call` with ``team``); empty for someone who manages none."""
    ids = managed_team_ids(session, _user(session, email))
    if not ids:
        return []
    return list(session.scalars(select(Team.name).where(Team.id.in_(ids)).order_by(Team.name)))


def _amounts(source: ForecastCall | ForecastCallAdjustment) -> dict[str, int]:
    return {
        "commit_minor": source.commit_minor,
        "best_case_minor": source.best_case_minor,
        "pipeline_minor": source.pipeline_minor,
    }


def _audit(
    session: Session,
    actor: User,
    action: str,
    call_id: uuid.UUID,
    before: dict[str, int] | None,
    after: dict[str, int],
    now: datetime,
) -> None:
    record_change(
        session,
        actor_id=actor.id,
        actor_label=actor.email,
        action=action,
        entity_type="forecast_call",
        entity_id=call_id,
        before=before,
        after=after,
        occurred_at=now,
    )


def major(amount_minor: int, currency: str) -> float:
    """Minor units to major units of ``currency`` (cents to dollars)."""
    exponent: int = minor_exponent(currency)
    return float(amount_minor) / float(10**exponent)


def _read(call: ForecastCall, user: User, adjustment: ForecastCallAdjustment | None) -> CallRead:
    source = adjustment or call
    return CallRead(
        call_id=str(call.id),
        user_id=str(user.id),
        user_name=user.full_name,
        team_id=None if call.team_id is None else str(call.team_id),
        period=call.period,
        commit=major(source.commit_minor, call.currency),
        best_case=major(source.best_case_minor, call.currency),
        pipeline=major(source.pipeline_minor, call.currency),
        adjusted=adjustment is not None,
        submitted_at=call.submitted_at,
    )


__all__ = [
    "adjust_call",
    "adjustable_calls",
    "callable_teams",
    "effective_calls",
    "list_calls",
    "submit_call",
    "team_closure",
]
