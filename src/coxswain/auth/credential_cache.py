"""Per-process, short-lived memory of resolved credentials and visibility sets.

Every API call and page view resolves its bearer token or session cookie (a join of the
credential and its user) and, for a manager, walks the team hierarchy (two recursive CTEs).
On a busy server that is the same answer thousands of times a minute, so the answers are kept
here for :data:`TTL_SECONDS`:

- credentials, keyed by (engine, kind, SHA-256 digest of the secret): what the database said
  about the token or session and its user. Expiry, idle timeout and scopes are still checked
  against ``now`` on every request; only the database read is skipped;
- visibility sets, keyed by (engine, user id, role).

Invalidation: a unit of work that changes who may do or see what (revokes a token, ends a
session, changes or deactivates a user, changes a team; see :func:`mark_auth_changed` and the
ORM flush hook below) empties both caches of this process when it commits, so this process
never serves a revoked token or an old team tree after the change. Other processes (the other
uvicorn workers, the CLI) cannot reach this memory: there a change takes effect within
:data:`TTL_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from coxswain.auth.models import ApiToken, WebSession
from coxswain.people.models import Team, User

V = TypeVar("V")

TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000
_CHANGED_KEY = "coxswain.auth_changed"


class ShortLivedCache(Generic[V]):
    """A thread-safe mapping whose entries vanish ``ttl_seconds`` after they were stored
    (monotonic clock, so an injected application clock does not age them)."""

    def __init__(self, ttl_seconds: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self.generation = 0  # bumped by clear(): read it before loading, pass it to put()

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            with self._lock:
                self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: Hashable, value: V, generation: int | None = None) -> None:
        """Store ``value``, unless the cache was cleared since ``generation`` was read (the
        value was loaded before a change committed and would bring the old answer back)."""
        with self._lock:
            if generation is not None and generation != self.generation:
                return
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1

    def __len__(self) -> int:
        return len(self._entries)


CREDENTIALS: ShortLivedCache[Any] = ShortLivedCache()
VISIBILITY: ShortLivedCache[Any] = ShortLivedCache()


def forget_everything() -> None:
    """Empty both caches (this process only)."""
    CREDENTIALS.clear()
    VISIBILITY.clear()


def engine_key(session: Session) -> Hashable:
    """The engine ``session`` runs on: the same secret on two databases is two entries."""
    return session.get_bind()


def mark_auth_changed(session: Session) -> None:
    """Say that this unit of work changes credentials, users or teams: the caches are
    emptied when it commits (not before, so a concurrent request cannot refill them with
    what the database said before the commit)."""
    session.info[_CHANGED_KEY] = True


def auth_changed_in(session: Session) -> bool:
    """Whether this unit of work changed credentials, users or teams (not yet committed)."""
    return bool(session.info.get(_CHANGED_KEY))


_AUTH_MODELS = (User, Team)
_CREDENTIAL_MODELS = (ApiToken, WebSession)


@event.listens_for(Session, "after_flush")
def _note_orm_changes(session: Session, _context: Any) -> None:
    """Changed or deleted users, teams, tokens and sessions, and new users and teams (a new
    member of a manager's team widens what the manager sees); new tokens and sessions change
    nothing already cached."""
    changed = [*session.dirty, *session.deleted]
    if any(isinstance(obj, _AUTH_MODELS + _CREDENTIAL_MODELS) for obj in changed) or any(
        isinstance(obj, _AUTH_MODELS) for obj in session.new
    ):
        mark_auth_changed(session)


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED_KEY, False):
        forget_everything()
