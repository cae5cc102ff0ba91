"""Readers and writers side by side: a read never fails because another connection writes,
and a unit of work that writes waits its turn instead of failing on a stale snapshot."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text

from coxswain.auth.models import ApiToken
from coxswain.auth.service import ensure_user
from coxswain.auth.tokens import TOUCH_EVERY, issue_token, principal_from_token
from coxswain.db.engine import unit_of_work

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _token(engine: Engine) -> str:
    with unit_of_work(engine, write=True) as session:
        user = ensure_user(
            session, email="ana@example.test", full_name="Ana", role="rep", password="pw-123456789"
        )
        session.flush()
        issued = issue_token(session, user=user, name="laptop", scopes=None, now=NOW)
        return issued.secret


def _last_used(engine: Engine) -> datetime | None:
    with unit_of_work(engine) as session:
        return session.scalar(select(ApiToken.last_used_at))


def test_a_read_is_not_stalled_or_failed_by_a_writer(engine: Engine) -> None:
    """While an import-like writer holds the write lock, a bearer-token read whose "last
    used" stamp is due answers at once; the stamp is skipped, then written once free."""
    secret = _token(engine)
    later = NOW + TOUCH_EVERY + timedelta(minutes=1)
    if engine.dialect.name == "sqlite":
        holder = sqlite3.connect(str(engine.url.database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as a running import holds it
        release = holder.rollback
    else:
        connection = engine.connect()
        connection.execute(text("SELECT 1 FROM api_tokens FOR UPDATE"))  # the token's row lock
        release = connection.close
    try:
        started = time.perf_counter()
        with unit_of_work(engine) as session:
            principal = principal_from_token(session, secret, now=later)
        assert time.perf_counter() - started < 5  # busy_timeout is 30 s: the stamp did not wait
        assert principal.email == "ana@example.test"
    finally:
        release()
    stamped = _last_used(engine)
    assert stamped is None or stamped < later  # skipped while busy
    with unit_of_work(engine) as session:
        principal_from_token(session, secret, now=later)
    assert _last_used(engine) == later


def test_a_writing_unit_waits_for_the_lock_instead_of_failing(engine: Engine) -> None:
    """Two writing units that both read first, then write: the second waits for the first
    (SQLite: BEGIN IMMEDIATE), and both land."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has row locks and MVCC: no database-wide write lock")
    _token(engine)
    first_in = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with unit_of_work(engine, write=True) as session:
                session.scalar(select(ApiToken.name))
                first_in.set()
                release.wait(5)
                session.execute(text("UPDATE api_tokens SET name = name || '-1'"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(5)
    threading.Timer(0.3, release.set).start()
    # Without the write lock up front, this unit would read, then fail with "database is
    # locked" when the first commits between its read and its write.
    with unit_of_work(engine, write=True) as session:
        session.scalar(select(ApiToken.name))
        session.execute(text("UPDATE api_tokens SET name = name || '-2'"))
    thread.join(5)
    assert not errors
    with unit_of_work(engine) as session:
        assert session.scalar(select(ApiToken.name)) == "laptop-1-2"
