"""A block's ``COPY`` on a worker thread while the client prepares the next block.

On PostgreSQL the server stores a block (COPY parsing, heap, indexes) on its own core while the
client, on the other, reads and checks the next one: :meth:`BackgroundCopy.submit` hands the
block's columns to one worker thread, which encodes them (:mod:`pg_copy`, Arrow kernels that
release the GIL) and sends them inside a savepoint of the import's transaction, on the
import's own connection. At most one block is in flight.

The rule that keeps this correct: the import's thread calls :meth:`BackgroundCopy.settle`
before it touches the database again (a query, the row path, the end of the import), so every
statement still runs in the order the synchronous code ran them, and a block the server
refused is rolled back to its savepoint and handed to the row path (the ``done`` callback)
before anything that could depend on it. On SQLite (and when asked) the block is written at
once by :func:`~coxswain.imports.fast.arrow_insert.insert_columns`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import Table
from sqlalchemy.orm import Session

from coxswain.imports.fast.arrow_insert import _copy, insert_columns, sorted_ids

SAVEPOINT = "cx_block_copy"
Done = Callable[[bool], None]


def _copy_in_savepoint(driver: Any, table: Table, ids: np.ndarray, columns: dict[str, Any]) -> bool:
    """COPY one block in its own savepoint: True if stored, False (and nothing kept) if the
    server refused it. Any other error is raised after the savepoint is rolled back."""
    with driver.cursor() as cursor:
        cursor.execute(f"SAVEPOINT {SAVEPOINT}")
        try:
            _copy(driver, table, ids, columns)
        except BaseException as exc:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
            cursor.execute(f"RELEASE SAVEPOINT {SAVEPOINT}")
            if isinstance(exc, psycopg.Error):
                return False
            raise
        cursor.execute(f"RELEASE SAVEPOINT {SAVEPOINT}")
    return True


class BackgroundCopy:
    """One import's block inserts; see the module docstring."""

    def __init__(self, session: Session, *, background: bool | None = None) -> None:
        self.session = session
        postgres = session.get_bind().dialect.name == "postgresql"
        self.background = postgres if background is None else background and postgres
        self._pool: ThreadPoolExecutor | None = None
        self._pending: tuple[Future[bool], Done] | None = None

    def submit(self, table: Table, columns: dict[str, Any], count: int, done: Done) -> None:
        """Insert ``count`` new rows; ``done(stored)`` runs in this thread once it is known."""
        self.settle()
        if not self.background:
            done(insert_columns(self.session, table, columns, count))
            return
        driver = self.session.connection().connection.driver_connection
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cx-copy")
        future = self._pool.submit(_copy_in_savepoint, driver, table, sorted_ids(count), columns)
        self._pending = (future, done)

    def settle(self) -> None:
        """Wait for the block in flight and run its ``done``; call before any other statement."""
        if self._pending is None:
            return
        future, done = self._pending
        self._pending = None
        done(future.result())

    def close(self, *, failed: bool = False) -> None:
        """Settle (or, after a failure, only wait for the block in flight: the transaction is
        about to be rolled back) and stop the worker thread."""
        try:
            if failed and self._pending is not None:
                future, _ = self._pending
                self._pending = None
                future.exception()  # wait; the import's own error is the one reported
            self.settle()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
