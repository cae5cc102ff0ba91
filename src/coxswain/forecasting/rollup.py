"""Roll-up of deals and calls through the team tree, and forecast accuracy per person.

For period ``P`` each deal counts once, in its owner's team: won in ``P`` → ``closed``;
open with an expected close in ``P``, before it (overdue) or unknown → its forecast category
(a per-deal override wins over the stage's). A team's figures are the sums over its subtree
(:func:`coxswain.forecasting.calls.team_closure`). Cumulative figures add the stronger
categories: commit_cumulative = closed + commit, best_case_cumulative = that + best case,
pipeline_cumulative = that + pipeline. Omitted deals count nowhere.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.core.errors import ValidationError
from coxswain.currencies.service import reporting_currency
from coxswain.forecasting.calls import EffectiveCall, effective_calls, major, team_closure
from coxswain.forecasting.engine.calendar import Period, parse_period
from coxswain.forecasting.repository import RateBook
from coxswain.forecasting.schemas import AccuracyRow, RollupRow
from coxswain.opportunities.models import Opportunity
from coxswain.people.models import Team, User

CATEGORIES = ("closed", "commit", "best_case", "pipeline")


def deal_amounts_by_owner(
    session: Session, period: Period, today: date
) -> dict[uuid.UUID | None, dict[str, float]]:
    """Reporting-currency amounts per owner and category for ``period`` (see module doc)."""
    book = RateBook.load(session, reporting_currency(session))
    rows = session.execute(
        select(
            Opportunity.owner_id,
            Opportunity.status,
            Opportunity.forecast_category,
            Opportunity.amount_minor,
            Opportunity.currency,
            Opportunity.closed_on,
            Opportunity.expected_close_on,
        ).where(Opportunity.deleted_at.is_(None))
    )
    totals: dict[uuid.UUID | None, dict[str, float]] = defaultdict(
        lambda: dict.fromkeys(CATEGORIES, 0.0)
    )
    for owner, status, category, amount, currency, closed_on, expected in rows:
        if status == "won" and closed_on is not None and period.contains(closed_on):
            key = "closed"
        elif status == "open" and (expected is None or expected <= period.end):
            key = "commit" if category == "closed" else category
        else:
            continue
        if key not in CATEGORIES:
            continue
        on = closed_on or today
        totals[owner][key] += major(amount, currency) * book.rate(currency, on)
    return totals


def rollup(
    session: Session,
    *,
    period: str,
    today: date,
    owner_ids: Collection[uuid.UUID] | None = None,
) -> list[RollupRow]:
    """One row per team, ordered as the tree (parents before children).

    With ``owner_ids`` (a caller's visibility) only those owners' deals and calls count,
    and only teams with one of them in their subtree are listed.
    """
    chosen = parse_period(period)
    by_owner = deal_amounts_by_owner(session, chosen, today)
    users = {u.id: u for u in session.scalars(select(User))}
    if owner_ids is not None:
        by_owner = {o: a for o, a in by_owner.items() if o in owner_ids}
    teams = {t.id: t for t in session.scalars(select(Team).where(Team.deleted_at.is_(None)))}
    closure = team_closure(session)
    depths: dict[uuid.UUID, int] = defaultdict(int)
    for _ancestor, descendant, n in closure:
        depths[descendant] = max(depths[descendant], n)
    subtree: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for ancestor, descendant, _n in closure:
        subtree[ancestor].add(descendant)
    calls = [
        c for c in effective_calls(session, chosen) if owner_ids is None or c.user.id in owner_ids
    ]
    team_calls: dict[uuid.UUID | None, EffectiveCall] = {
        c.call.team_id: c for c in calls if c.call.team_id is not None
    }
    person_calls = [c for c in calls if c.call.team_id is None]
    if owner_ids is not None:
        seen = {users[o].team_id for o in owner_ids if o in users}
        teams = {k: t for k, t in teams.items() if subtree[k] & seen}
    rows = [
        _row(team, depths[team.id], subtree[team.id], users, by_owner, team_calls, person_calls)
        for team in teams.values()
    ]
    return sorted(rows, key=lambda r: (r.depth, r.team))


def _row(
    team: Team,
    depth: int,
    members: set[uuid.UUID],
    users: dict[uuid.UUID, User],
    by_owner: dict[uuid.UUID | None, dict[str, float]],
    team_calls: dict[uuid.UUID | None, EffectiveCall],
    person_calls: list[EffectiveCall],
) -> RollupRow:
    sums = dict.fromkeys(CATEGORIES, 0.0)
    for owner, amounts in by_owner.items():
        user = users.get(owner) if owner is not None else None
        if user is not None and user.team_id in members:
            for key in CATEGORIES:
                sums[key] += amounts[key]
    own = team_calls.get(team.id)
    if own is not None:
        called = [own]
    else:
        called = [c for c in person_calls if users[c.call.user_id].team_id in members]
    commit = sum(major(c.amounts[0], c.call.currency) for c in called)
    best = sum(major(c.amounts[1], c.call.currency) for c in called)
    return RollupRow(
        team_id=str(team.id),
        team=team.name,
        depth=depth,
        parent_id=None if team.parent_id is None else str(team.parent_id),
        closed=sums["closed"],
        commit=sums["commit"],
        best_case=sums["best_case"],
        pipeline=sums["pipeline"],
        commit_cumulative=sums["closed"] + sums["commit"],
        best_case_cumulative=sums["closed"] + sums["commit"] + sums["best_case"],
        pipeline_cumulative=sum(sums.values()),
        called_commit=commit,
        called_best_case=best,
        calls=len(called),
    )


def accuracy(session: Session, *, period: str, today: date) -> list[AccuracyRow]:
    """Each caller's final commit call against their won bookings in the period, plus a
    total row (``user_id`` None).

    Raises:
        ValidationError: the period has not ended yet.
    """
    chosen = parse_period(period)
    if chosen.end >= today:
        raise ValidationError(
            f"period {chosen.label} has not ended yet: accuracy needs its final bookings"
        )
    by_owner = deal_amounts_by_owner(session, chosen, today)
    rows: list[AccuracyRow] = []
    total_called = total_actual = 0.0
    for effective in effective_calls(session, chosen):
        if effective.call.team_id is not None:
            continue
        called = major(effective.amounts[0], effective.call.currency)
        actual = by_owner.get(effective.user.id, {}).get("closed", 0.0)
        total_called, total_actual = total_called + called, total_actual + actual
        rows.append(
            _accuracy(
                chosen.label, str(effective.user.id), effective.user.full_name, called, actual
            )
        )
    rows.sort(key=lambda r: r.name)
    rows.append(_accuracy(chosen.label, None, "All callers", total_called, total_actual))
    return rows


def _accuracy(
    period: str, user_id: str | None, name: str, called: float, actual: float
) -> AccuracyRow:
    return AccuracyRow(
        period=period,
        user_id=user_id,
        name=name,
        called=called,
        actual=actual,
        error=called - actual,
        accuracy=1 - abs(called - actual) / actual if actual > 0 else None,
    )
