"""Login rate limiting, backed by ``login_attempts`` so every worker process agrees.

A username is locked after ``MAX_FAILURES_PER_USER`` failed attempts within ``WINDOW``; a
client address after ``MAX_FAILURES_PER_IP``. The lock lifts when the oldest failure that counts
leaves the window. A successful login does not erase earlier failures (a guesser who also knows
one password gains nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from coxswain.auth.errors import RateLimitedError
from coxswain.auth.models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 50


def _oldest_failure(
    session: Session, column: InstrumentedAttribute[Any], value: str, since: datetime, limit: int
) -> datetime | None:
    """The time of the failure that makes the count reach ``limit``, or None if under it."""
    recent = (
        select(LoginAttempt.attempted_at)
        .where(column == value, LoginAttempt.attempted_at >= since)
        .where(LoginAttempt.succeeded.is_(False))
        .order_by(LoginAttempt.attempted_at.desc())
        .limit(limit)
        .subquery()
    )
    count, oldest = session.execute(select(func.count(), func.min(recent.c.attempted_at))).one()
    return oldest if count >= limit else None


def check_login_allowed(
    session: Session, *, username: str, client_ip: str | None, now: datetime
) -> None:
    """Raise RateLimitedError when the username or the address has failed too often."""
    since = now - WINDOW
    checks: list[tuple[InstrumentedAttribute[Any], str, int, str]] = [
        (LoginAttempt.username, username, MAX_FAILURES_PER_USER, f"for {username}")
    ]
    if client_ip:
        checks.append((LoginAttempt.client_ip, client_ip, MAX_FAILURES_PER_IP, "from this address"))
    for column, value, limit, who in checks:
        oldest = _oldest_failure(session, column, value, since, limit)
        if oldest is not None:
            wait = max(1, int((oldest + WINDOW - now).total_seconds()) + 1)
            raise RateLimitedError(
                f"too many failed logins {who}: try again in {(wait + 59) // 60} minute(s)",
                retry_after=wait,
            )


def record_attempt(
    session: Session, *, username: str, client_ip: str | None, now: datetime, succeeded: bool
) -> None:
    session.add(
        LoginAttempt(username=username, client_ip=client_ip, attempted_at=now, succeeded=succeeded)
    )
    session.flush()
