"""PostgreSQL connection pool: a connection idle past the threshold is pinged before reuse
(a dead one is replaced, the unit of work never sees it); one reused at once is not pinged."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from coxswain.db import engine as engine_module
from coxswain.db.engine import make_engine, session_factory, unit_of_work
from tests.conftest import PG_ADMIN_DSN


def _backend_pid(engine: engine_module.Engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.fixture
def pg_url(backend: str, database_url: str) -> str:
    if backend != "postgresql":
        pytest.skip("pooled PostgreSQL connections only")
    return database_url


def test_idle_connection_is_pinged_and_replaced_when_dead(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(pg_url, pool_size=1)
    try:
        first = _backend_pid(engine)
        _terminate(first)
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)  # every reuse is "idle"
        second = _backend_pid(engine)  # the ping finds it dead: a fresh connection, no error
        assert second != first
    finally:
        engine.dispose()


def test_connection_reused_at_once_is_not_pinged(pg_url: str) -> None:
    """Without a ping, a connection killed between two quick units fails the next unit
    once (the trade-off the threshold makes); the pool then replaces it."""
    engine = make_engine(pg_url, pool_size=1)
    try:
        first = _backend_pid(engine)
        _terminate(first)
        with pytest.raises(OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()


def test_session_factory_is_built_once_per_engine(pg_url: str) -> None:
    engine = make_engine(pg_url)
    other = make_engine(pg_url)
    try:
        assert session_factory(engine) is session_factory(engine)
        assert session_factory(engine) is not session_factory(other)
    finally:
        engine.dispose()
        other.dispose()
