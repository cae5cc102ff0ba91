"""Bearer API tokens: scoped, revocable, stored as SHA-256 hashes.

A token reads ``cxs_<43 url-safe characters>`` (256 bits of randomness). It is shown once, when
created; afterwards only its prefix (for recognition) and its hash are kept.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coxswain.auth.credential_cache import CREDENTIALS, engine_key, mark_auth_changed
from coxswain.auth.errors import AuthenticationError
from coxswain.auth.models import ApiToken
from coxswain.auth.principal import ROLE_PERMISSIONS, SCOPE_FOR, Permission, Principal, Scope
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.db.engine import stamp
from coxswain.people.models import User

TOKEN_PREFIX = "cxs_"
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly created token: ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    """Scopes from names (``read``, ``write``, ``admin``); unknown names are refused."""
    scopes: set[Scope] = set()
    for raw in values:
        for name in raw.replace(",", " ").split():
            try:
                scopes.add(Scope(name.strip().lower()))
            except ValueError:
                allowed = ", ".join(s.value for s in Scope)
                raise ValidationError(f"unknown scope {name!r}: expected {allowed}") from None
    return frozenset(scopes)


def role_scopes(role: str) -> frozenset[Scope]:
    """The scopes that grant something to ``role`` (a finance token never needs ``write``)."""
    return frozenset(SCOPE_FOR[p] for p in ROLE_PERMISSIONS.get(role, frozenset()))


def issue_token(
    session: Session,
    *,
    user: User,
    name: str,
    scopes: frozenset[Scope] | None,
    now: datetime,
    expires_in: timedelta | None = None,
) -> IssuedToken:
    """Create a token for ``user``; ``scopes`` None means every scope the role can use.

    Raises:
        ValidationError: a scope the user's role could never use, or an empty name.
    """
    usable = role_scopes(user.role)
    wanted = usable if scopes is None else scopes
    extra = wanted - usable
    if extra:
        names = ", ".join(sorted(s.value for s in extra))
        raise ValidationError(f"the {user.role} role cannot use the scope(s) {names}")
    if not wanted:
        raise ValidationError("a token needs at least one scope: read, write or admin")
    if not name.strip():
        raise ValidationError("a token needs a name saying what it is for")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:200],
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=digest(secret),
        scopes=sorted(s.value for s in wanted),
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token=token, secret=secret)


@dataclass(slots=True)
class _KnownToken:
    """What the database said about a token and its user (cached a few seconds)."""

    token_id: uuid.UUID
    prefix: str
    expires_at: datetime | None
    last_used_at: datetime | None
    principal: Principal


def _load_token(session: Session, token_hash: str) -> _KnownToken:
    row = session.execute(
        select(
            ApiToken.id,
            ApiToken.prefix,
            ApiToken.scopes,
            ApiToken.expires_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
            User.id,
            User.email,
            User.role,
            User.full_name,
            User.is_active,
            User.deleted_at,
        )
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash)
    ).one_or_none()
    if row is None:
        raise AuthenticationError("invalid API token")
    token_id, prefix, scopes, expires_at, last_used_at, revoked_at = row[:6]
    user_id, email, role, full_name, is_active, deleted_at = row[6:]
    if revoked_at is not None:
        raise AuthenticationError(f"API token {prefix}… was revoked")
    if not is_active or deleted_at is not None:
        raise AuthenticationError(f"user {email} is deactivated")
    principal = Principal(
        user_id=user_id,
        email=email,
        role=role,
        scopes=frozenset(Scope(s) for s in scopes),
        full_name=full_name,
    )
    return _KnownToken(token_id, prefix, expires_at, last_used_at, principal)


def cached_principal(session: Session, secret: str, *, now: datetime) -> Principal | None:
    """The principal of a token resolved a moment ago, without any I/O; ``None`` when the
    database must be asked (not cached, or its "last used" stamp is due).

    Raises:
        AuthenticationError: the cached token has expired by ``now``.
    """
    known: _KnownToken | None = CREDENTIALS.get((engine_key(session), "token", digest(secret)))
    if known is None:
        return None
    if known.expires_at is not None and known.expires_at <= now:
        raise AuthenticationError(f"API token {known.prefix}… expired")
    if known.last_used_at is None or now - known.last_used_at > TOUCH_EVERY:
        return None
    return known.principal


def principal_from_token(session: Session, secret: str, *, now: datetime) -> Principal:
    """The principal a bearer token stands for.

    The database answer is kept a few seconds (:mod:`coxswain.auth.credential_cache`);
    expiry is checked against ``now`` every time, and ``last_used_at`` is stamped at most
    every ``TOUCH_EVERY``.

    Raises:
        AuthenticationError: unknown, revoked or expired token, or an inactive user.
    """
    token_hash = digest(secret)
    key = (engine_key(session), "token", token_hash)
    known: _KnownToken | None = CREDENTIALS.get(key)
    if known is None:
        generation = CREDENTIALS.generation
        known = _load_token(session, token_hash)
        CREDENTIALS.put(key, known, generation)
    if known.expires_at is not None and known.expires_at <= now:
        raise AuthenticationError(f"API token {known.prefix}… expired")
    if known.last_used_at is None or now - known.last_used_at > TOUCH_EVERY:
        statement = update(ApiToken).where(ApiToken.id == known.token_id)
        if stamp(session, statement.values(last_used_at=now)):
            known.last_used_at = now  # skipped while busy: the next request tries again
    return known.principal


def list_tokens(session: Session, *, user_id: uuid.UUID | None = None) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc())
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    return list(session.scalars(stmt))


def revoke_token(
    session: Session, *, actor: Principal, token_id: uuid.UUID, now: datetime
) -> ApiToken:
    """Revoke a token: its owner or an admin may. Revoking twice is harmless."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"API token {token_id} not found")
    if token.user_id != actor.user_id and not actor.can(Permission.MANAGE_USERS):
        raise NotFoundError(f"API token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
        mark_auth_changed(session)
    return token
