"""Row-level visibility: which owners' records a principal may see.

One function decides, and every list and get in every service uses it, so the API, the web app
and the CLI always agree:

- admin, sales_ops, finance and the system see every record;
- a manager sees their own records, those of every user in the subtree of the teams they manage
  (``teams.manager_id`` then ``teams.parent_id`` downwards), the managers of those sub-teams,
  and everyone who reports to them through ``users.manager_id`` (any depth);
- a rep sees only their own records.

Records with no owner are visible only to those who see everything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select, true, union
from sqlalchemy.orm import InstrumentedAttribute, Session

from coxswain.auth.credential_cache import (
    VISIBILITY,
    auth_changed_in,
    engine_key,
    mark_auth_changed,
)
from coxswain.auth.principal import Principal
from coxswain.core.enums import Role
from coxswain.people.models import Team, User

_CACHE_KEY = "coxswain.visibility"


@dataclass(frozen=True, slots=True)
class Visibility:
    """``everything`` or the set of owner ids whose records may be seen."""

    everything: bool
    owner_ids: frozenset[uuid.UUID]

    def allows(self, owner_id: uuid.UUID | None) -> bool:
        return self.everything or (owner_id is not None and owner_id in self.owner_ids)

    def clause(
        self, *owner_columns: InstrumentedAttribute[uuid.UUID | None]
    ) -> ColumnElement[bool]:
        """A WHERE clause keeping rows one of whose ``owner_columns`` is a visible owner."""
        if self.everything:
            return true()
        if not self.owner_ids:
            return false()
        ids = sorted(self.owner_ids)
        return or_(*(column.in_(ids) for column in owner_columns))


def subordinate_user_ids(session: Session, manager_id: uuid.UUID) -> set[uuid.UUID]:
    """Everyone below ``manager_id``: members of their teams' subtree and their reports' chain.

    Two recursive CTEs (UNION, so a cycle in the data cannot loop forever); the same SQL runs
    on SQLite and PostgreSQL. ``manager_id`` itself is not included.
    """
    teams = (
        select(Team.id)
        .where(Team.manager_id == manager_id, Team.deleted_at.is_(None))
        .cte("managed_teams", recursive=True)
    )
    teams = teams.union(
        select(Team.id).where(Team.parent_id == teams.c.id, Team.deleted_at.is_(None))
    )
    reports = select(User.id).where(User.manager_id == manager_id).cte("reports", recursive=True)
    reports = reports.union(select(User.id).where(User.manager_id == reports.c.id))
    members = union(
        select(User.id).where(User.team_id.in_(select(teams.c.id))),
        select(Team.manager_id).where(
            Team.id.in_(select(teams.c.id)), Team.manager_id.is_not(None)
        ),
        select(reports.c.id),
    )
    found = {row[0] for row in session.execute(members)}
    found.discard(manager_id)
    return found


def visibility_for(session: Session, principal: Principal) -> Visibility:
    """What ``principal`` may see; computed once per session and principal."""
    if principal.sees_everything or principal.user_id is None:
        return Visibility(everything=True, owner_ids=frozenset())
    cache: dict[tuple[uuid.UUID, str], Visibility] = session.info.setdefault(_CACHE_KEY, {})
    key = (principal.user_id, principal.role)
    if key not in cache:
        # Across requests too (a few seconds), unless this unit of work changed users or teams.
        shared_key = (engine_key(session), *key)
        changed = auth_changed_in(session)
        found: Visibility | None = None if changed else VISIBILITY.get(shared_key)
        if found is None:
            generation = VISIBILITY.generation
            owners = {principal.user_id}
            if principal.role == Role.MANAGER.value:
                owners |= subordinate_user_ids(session, principal.user_id)
            found = Visibility(everything=False, owner_ids=frozenset(owners))
            if not changed:
                VISIBILITY.put(shared_key, found, generation)
        cache[key] = found
    return cache[key]


def forget_visibility(session: Session) -> None:
    """Drop cached visibility (after a team or reporting-line change in the same session);
    the process-wide cache is emptied when the session commits."""
    session.info.pop(_CACHE_KEY, None)
    mark_auth_changed(session)


def visible_owner_ids(session: Session, principal: Principal) -> frozenset[uuid.UUID] | None:
    """The owners whose records ``principal`` may see, or None when they see everything
    (the form report services take to restrict what they count)."""
    visibility = visibility_for(session, principal)
    return None if visibility.everything else visibility.owner_ids
