"""Fast bulk writes that bypass the ORM: COPY on PostgreSQL, executemany on SQLite.

Values arrive as Python objects (UUID, aware datetime, date, Decimal, dict for JSON) and are
converted to what each driver stores, matching SQLAlchemy's own storage formats so ORM reads
see the same values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Numeric, Table, Uuid
from sqlalchemy.orm import Session

from coxswain.db.types import UTCDateTime

Row = Sequence[Any]


def _sqlite_uuid(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return value.hex


def _sqlite_datetime(value: Any) -> Any:
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _sqlite_bool(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _sqlite_decimal(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _json(value: Any) -> Any:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _converter(column_type: Any, dialect: str) -> Callable[[Any], Any] | None:
    if isinstance(column_type, JSON):
        return _json
    if dialect != "sqlite":
        return None
    if isinstance(column_type, Uuid):
        return _sqlite_uuid
    if isinstance(column_type, UTCDateTime):
        return _sqlite_datetime
    if isinstance(column_type, Date):
        return _sqlite_date
    if isinstance(column_type, Boolean):
        return _sqlite_bool
    if isinstance(column_type, Numeric):
        return _sqlite_decimal
    return None


class BulkInserter:
    """Insert many rows into ``table`` with the given ``columns`` in one round trip per batch."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str]) -> None:
        self.session = session
        self.table = table
        self.columns = list(columns)
        self.dialect = session.get_bind().dialect.name
        converters = [_converter(table.c[name].type, self.dialect) for name in self.columns]
        self._converters = [(i, f) for i, f in enumerate(converters) if f is not None]
        names = ", ".join(f'"{name}"' for name in self.columns)
        if self.dialect == "postgresql":
            self._sql = f'COPY "{table.name}" ({names}) FROM STDIN'
        else:
            marks = ", ".join("?" for _ in self.columns)
            self._sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'

    def _convert(self, rows: Sequence[Row]) -> list[Row]:
        """Driver-ready rows; conversions run column by column (``map`` over a transposed batch)."""
        if not self._converters:
            return rows if isinstance(rows, list) else list(rows)
        columns: list[Any] = list(zip(*rows, strict=True))
        for index, convert in self._converters:
            if convert is _json:
                columns[index] = map(convert, columns[index])
            else:
                # Dates, timestamps and foreign keys repeat: convert each distinct value once.
                converted = {value: convert(value) for value in set(columns[index])}
                columns[index] = map(converted.__getitem__, columns[index])
        return list(zip(*columns, strict=True))

    def insert(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        converted = self._convert(rows)
        connection = self.session.connection()
        if self.dialect == "postgresql":
            driver = connection.connection.driver_connection
            assert driver is not None
            with driver.cursor() as cursor, cursor.copy(self._sql) as copy:
                for row in converted:
                    copy.write_row(row)
        else:
            # The DBAPI cursor directly: SQLAlchemy's parameter checks cost as much as SQLite's
            # own work for wide rows. The connection is the session's, inside its transaction.
            dbapi = connection.connection.driver_connection
            assert dbapi is not None
            cursor = dbapi.cursor()
            try:
                cursor.executemany(self._sql, converted)
            finally:
                cursor.close()
