"""Load an empty table without its secondary indexes, then build them once.

Maintaining eight B-trees row by row while a million rows arrive costs more than sorting each
index once at the end (``CREATE INDEX``). Only non-unique indexes are deferred: the primary key
and the unique external-id key stay, so duplicates are still refused while the rows land. On
PostgreSQL the foreign keys are deferred too (as ``pg_restore`` does): checked row by row they
are one trigger and one index probe per key per row; added back at the end, each is validated
by one join over the whole table. The importer resolves every reference before it writes, so
the final check is a safety net that fails the import (and rolls it back) rather than the
usual guard. The drop and the rebuild run inside the import's transaction (DDL is
transactional on SQLite and PostgreSQL): an import that fails is rolled back with its schema
change, and nothing else sees the table without its indexes (PostgreSQL holds the table's
exclusive lock until commit).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, ForeignKeyConstraint, Index, Table, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

#: Page cache (KiB) while SQLite sorts the deferred indexes; see :func:`_sort_memory`.
SORT_CACHE_KIB = 16 * 1024


@contextmanager
def indexes_built_after(
    session: Session, table: Table, *, keep: frozenset[str] = frozenset()
) -> Iterator[list[Index]]:
    """While the block runs, ``table`` has no secondary indexes if it started empty.

    Yields the deferred indexes (empty when the table already held rows, where dropping the
    indexes would mean re-sorting everything already there). Indexes named in ``keep`` stay:
    the import itself looks rows up by them while it runs. The indexes are rebuilt when the
    block ends normally; on an error they are left to the transaction's rollback.
    """
    if session.execute(select(literal(1)).select_from(table).limit(1)).first() is not None:
        yield []
        return
    connection = session.connection()
    deferred = [index for index in table.indexes if not index.unique and index.name not in keep]
    for index in deferred:
        index.drop(connection, checkfirst=True)
    keys: list[ForeignKeyConstraint] = []
    if connection.dialect.name == "postgresql":
        keys = [c for c in table.constraints if isinstance(c, ForeignKeyConstraint) and c.name]
        for key in keys:
            connection.execute(DropConstraint(key))
    yield deferred
    for key in keys:
        connection.execute(AddConstraint(key))
    with _sort_memory(connection):
        for index in deferred:
            index.create(connection, checkfirst=True)


@contextmanager
def _sort_memory(connection: Connection) -> Iterator[None]:
    """On SQLite, a smaller page cache while the indexes are sorted.

    SQLite lets the sorter of ``CREATE INDEX`` hold as much as the page cache may (32 MB, see
    ``db/engine.py``) before it spills a sorted run to a temporary file, on top of the page
    cache itself: that was the import's peak memory. With :data:`SORT_CACHE_KIB` the sorter
    merges a few more runs from disk instead."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before)}")
