"""Browser sessions: an opaque cookie (hashed in ``web_sessions``) plus a per-session CSRF token.

The cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` outside development; every
state-changing request must also carry the session's CSRF token (form field ``csrf_token`` or
header ``X-CSRF-Token``), compared in constant time. A session ends after ``IDLE_TIMEOUT``
without use or ``ABSOLUTE_LIFETIME`` after login, whichever comes first.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coxswain.auth.credential_cache import CREDENTIALS, engine_key, mark_auth_changed
from coxswain.auth.errors import AuthenticationError, CsrfError
from coxswain.auth.models import WebSession
from coxswain.auth.principal import Principal
from coxswain.auth.tokens import digest
from coxswain.db.engine import stamp
from coxswain.people.models import User

IDLE_TIMEOUT = timedelta(hours=12)
ABSOLUTE_LIFETIME = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class StartedSession:
    """A new login: ``cookie_value`` goes to the browser once; only its hash is stored."""

    session: WebSession
    cookie_value: str


@dataclass(frozen=True, slots=True)
class ActiveSession:
    principal: Principal
    csrf_token: str
    session_id: object


def start_session(
    session: Session,
    *,
    user: User,
    now: datetime,
    user_agent: str | None = None,
    client_ip: str | None = None,
) -> StartedSession:
    cookie_value = secrets.token_urlsafe(32)
    row = WebSession(
        user_id=user.id,
        token_hash=digest(cookie_value),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_LIFETIME,
        user_agent=(user_agent or "")[:300] or None,
        client_ip=client_ip,
    )
    session.add(row)
    session.flush()
    return StartedSession(session=row, cookie_value=cookie_value)


@dataclass(slots=True)
class _KnownSession:
    """What the database said about a session and its user (cached a few seconds)."""

    expires_at: datetime
    last_seen_at: datetime
    active: ActiveSession


def _load_session(session: Session, token_hash: str, now: datetime) -> _KnownSession:
    row = session.execute(
        select(
            WebSession.id,
            WebSession.csrf_token,
            WebSession.expires_at,
            WebSession.last_seen_at,
            WebSession.revoked_at,
            User.id,
            User.email,
            User.role,
            User.full_name,
            User.is_active,
            User.deleted_at,
        )
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == token_hash)
    ).one_or_none()
    if row is None:
        raise AuthenticationError("not logged in")
    session_id, csrf_token, expires_at, last_seen_at, revoked_at = row[:5]
    user_id, email, role, full_name, is_active, deleted_at = row[5:]
    if revoked_at is not None or expires_at <= now:
        raise AuthenticationError("your session ended: log in again")
    if not is_active or deleted_at is not None:
        raise AuthenticationError(f"user {email} is deactivated")
    principal = Principal(user_id=user_id, email=email, role=role, full_name=full_name)
    active = ActiveSession(principal=principal, csrf_token=csrf_token, session_id=session_id)
    return _KnownSession(expires_at, last_seen_at, active)


def cached_session(session: Session, cookie_value: str, *, now: datetime) -> ActiveSession | None:
    """The web session behind a cookie resolved a moment ago, without any I/O; ``None`` when
    the database must be asked (not cached, or its "last seen" stamp is due).

    Raises:
        AuthenticationError: the cached session has ended or timed out by ``now``.
    """
    key = (engine_key(session), "session", digest(cookie_value))
    known: _KnownSession | None = CREDENTIALS.get(key)
    if known is None:
        return None
    if known.expires_at <= now:
        raise AuthenticationError("your session ended: log in again")
    if now - known.last_seen_at > IDLE_TIMEOUT:
        raise AuthenticationError("your session timed out: log in again")
    if now - known.last_seen_at > TOUCH_EVERY:
        return None
    return known.active


def resolve_session(session: Session, cookie_value: str, *, now: datetime) -> ActiveSession:
    """The logged-in user behind a session cookie.

    The database answer is kept a few seconds (:mod:`coxswain.auth.credential_cache`); the
    absolute and idle timeouts are checked against ``now`` every time.

    Raises:
        AuthenticationError: unknown, ended, idle-expired session or a deactivated user.
    """
    token_hash = digest(cookie_value)
    key = (engine_key(session), "session", token_hash)
    known: _KnownSession | None = CREDENTIALS.get(key)
    if known is None:
        generation = CREDENTIALS.generation
        known = _load_session(session, token_hash, now)
        CREDENTIALS.put(key, known, generation)
    if known.expires_at <= now:
        raise AuthenticationError("your session ended: log in again")
    if now - known.last_seen_at > IDLE_TIMEOUT:
        raise AuthenticationError("your session timed out: log in again")
    if now - known.last_seen_at > TOUCH_EVERY:
        statement = update(WebSession).where(WebSession.id == known.active.session_id)
        if stamp(session, statement.values(last_seen_at=now)):
            known.last_seen_at = now  # skipped while busy: the next request tries again
    return known.active


def check_csrf(active: ActiveSession, presented: str | None) -> None:
    """Raise CsrfError unless ``presented`` equals the session's CSRF token."""
    if not presented or not hmac.compare_digest(presented, active.csrf_token):
        raise CsrfError("the form's security token is missing or stale: reload the page")


def end_session(session: Session, cookie_value: str, *, now: datetime) -> None:
    mark_auth_changed(session)
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == digest(cookie_value), WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def end_all_sessions(session: Session, *, user_id: object, now: datetime) -> int:
    """Log a user out everywhere (password change, deactivation); returns sessions ended."""
    mark_auth_changed(session)
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
