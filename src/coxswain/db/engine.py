"""Engines and sessions. SQLite: foreign keys, WAL, busy timeout. PostgreSQL: psycopg 3."""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from coxswain.core.errors import ConfigurationError

BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "coxswain_write"
PING_AFTER_IDLE_S = 5.0
"""A pooled PostgreSQL connection idle for longer than this is pinged before it is reused."""


def normalize_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"database URL {url!r} is not a valid SQLAlchemy URL") from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"database URL {url!r}: Coxswain supports sqlite:/// and postgresql:// only"
        )
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (SAVEPOINTs and
    # transactional DDL then work as documented); see the "begin" listener below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 32 MB of page cache for index-heavy bulk inserts. More helps the import a little (256 MB:
    # -10 % CPU) but its memory counts against the import's 400 MB target (docs/benchmarks).
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A unit of work that will write takes SQLite's write lock when it begins (IMMEDIATE):
    # a deferred transaction that reads, then writes after another connection committed,
    # fails at once with "database is locked" (its snapshot is stale), whatever busy_timeout.
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; a SQLite file's folder is created when missing."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before reuse only when it sat idle for PING_AFTER_IDLE_S.

    ``pool_pre_ping`` pings on every checkout: one more round trip per unit of work, a large
    share of a short transaction on a busy machine. A connection handed back moments ago is
    alive unless the server went away in between; that rare case fails the one unit of work
    that meets it (the pool then drops the connection), as without any ping.
    """
    dialect = engine.dialect

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool retries with a fresh connection
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


_SESSION_FACTORIES: weakref.WeakKeyDictionary[Engine, sessionmaker[Session]] = (
    weakref.WeakKeyDictionary()
)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The engine's session factory, built once (a sessionmaker builds a Session subclass
    and its event dispatch: ~0.1 ms, a noticeable share of a short unit of work)."""
    factory = _SESSION_FACTORIES.get(engine)
    if factory is None:
        factory = _SESSION_FACTORIES[engine] = sessionmaker(bind=engine, expire_on_commit=False)
    return factory


@contextmanager
def unit_of_work(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """The one commit at the adapter edge: commit on success, roll back on any error.

    ``write=True`` declares a unit that changes data: on SQLite it takes the write lock when it
    begins, so it waits its turn (``busy_timeout``) instead of failing half-way when another
    connection commits between its reads and its first write. Readers are never blocked (WAL).
    """
    session = session_factory(engine)()
    try:
        if write:
            session.connection(execution_options={WRITE_OPTION: True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def stamp(session: Session, statement: Any) -> bool:
    """Write a bookkeeping stamp for a request: inside its unit of work when that unit writes
    anyway, otherwise on the side with :func:`best_effort`, so that a read stays a read.

    Returns whether it was written (or joined the unit's own writes); False when the database
    was busy and the stamp was skipped, so the caller can try again on a later request."""
    if session.connection().get_execution_options().get(WRITE_OPTION, False):
        session.execute(statement)
        return True
    bind = session.get_bind()
    return best_effort(bind if isinstance(bind, Engine) else bind.engine, statement)


def best_effort(engine: Engine, statement: Any, *, wait_ms: int = 200) -> bool:
    """Run one small bookkeeping write (a "last seen" stamp) in its own transaction, skipped
    when the database is busy: it must never fail or stall the request that asked for it.

    Returns whether it was written.
    """
    try:
        with engine.connect() as connection:
            # The driver connection directly: a statement through SQLAlchemy would begin the
            # transaction before the timeout is set.
            raw = connection.connection.driver_connection
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                raw.execute(f"PRAGMA busy_timeout={int(wait_ms)}")  # type: ignore[union-attr]
            try:
                with connection.begin():
                    if not sqlite:
                        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait_ms)}")
                    connection.execute(statement)
            finally:
                if sqlite:
                    raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # type: ignore[union-attr]
    except OperationalError:
        return False
    return True


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "sqlite"
