"""Sales targets: set, list and remove (pipeline coverage divides by them).

A target is for the company, a team (its whole subtree) or a rep, over a period, in any
currency (converted to the reporting currency at the rate of the period's first day).
Setting a target for the same period and scope again replaces it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from coxswain.analytics.engine.periods import Period
from coxswain.analytics.models import SalesTarget, TargetScope
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.core.money import to_major, to_minor
from coxswain.currencies.service import ensure_currency, reporting_currency
from coxswain.people.models import Team, User


@dataclass(frozen=True, slots=True)
class TargetView:
    id: uuid.UUID
    period_start: date
    period_end: date
    scope: str
    owner: str | None
    amount: Decimal
    currency: str


def _team(session: Session, name: str) -> Team:
    wanted = name.strip().casefold()
    team = session.scalar(
        select(Team).where(
            Team.deleted_at.is_(None),
            or_(func.lower(Team.name) == wanted, Team.external_id == name.strip()),
        )
    )
    if team is None:
        raise NotFoundError(f"--team {name!r}: no such team (give its name or external id)")
    return team


def _rep(session: Session, name: str) -> User:
    wanted = name.strip().casefold()
    users = session.scalars(
        select(User).where(
            User.deleted_at.is_(None),
            or_(
                func.lower(User.full_name) == wanted,
                func.lower(User.email) == wanted,
                User.external_id == name.strip(),
            ),
        )
    ).all()
    if not users:
        raise NotFoundError(f"--rep {name!r}: no such person (give a full name, e-mail or id)")
    if len(users) > 1:
        raise ValidationError(f"--rep {name!r}: {len(users)} people match; give the e-mail")
    return users[0]


def set_target(
    session: Session,
    *,
    period: Period,
    amount: Decimal,
    currency: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> SalesTarget:
    """Create or replace the target of ``period`` for the company, a team or a rep."""
    if team and rep:
        raise ValidationError("a target is for a team or a rep, not both")
    if amount < 0:
        raise ValidationError(f"--amount {amount}: a target cannot be negative")
    code = ensure_currency(session, currency or reporting_currency(session)).code
    scope, team_id, user_id = TargetScope.COMPANY, None, None
    if team:
        scope, team_id = TargetScope.TEAM, _team(session, team).id
    elif rep:
        scope, user_id = TargetScope.REP, _rep(session, rep).id
    existing = session.scalar(
        select(SalesTarget).where(
            SalesTarget.period_start == period.start,
            SalesTarget.period_end == period.end,
            SalesTarget.scope == scope.value,
            SalesTarget.team_id.is_(None) if team_id is None else SalesTarget.team_id == team_id,
            SalesTarget.user_id.is_(None) if user_id is None else SalesTarget.user_id == user_id,
        )
    )
    target = existing or SalesTarget(
        period_start=period.start,
        period_end=period.end,
        scope=scope.value,
        team_id=team_id,
        user_id=user_id,
    )
    target.amount_minor = to_minor(amount, code)
    target.currency = code
    session.add(target)
    session.flush()
    return target


def list_targets(session: Session) -> list[TargetView]:
    rows = session.execute(
        select(SalesTarget, Team.name, User.full_name)
        .outerjoin(Team, Team.id == SalesTarget.team_id)
        .outerjoin(User, User.id == SalesTarget.user_id)
        .order_by(SalesTarget.period_start, SalesTarget.scope, Team.name, User.full_name)
    ).all()
    return [
        TargetView(
            t.id,
            t.period_start,
            t.period_end,
            t.scope,
            team_name or user_name,
            to_major(t.amount_minor, t.currency),
            t.currency,
        )
        for t, team_name, user_name in rows
    ]


def remove_target(session: Session, target_id: str) -> None:
    try:
        key = uuid.UUID(target_id)
    except ValueError as exc:
        raise ValidationError(f"target id {target_id!r} is not a UUID") from exc
    target = session.get(SalesTarget, key)
    if target is None:
        raise NotFoundError(f"no target with id {target_id}")
    session.delete(target)
    session.flush()
