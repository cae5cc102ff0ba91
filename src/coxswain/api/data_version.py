"""A cheap "has the data changed?" number for the report caches of the web app and the API.

Reports (dashboard, KPIs, funnel) are kept until the data they read changes rather than for a
fixed time, so a quiet database costs no recomputation at all. The version is a pair:

- a counter of this process's committed write requests (:meth:`DataVersion.bump`, called by
  the API's unit of work), so a user sees the effect of their own change on the next refresh;
- the database's own change counter, read at most every ``min_interval`` seconds:

  - PostgreSQL: rows inserted, updated and deleted in the application tables according to the
    statistics collector (``pg_stat_user_tables``; the auth bookkeeping tables are left out so
    that logins and "last used" stamps do not invalidate reports, and temporary tables, which
    the reports themselves fill). Another process's commits
    show there within about ten seconds (PostgreSQL flushes a backend's counters at most once
    a second and at the latest ten seconds after it goes idle);
  - a SQLite file: the modification time and size of the database and its write-ahead log;
  - anything else (an in-memory SQLite database): a clock bucket of ``fallback_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

AUTH_BOOKKEEPING_TABLES = ("web_sessions", "api_tokens", "login_attempts")
# Temporary tables are left out too: they show in the statistics view under a ``pg_temp_N``
# schema, and the analytics workspace fills its model tables there on every report, so a
# report's own computation used to count as a change and made the next request recompute it.
PG_CHANGES = text(
    "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
    " WHERE relname NOT IN (" + ", ".join(f"'{t}'" for t in AUTH_BOOKKEEPING_TABLES) + ")"
    " AND schemaname NOT LIKE 'pg\\_temp\\_%'"
)


class DataVersion:
    """The data version of one database, as seen from this process (thread-safe)."""

    def __init__(
        self, engine: Engine, *, min_interval: float = 1.0, fallback_seconds: float = 30.0
    ) -> None:
        self.engine = engine
        self.min_interval = min_interval
        self.fallback_seconds = fallback_seconds
        self._local = 0
        self._database: Hashable = None
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def bump(self) -> None:
        """Record that this process committed a change (reports recompute on next use)."""
        with self._lock:
            self._local += 1

    def current(self) -> Hashable:
        """The version now; equal versions mean no change was seen in between."""
        now = time.monotonic()
        if now - self._read_at >= self.min_interval:
            database = self._read_database()
            with self._lock:
                self._database, self._read_at = database, now
        with self._lock:
            return (self._local, self._database)

    def _read_database(self) -> Hashable:
        dialect = self.engine.dialect.name
        try:
            if dialect == "postgresql":
                with self.engine.connect() as connection:
                    return int(connection.execute(PG_CHANGES).scalar_one())
            database = self.engine.url.database
            if dialect == "sqlite" and database and database != ":memory:":
                return _file_stamp(Path(database))
        except (SQLAlchemyError, OSError):
            pass
        return ("clock", int(time.monotonic() // self.fallback_seconds))


def _file_stamp(database: Path) -> tuple[int, int, int, int]:
    """Modification time and size of a SQLite file and of its write-ahead log (0 when absent)."""
    main = database.stat()
    wal = database.with_name(database.name + "-wal")
    try:
        log = wal.stat()
        wal_stamp = (log.st_mtime_ns, log.st_size)
    except FileNotFoundError:
        wal_stamp = (0, 0)
    return (main.st_mtime_ns, main.st_size, *wal_stamp)
