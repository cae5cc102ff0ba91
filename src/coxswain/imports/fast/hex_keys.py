"""Ids of records named by external id, fetched as 32-hex text (the column path's id form).

The resolver returns ``uuid.UUID`` objects (one object built per row fetched, then turned back
into hex by the column path); for the large tables a batch names tens of thousands of, this
asks the database for the hex text directly, a few thousand keys per query. Keys it does not
find (ids, names, other sources) are left to the resolver, whose rules decide them.

A file that names a good part of a table (a million opportunities over 250,000 accounts asks
for about a million account keys, block after block) would probe the table's key index once
per key and block. Once the keys asked for a table add up to a quarter of its rows (and the
table has at most :data:`WHOLE_TABLE_ROWS` rows), the table's ``external_id → id`` pairs of
the import's source are read once, in one scan, into a sorted NumPy array of byte strings and
an Arrow array of ids (about 50 bytes a row for short keys), and later keys are matched by a
binary search in NumPy. The snapshot can only miss
records created after it was taken (by the import's own row path): those keys come back "not
found" and go to the resolver, which asks the database, so the answers are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.orm import Session

CHUNK = 5000
WHOLE_TABLE_ROWS = 500_000
"""Largest table whose keys are read whole (about 25 MB of Arrow arrays)."""
WHOLE_TABLE_SHARE = 4
"""The keys asked for a table must reach 1/WHOLE_TABLE_SHARE of its rows before it is read."""
FETCH_ROWS = 50_000


def hex_id_sql(session: Session, column: str) -> str:
    """SQL for ``column`` (a UUID column) as 32 lower-case hex digits on this backend."""
    if session.get_bind().dialect.name == "postgresql":
        return f"replace(CAST({column} AS TEXT), '-', '')"
    return column  # SQLite stores UUIDs as 32 hex digits already


def keys_query(session: Session, sql: str) -> TextClause:
    """``sql`` with ``:values`` bound to a list of keys: on PostgreSQL one array parameter
    (``= ANY(:values)``: one parameter to send and plan instead of thousands, and no query
    text of thousands of placeholders for the driver to build and split), elsewhere an
    expanding ``IN``. ``sql`` writes the test as ``{in_values}``."""
    if session.get_bind().dialect.name == "postgresql":
        return text(sql.format(in_values="= ANY(:values)"))
    expanding = text(sql.format(in_values="IN :values"))
    return expanding.bindparams(bindparam("values", expanding=True))


class HexKeys:
    """``external_id → id hex`` within one source, per table (see the module docstring)."""

    def __init__(
        self,
        session: Session,
        source: str,
        *,
        whole_table_rows: int | None = None,
        whole_table_share: int | None = None,
    ) -> None:
        self.session = session
        self.source = source
        self.whole_table_rows = WHOLE_TABLE_ROWS if whole_table_rows is None else whole_table_rows
        self.whole_table_share = (
            WHOLE_TABLE_SHARE if whole_table_share is None else whole_table_share
        )
        self._queries: dict[str, TextClause] = {}
        self._asked: dict[str, int] = {}
        self._sizes: dict[str, int] = {}
        self._whole: dict[str, tuple[Any, Any] | None] = {}

    def _query(self, table: str) -> TextClause:
        if table not in self._queries:
            self._queries[table] = keys_query(
                self.session,
                f"SELECT external_id, {hex_id_sql(self.session, 'id')} FROM {table}"
                " WHERE external_source = :source AND external_id {in_values}",
            )
        return self._queries[table]

    def find(self, table: str, values: list[str]) -> dict[str, Any]:
        """The ids found for ``values`` (absent keys: not found by external id here)."""
        whole = self._whole_table(table, len(values))
        if whole is not None:
            return _match(whole, values)
        found: dict[str, Any] = {}
        query = self._query(table)
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            rows = self.session.execute(query, {"source": self.source, "values": chunk})
            found.update((external_id, id_hex) for external_id, id_hex in rows)
        return found

    def _whole_table(self, table: str, asking: int) -> tuple[Any, Any] | None:
        """The table's ``(external ids, id hexes)`` once enough of its keys were asked for."""
        if table in self._whole:
            return self._whole[table]  # None: keys with NUL bytes, asked per key
        asked = self._asked[table] = self._asked.get(table, 0) + asking
        size = self._sizes.get(table)
        if size is None:
            size = self._sizes[table] = int(
                self.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            )
        if size > self.whole_table_rows or asked * self.whole_table_share < size:
            return None
        self._whole[table] = self._read_whole(table)
        return self._whole[table]

    def _read_whole(self, table: str) -> tuple[Any, Any] | None:
        """The table's keys as a sorted NumPy byte-string array and their ids (hex) in the same
        order, or None when a key holds a NUL byte (NumPy's byte strings drop trailing NULs,
        so such keys could match wrongly: the table is then asked per key as before)."""
        sql = (
            f"SELECT external_id, {hex_id_sql(self.session, 'id')} FROM {table}"
            " WHERE external_source = :source AND external_id IS NOT NULL"
        )
        result = self.session.execute(text(sql), {"source": self.source})
        keys: list[bytes] = []
        ids: list[str] = []
        while rows := result.fetchmany(FETCH_ROWS):
            keys.extend(str(external_id).encode() for external_id, _ in rows)
            ids.extend(id_hex for _, id_hex in rows)
        if any(b"\0" in key for key in keys):
            return None
        array = np.array(keys or [b""], dtype=np.bytes_)[: len(keys)]
        order = np.argsort(array, kind="stable")
        return array[order], pa.array(ids, pa.string()).take(pa.array(order, pa.int64()))


def _match(whole: tuple[Any, Any], values: list[str]) -> dict[str, Any]:
    """``values`` found among the sorted keys (a binary search per value, in NumPy)."""
    keys, ids = whole
    width = keys.dtype.itemsize
    candidates = [(value, encoded) for value in values if len(encoded := value.encode()) <= width]
    if not candidates or keys.size == 0:
        return {}
    asked = np.array([encoded for _, encoded in candidates], dtype=keys.dtype)
    at = np.minimum(np.searchsorted(keys, asked), keys.size - 1)
    hit = (keys[at] == asked) & np.array([b"\0" not in e for _, e in candidates], dtype=bool)
    rows = np.flatnonzero(hit)
    found = ids.take(pa.array(at[rows], pa.int64())).to_pylist()
    return {candidates[row][0]: id_hex for row, id_hex in zip(rows.tolist(), found, strict=True)}
