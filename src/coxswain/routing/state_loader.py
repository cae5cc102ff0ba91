"""Build the engine's :class:`RoutingState` from the database for a set of pools and reps."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from coxswain.routing import pool_lock, rep_queries
from coxswain.routing import pool_rows as pools_repo
from coxswain.routing.engine.state import RepLoad, RoutingState, period_keys
from coxswain.routing.pool_rows import MemberRow, PoolRow


@dataclass(slots=True)
class LoadedState:
    """The engine state plus the rows it came from (to write the rotation back).

    ``locked`` names the pools whose state rows this transaction holds.
    """

    state: RoutingState
    user_ids: dict[str, uuid.UUID]
    pool_rows: dict[str, PoolRow] = field(default_factory=dict)
    member_rows: dict[tuple[str, uuid.UUID], MemberRow] = field(default_factory=dict)
    locked: set[str] = field(default_factory=set)

    def user_id(self, email: str | None) -> uuid.UUID | None:
        return None if email is None else self.user_ids.get(email)

    @property
    def email_of(self) -> dict[uuid.UUID, str]:
        return {user_id: email for email, user_id in self.user_ids.items()}


def load_state(
    session: Session,
    *,
    pools: Iterable[str],
    reps: Iterable[str],
    as_of: datetime,
    lock: bool | Iterable[str],
    window: tuple[datetime, datetime] | None = None,
    with_loads: bool = True,
    open_leads: bool = True,
    capped_members: frozenset[str] = frozenset(),
    one_statement: bool = False,
) -> LoadedState:
    """Profiles of ``reps``, their loads at ``as_of`` and the rotations of ``pools``.

    Args:
        pools: pool names whose rotation is read; none for a fresh start (simulations).
        reps: case-folded e-mails of every rep the decision may consider.
        as_of: the instant loads are counted at (open leads now; assignments per local day
            and ISO week up to ``as_of``).
        lock: True locks every pool's state row for this transaction, an iterable locks
            those pools only (see :func:`lock_more`), False locks nothing (reads).
        window: the span absences must overlap (default: ``as_of`` itself).
        with_loads: count loads at all (simulations start from zero).
        open_leads: count open leads (only load-balanced pools need them).
        capped_members: reps with a cap override in one of the pools (their assignments
            are counted even when the user has no capacity of their own).
        one_statement: the one pool to lock rotates its members (every assignment advances
            its sequence): lock it and read the reps, turns and open leads in one statement
            (see :mod:`coxswain.routing.pool_lock`).
    """
    pool_names = sorted(set(pools))
    to_lock = set(pool_names) if lock is True else set(lock or ())
    window = window or (as_of, as_of)
    counted_open = False
    if len(to_lock) == 1 and set(pool_names) == to_lock:
        loaded, counted_open = _lock_one_with_profiles(
            session, pool_names[0], reps, window, one_statement=one_statement,
            open_leads=open_leads and with_loads,
        )  # fmt: skip
        profiles = loaded.state.reps
    else:
        profiles = rep_queries.profiles(session, reps, window=window)
        user_ids = {email: uuid.UUID(p.user_id) for email, p in profiles.items() if p.user_id}
        loaded = LoadedState(RoutingState(reps=profiles), user_ids, locked=set(to_lock))
        pool_rows = pools_repo.lock_pools(session, sorted(to_lock))
        pool_rows.update(pools_repo.pool_states(session, set(pool_names) - to_lock))
        _read_rotations(session, loaded, pool_rows)
    if with_loads:
        count_loads(
            session, loaded, list(profiles), as_of, open_leads=open_leads and not counted_open,
            capped_members=capped_members,
        )  # fmt: skip
    return loaded


def lock_more(
    session: Session,
    loaded: LoadedState,
    pool: str,
    reps: Iterable[str],
    as_of: datetime,
    capped_members: frozenset[str] = frozenset(),
) -> None:
    """Lock one more pool (a fallback the decision reached), read its members' profiles, its
    rotation and their loads: a decision in that pool must see what the lock holder saw."""
    missing = [rep for rep in reps if rep not in loaded.state.reps]
    if missing:
        found = rep_queries.profiles(session, missing, window=(as_of, as_of))
        loaded.state.reps.update(found)
        loaded.user_ids.update({e: uuid.UUID(p.user_id) for e, p in found.items() if p.user_id})
    _lock_one(session, loaded, pool)
    known = [rep for rep in reps if rep in loaded.state.reps]
    for rep in known:
        loaded.state.loads.pop(rep, None)
    count_loads(session, loaded, known, as_of, open_leads=True, capped_members=capped_members)


def _lock_one_with_profiles(
    session: Session,
    pool: str,
    reps: Iterable[str],
    window: tuple[datetime, datetime],
    *,
    one_statement: bool,
    open_leads: bool,
) -> tuple[LoadedState, bool]:
    """Lock ``pool``, then read the reps' profiles with their turns in it: one statement when
    ``one_statement`` and the read proves current, else two. Also returns whether the reps'
    open leads were counted (loaded into the state) on the way."""
    roster = None
    if one_statement:
        roster = pool_lock.lock_pool_with_profiles(
            session, reps, window=window, pool=pool, open_leads=open_leads
        )
    if roster is not None:
        state_row, profiles, members = roster.pool, roster.profiles, roster.members
    else:
        state_row = pools_repo.lock_pools(session, [pool])[pool]
        profiles, members = rep_queries.profiles_and_turns(session, reps, window=window, pool=pool)
    user_ids = {email: uuid.UUID(p.user_id) for email, p in profiles.items() if p.user_id}
    loaded = LoadedState(RoutingState(reps=profiles), user_ids, locked={pool})
    loaded.pool_rows[pool] = state_row
    loaded.member_rows.update(members)
    loaded.state.rotations.update(pools_repo.rotations({pool: state_row}, members, loaded.email_of))
    counts = roster.open_leads if roster is not None else None
    for email, count in (counts or {}).items():
        loaded.state.load(email).open_leads = count
    return loaded, counts is not None


def _lock_one(session: Session, loaded: LoadedState, pool: str) -> None:
    state_row, members = pools_repo.lock_pool(session, pool)
    loaded.locked.add(pool)
    loaded.pool_rows[pool] = state_row
    loaded.member_rows.update(members)
    loaded.state.rotations.update(pools_repo.rotations({pool: state_row}, members, loaded.email_of))


def _read_rotations(
    session: Session, loaded: LoadedState, pool_rows: Mapping[str, PoolRow]
) -> None:
    loaded.pool_rows.update(pool_rows)
    members = pools_repo.pool_members(session, pool_rows) if pool_rows else {}
    loaded.member_rows.update(members)
    rotations = pools_repo.rotations(pool_rows, members, loaded.email_of)
    loaded.state.rotations.update(rotations)


def count_loads(
    session: Session,
    loaded: LoadedState,
    reps: list[str],
    as_of: datetime,
    *,
    open_leads: bool,
    capped_members: frozenset[str] = frozenset(),
) -> None:
    """Open leads (if asked) and this local day's and ISO week's assignments of ``reps``.

    Assignments are only read for reps with a capacity or a pool cap override
    (``capped_members``): nobody else can be capped by them.
    """
    state = loaded.state
    ids = {rep: loaded.user_ids[rep] for rep in reps if rep in loaded.user_ids}
    email_of = {user_id: email for email, user_id in ids.items()}
    if open_leads:
        for user_id, count in rep_queries.open_lead_counts(session, list(ids.values())).items():
            state.load(email_of[user_id]).open_leads = count
    capped = [
        user_id
        for email, user_id in ids.items()
        if state.reps[email].capacity_per_day is not None
        or state.reps[email].capacity_per_week is not None
        or email in capped_members
    ]
    count_assignments(session, loaded, capped, as_of)


def count_assignments(
    session: Session, loaded: LoadedState, user_ids: list[uuid.UUID], as_of: datetime
) -> None:
    """Routing assignments of ``user_ids`` in their current local day and ISO week."""
    state = loaded.state
    email_of = loaded.email_of
    for user_id, decided_at in rep_queries.recent_assignments(session, user_ids, as_of):
        email = email_of[user_id]
        day, week = period_keys(state.reps[email], decided_at)
        now_day, now_week = period_keys(state.reps[email], as_of)
        load: RepLoad = state.load(email)
        if day == now_day:
            load.by_day[day] = load.by_day.get(day, 0) + 1
        if week == now_week:
            load.by_week[week] = load.by_week.get(week, 0) + 1
