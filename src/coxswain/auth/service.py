"""Login use cases: check a password (rate limited), create logins for the demo and the CLI.

Services never commit. ``attempt_login`` records the attempt and returns the outcome instead of
raising on a wrong password, so the adapter can commit the attempt (rate limiting needs it)
before answering 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.auth.passwords import hash_password, needs_rehash, verify_password
from coxswain.auth.principal import Principal
from coxswain.auth.ratelimit import check_login_allowed, record_attempt
from coxswain.core.enums import Role
from coxswain.core.errors import ValidationError
from coxswain.people.models import User


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """``user`` on success; otherwise ``None`` and a ``reason`` safe to show (never which part)."""

    user: User | None
    reason: str = "wrong e-mail or password"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def attempt_login(
    session: Session, *, username: str, password: str, client_ip: str | None, now: datetime
) -> LoginOutcome:
    """Check ``username``/``password``; record the attempt either way.

    Raises:
        RateLimitedError: too many recent failures for this user or address (not recorded).
    """
    username = normalize_email(username)
    check_login_allowed(session, username=username, client_ip=client_ip, now=now)
    user = user_by_email(session, username)
    hashed = user.password_hash if user is not None else None
    ok = verify_password(hashed, password)
    if ok and user is not None and (not user.is_active or user.deleted_at is not None):
        ok = False
    record_attempt(session, username=username, client_ip=client_ip, now=now, succeeded=ok)
    if not ok or user is None:
        return LoginOutcome(user=None)
    if hashed and needs_rehash(hashed):
        user.password_hash = hash_password(password)
    return LoginOutcome(user=user)


def principal_of(user: User) -> Principal:
    """The principal for a user acting with every scope (CLI on their behalf, tests)."""
    return Principal(user_id=user.id, email=user.email, role=user.role, full_name=user.full_name)


def parse_role(role: str) -> str:
    try:
        return Role(role.strip().lower()).value
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationError(f"unknown role {role!r}: expected one of {allowed}") from None


def ensure_user(session: Session, *, email: str, full_name: str, role: str, password: str) -> User:
    """Create a login, or update the existing user with that e-mail (role, name, password).

    Used by ``coxswain demo`` and ``coxswain users create``; idempotent for the same input.
    """
    role = parse_role(role)
    user = user_by_email(session, email)
    if user is None:
        user = User(email=normalize_email(email), full_name=full_name.strip(), role=role)
        session.add(user)
    else:
        user.full_name = full_name.strip() or user.full_name
        user.role = role
        user.is_active = True
        user.deleted_at = None
    if user.password_hash is None or not verify_password(user.password_hash, password):
        user.password_hash = hash_password(password)
    session.flush()
    return user
