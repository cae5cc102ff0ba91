"""Users and teams: the directory everyone may read, changed by admins (users) and sales ops
(teams). Deactivating a user or changing a password ends their sessions and (on deactivation)
revokes their API tokens. Every change writes an audit event."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from coxswain.audit.service import apply_changes, record_change, snapshot
from coxswain.auth.listing import Page, PageParams, fetch_page, rows_as_dicts
from coxswain.auth.models import ApiToken
from coxswain.auth.passwords import hash_password
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.service import normalize_email, user_by_email
from coxswain.auth.sessions import end_all_sessions
from coxswain.auth.visibility import forget_visibility
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.errors import ConflictError, NotFoundError, ValidationError
from coxswain.people.models import Team, User
from coxswain.people.schemas import (
    TeamCreate,
    TeamRead,
    TeamUpdate,
    UserCreate,
    UserFilters,
    UserRead,
    UserUpdate,
)
from coxswain.people.working_hours import validate_time_zone

USER_FIELDS = ("email", "full_name", "role", "title", "manager_id", "team_id", "is_active")
TEAM_FIELDS = ("name", "parent_id", "manager_id", "region", "segment")
USER_SORTABLE = {
    "full_name": User.full_name,
    "email": User.email,
    "role": User.role,
    "created_at": User.created_at,
}


def team_member_ids(session: Session, team_id: uuid.UUID) -> set[uuid.UUID]:
    """Users in ``team_id`` or any team below it, plus those teams' managers (recursive CTE)."""
    tree = select(Team.id).where(Team.id == team_id).cte("team_tree", recursive=True)
    tree = tree.union(select(Team.id).where(Team.parent_id == tree.c.id))
    members = set(session.scalars(select(User.id).where(User.team_id.in_(select(tree.c.id)))))
    managers = session.scalars(
        select(Team.manager_id).where(Team.id.in_(select(tree.c.id)), Team.manager_id.is_not(None))
    )
    return members | {m for m in managers if m is not None}


def _user_read(user: User) -> UserRead:
    read = UserRead.model_validate(user)
    return read.model_copy(update={"has_password": bool(user.password_hash)})


USER_COLUMNS = tuple(
    # Whether a password is set, never the hash itself.
    and_(User.password_hash.is_not(None), User.password_hash != "").label(name)
    if name == "has_password"
    else getattr(User, name)
    for name in UserRead.model_fields
)


def list_user_rows(
    session: Session, actor: Principal, filters: UserFilters, params: PageParams
) -> Page[dict[str, Any]]:
    """One page of users as plain rows shaped like :class:`UserRead` (column select: no ORM
    identity map, no per-row model)."""
    actor.require(Permission.READ, "list users")
    stmt = select(*USER_COLUMNS).where(User.deleted_at.is_(None))
    if filters.q:
        pattern = filters.q.lower()
        stmt = stmt.where(
            or_(
                func.lower(User.full_name).contains(pattern, autoescape=True),
                func.lower(User.email).contains(pattern, autoescape=True),
            )
        )
    if filters.role is not None:
        stmt = stmt.where(User.role == filters.role.value)
    if filters.team_id is not None:
        stmt = stmt.where(User.team_id == filters.team_id)
    if filters.is_active is not None:
        stmt = stmt.where(User.is_active.is_(filters.is_active))
    page = fetch_page(
        session, stmt, params, sortable=USER_SORTABLE, default_sort="full_name", tie_breaker=User.id
    )
    return Page(rows_as_dicts(page.items), page.limit, page.offset, page.has_more, page.total)


def list_users(
    session: Session, actor: Principal, filters: UserFilters, params: PageParams
) -> Page[UserRead]:
    page = list_user_rows(session, actor, filters, params)
    return Page(
        [UserRead.model_validate(row) for row in page.items],
        page.limit,
        page.offset,
        page.has_more,
        page.total,
    )


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFoundError(f"user {user_id} not found")
    return user


def get_user(session: Session, actor: Principal, user_id: uuid.UUID) -> UserRead:
    actor.require(Permission.READ, "read users")
    return _user_read(_user(session, user_id))


def _audit(
    session: Session,
    actor: Principal,
    action: str,
    entity: str,
    entity_id: uuid.UUID,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    clock: Clock,
) -> None:
    record_change(
        session,
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        occurred_at=clock.now(),
    )


def _check_refs(session: Session, manager_id: uuid.UUID | None, team_id: uuid.UUID | None) -> None:
    if manager_id is not None:
        _user(session, manager_id)
    if team_id is not None and session.get(Team, team_id) is None:
        raise ValidationError(f"team {team_id}: expected an existing team")


def create_user(
    session: Session, actor: Principal, data: UserCreate, *, clock: Clock | None = None
) -> UserRead:
    """Create a user (admin only); the e-mail must be new (any case)."""
    actor.require(Permission.MANAGE_USERS, "create users")
    if user_by_email(session, data.email) is not None:
        raise ConflictError(f"a user with e-mail {data.email} already exists")
    try:
        validate_time_zone(data.time_zone)
    except ValueError as exc:
        raise ValidationError(f"time_zone {data.time_zone!r}: expected {exc}") from None
    _check_refs(session, data.manager_id, data.team_id)
    values = data.model_dump(exclude={"password", "email"})
    values["role"] = data.role.value
    values["segment"] = data.segment.value if data.segment else None
    user = User(email=normalize_email(data.email), **values)
    if data.password:
        user.password_hash = hash_password(data.password)
    session.add(user)
    session.flush()
    _audit(
        session,
        actor,
        "create",
        "user",
        user.id,
        None,
        snapshot(user, USER_FIELDS),
        clock or SystemClock(),
    )
    return _user_read(user)


