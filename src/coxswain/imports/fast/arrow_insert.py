"""Insert ready-made columns in one statement: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Columns arrive already in each driver's stored form (ids as 32 hex digits, SQLite timestamps
as ``YYYY-MM-DD HH:MM:SS.ffffff``, PostgreSQL timestamps as ISO-8601 text with an offset), as
Arrow arrays or NumPy object arrays with ``None`` for NULL. On PostgreSQL the whole block is
written by Arrow's C++ CSV writer and sent as one ``COPY ... (FORMAT csv)`` buffer: no Python
per row. The insert runs in a savepoint; a block the database refuses returns ``False`` and
changes nothing, so the caller can hand its rows to the row path.
"""

from __future__ import annotations

import io
import sqlite3
from typing import Any, TypeAlias

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import BigInteger, Integer, SmallInteger, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from coxswain.imports.fast.arrow_columns import new_id_hexes

# Arrow columns are typed loosely (see arrow_columns.py).
Column: TypeAlias = Any


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, np.ndarray):
        return list(values.tolist())
    return list(values.to_pylist())


def _as_arrow(values: Any, integer: bool) -> Column:
    if isinstance(values, np.ndarray):
        return pa.array(values.tolist(), pa.int64() if integer else pa.string())
    return values


def insert_columns(session: Session, table: Table, columns: dict[str, Any], count: int) -> bool:
    """Insert ``count`` new rows (a fresh id each) into ``table``; ``False`` if refused."""
    ready = {"id": np.array(new_id_hexes(count), dtype=object), **columns}
    connection = session.connection()
    try:
        with session.begin_nested():
            driver = connection.connection.driver_connection
            assert driver is not None
            if connection.dialect.name == "postgresql":
                _copy(driver, table, ready)
            else:
                _executemany(driver, table, ready)
    except (DBAPIError, sqlite3.Error, psycopg.Error):
        return False
    return True


def _executemany(driver: Any, table: Table, columns: dict[str, Any]) -> None:
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    rows = list(zip(*(_as_list(v) for v in columns.values()), strict=True))
    cursor = driver.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
    finally:
        cursor.close()


def _copy(driver: Any, table: Table, columns: dict[str, Any]) -> None:
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
