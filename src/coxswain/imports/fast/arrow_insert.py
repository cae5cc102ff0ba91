"""Insert ready-made columns in one statement: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Columns arrive already in each driver's stored form (ids as 32 hex digits, SQLite timestamps
as ``YYYY-MM-DD HH:MM:SS.ffffff``, PostgreSQL timestamps as ISO-8601 text with an offset), as
Arrow arrays or NumPy object arrays with ``None`` for NULL. On PostgreSQL the whole block is
sent as one ``COPY ... (FORMAT binary)`` stream built column by column (:mod:`pg_copy`), or,
for a value form that module does not encode, written by Arrow's C++ CSV writer as one
``COPY ... (FORMAT csv)`` buffer: no Python per row either way. The insert runs in a
savepoint; a block the database refuses returns ``False`` and changes nothing, so the caller
can hand its rows to the row path.

The new ids of a block are sorted (:func:`sorted_ids`): ids made later sort later, so each
insert lands on the rightmost leaf of the primary-key index, which PostgreSQL reaches without
descending the tree (its "fastpath" for ascending keys); unsorted, the block's ids scattered
over the index's last pages.
"""

from __future__ import annotations

import io
import os
import sqlite3
import time
from typing import Any, TypeAlias

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import BigInteger, Integer, SmallInteger, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from coxswain.imports.fast.pg_copy import binary_rows, encode_column, fixed_field

# Arrow columns are typed loosely (see arrow_columns.py).
Column: TypeAlias = Any
_random = np.random.default_rng(int.from_bytes(os.urandom(16), "big"))
os.register_at_fork(
    after_in_child=lambda: globals().update(
        _random=np.random.default_rng(int.from_bytes(os.urandom(16), "big"))
    )
)


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, np.ndarray):
        return list(values.tolist())
    return list(values.to_pylist())


def _as_arrow(values: Any, integer: bool) -> Column:
    if isinstance(values, np.ndarray):
        return pa.array(values.tolist(), pa.int64() if integer else pa.string())
    return values


def sorted_ids(count: int) -> np.ndarray:
    """``count`` new UUIDv7 ids in ascending order, as a ``(count, 16)`` byte matrix.

    The layout of ``core.ids.new_id`` (48-bit millisecond time, version 7, 12 random bits,
    variant 10, 62 random bits); ids of one call share the millisecond and are sorted by their
    random bits (RFC 9562 allows monotonic random bits within a millisecond)."""
    millis = time.time_ns() // 1_000_000
    high = np.full(count, (millis & 0xFFFF_FFFF_FFFF) << 16 | 0x7 << 12, dtype=np.uint64)
    high |= _random.integers(0, 1 << 12, size=count, dtype=np.uint64)
    low = _random.integers(0, 1 << 62, size=count, dtype=np.uint64) | np.uint64(0b10 << 62)
    order = np.lexsort((low, high))
    words = np.empty((count, 2), dtype=">u8")
    words[:, 0], words[:, 1] = high[order], low[order]
    return words.view(np.uint8).reshape(count, 16)


def sorted_id_hexes(count: int) -> list[str]:
    """:func:`sorted_ids` as 32-hex-digit strings."""
    text = sorted_ids(count).tobytes().hex()
    return [text[i : i + 32] for i in range(0, len(text), 32)]


def insert_columns(session: Session, table: Table, columns: dict[str, Any], count: int) -> bool:
    """Insert ``count`` new rows (a fresh id each) into ``table``; ``False`` if refused."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    ids = sorted_ids(count)
    try:
        with session.begin_nested():
            driver = connection.connection.driver_connection
            assert driver is not None
            if postgres:
                _copy(driver, table, ids, columns)
            else:
                ready = {"id": np.array(sorted_id_hexes(count), dtype=object), **columns}
                _executemany(driver, table, ready)
    except (DBAPIError, sqlite3.Error, psycopg.Error):
        return False
    return True


def _executemany(driver: Any, table: Table, columns: dict[str, Any]) -> None:
    names = ", ".join(f'"{name}"' for name in columns)
    values = [_as_list(v) for v in columns.values()]
    literals = [_constant_literal(v) for v in values]
    marks = ", ".join("?" if literal is None else literal for literal in literals)
    bound = [v for v, literal in zip(values, literals, strict=True) if literal is None]
    rows = list(zip(*bound, strict=True)) if bound else [()] * len(values[0])
    cursor = driver.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
    finally:
        cursor.close()


def _constant_literal(values: list[Any]) -> str | None:
    """SQL text for a column holding one value in every row of the block (NULL, a number, a
    text without NUL), else None. SQLite applies the column's affinity to a literal exactly as
    to a bound parameter, so the stored value is the same; what is saved is binding the value
    again for every row (and, for NULL and booleans, the sqlite3 module's adapter lookup)."""
    if not values:
        return None
    first = values[0]
    if values.count(first) != len(values) or len(set(map(type, values))) != 1:
        return None
    if first is None:
        return "NULL"
    if type(first) is bool:
        return "1" if first else "0"
    if type(first) is int:
        return str(first)
    if type(first) is str and "\x00" not in first:
        return "'" + first.replace("'", "''") + "'"
    return None


def _copy(driver: Any, table: Table, ids: np.ndarray, columns: dict[str, Any]) -> None:
    names = ", ".join(f'"{name}"' for name in ["id", *columns])
    encoded = [encode_column(table.c[name].type, values) for name, values in columns.items()]
    fields = [f for f in encoded if f is not None]
    if len(fields) < len(encoded):
        hexes = ids.tobytes().hex()
        hex_ids = np.array([hexes[i : i + 32] for i in range(0, len(hexes), 32)], dtype=object)
        _copy_csv(driver, table, {"id": hex_ids, **columns})
        return
    id_field = fixed_field(ids, None)
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN (FORMAT binary)') as copy,
    ):
        for part in binary_rows([id_field, *fields]):
            copy.write(part)


def _copy_csv(driver: Any, table: Table, columns: dict[str, Any]) -> None:
    integers = (BigInteger, Integer, SmallInteger)
    arrays = {
        name: _as_arrow(values, isinstance(table.c[name].type, integers))
        for name, values in columns.items()
    }
    buffer = io.BytesIO()
    pa_csv.write_csv(pa.table(arrays), buffer, pa_csv.WriteOptions(include_header=False))
    names = ", ".join(f'"{name}"' for name in columns)
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN (FORMAT csv)') as copy,
    ):
        copy.write(buffer.getbuffer())