def update_user(
    session: Session,
    actor: Principal,
    user_id: uuid.UUID,
    data: UserUpdate,
    *,
    clock: Clock | None = None,
) -> UserRead:
    """Change a user (admin only). Deactivating ends their sessions and revokes their tokens."""
    actor.require(Permission.MANAGE_USERS, "change users")
    clock = clock or SystemClock()
    user = _user(session, user_id)
    changes = {k: getattr(data, k) for k in data.model_fields_set}
    for key in ("role", "segment"):
        if changes.get(key) is not None:
            changes[key] = changes[key].value
    if changes.get("manager_id") == user_id:
        raise ValidationError("a user cannot be their own manager")
    _check_refs(session, changes.get("manager_id"), changes.get("team_id"))
    if user.id == actor.user_id and (changes.get("is_active") is False or "role" in changes):
        raise ValidationError("you cannot deactivate yourself or change your own role")
    before, after = apply_changes(user, changes)
    if after.get("is_active") is False:
        end_all_sessions(session, user_id=user.id, now=clock.now())
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=clock.now())
        )
    if before:
        _audit(session, actor, "update", "user", user.id, before, after, clock)
    forget_visibility(session)
    session.flush()
    return _user_read(user)


def set_password(
    session: Session,
    actor: Principal,
    user_id: uuid.UUID,
    password: str,
    *,
    clock: Clock | None = None,
) -> None:
    """Set a password: admins for anyone, every user for themselves. Ends the user's sessions."""
    if actor.user_id != user_id:
        actor.require(Permission.MANAGE_USERS, "set other users' passwords")
    clock = clock or SystemClock()
    user = _user(session, user_id)
    user.password_hash = hash_password(password)
    end_all_sessions(session, user_id=user.id, now=clock.now())
    _audit(session, actor, "set_password", "user", user.id, None, {"password": "changed"}, clock)
    session.flush()


def list_teams(session: Session, actor: Principal) -> list[TeamRead]:
    actor.require(Permission.READ, "list teams")
    manager = aliased(User)
    counts = (
        select(User.team_id, func.count().label("members"))
        .where(User.deleted_at.is_(None), User.is_active.is_(True))
        .group_by(User.team_id)
        .subquery()
    )
    rows = session.execute(
        select(Team, manager.full_name, counts.c.members)
        .outerjoin(manager, manager.id == Team.manager_id)
        .outerjoin(counts, counts.c.team_id == Team.id)
        .where(Team.deleted_at.is_(None))
        .order_by(Team.name)
    ).all()
    return [
        TeamRead.model_validate(team).model_copy(
            update={"manager_name": name, "members": members or 0}
        )
        for team, name, members in rows
    ]


def _team(session: Session, team_id: uuid.UUID) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.deleted_at is not None:
        raise NotFoundError(f"team {team_id} not found")
    return team


def _check_team_refs(session: Session, team_id: uuid.UUID | None, changes: dict[str, Any]) -> None:
    parent_id = changes.get("parent_id")
    if parent_id is not None:
        _team(session, parent_id)
        if team_id is not None and parent_id in team_subtree(session, team_id):
            raise ValidationError("a team cannot sit under itself or one of its sub-teams")
    if changes.get("manager_id") is not None:
        _user(session, changes["manager_id"])
    name = changes.get("name")
    clash = name and session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower()))
    if clash and clash != team_id:
        raise ConflictError(f"a team named {name!r} already exists")


def team_subtree(session: Session, team_id: uuid.UUID) -> set[uuid.UUID]:
    tree = select(Team.id).where(Team.id == team_id).cte("subtree", recursive=True)
    tree = tree.union(select(Team.id).where(Team.parent_id == tree.c.id))
    return set(session.scalars(select(tree.c.id)))


def create_team(
    session: Session, actor: Principal, data: TeamCreate, *, clock: Clock | None = None
) -> TeamRead:
    actor.require(Permission.CONFIGURE, "create teams")
    values = data.model_dump()
    values["segment"] = data.segment.value if data.segment else None
    _check_team_refs(session, None, values)
    team = Team(**values)
    session.add(team)
    session.flush()
    _audit(
        session,
        actor,
        "create",
        "team",
        team.id,
        None,
        snapshot(team, TEAM_FIELDS),
        clock or SystemClock(),
    )
    forget_visibility(session)
    return TeamRead.model_validate(team)


def update_team(
    session: Session,
    actor: Principal,
    team_id: uuid.UUID,
    data: TeamUpdate,
    *,
    clock: Clock | None = None,
) -> TeamRead:
    actor.require(Permission.CONFIGURE, "change teams")
    team = _team(session, team_id)
    changes = {k: getattr(data, k) for k in data.model_fields_set}
    if changes.get("segment") is not None:
        changes["segment"] = changes["segment"].value
    _check_team_refs(session, team_id, changes)
    before, after = apply_changes(team, changes)
    if before:
        _audit(session, actor, "update", "team", team.id, before, after, clock or SystemClock())
    forget_visibility(session)
    session.flush()
    return TeamRead.model_validate(team)
