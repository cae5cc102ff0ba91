"""PostgreSQL hot path: prebuilt Core statements run straight on the session's psycopg cursor.

Routing one lead runs three statements. Through SQLAlchemy's execution layer (execution
context, parameter and result processors, result metadata built from ``cursor.description``)
each cost about as much client CPU as deciding the lead. The statements are still written
with SQLAlchemy Core, so they follow the models, and compiled once for PostgreSQL; here they
run on the DBAPI cursor of the session's own connection, in its transaction:

- parameters are plain psycopg values (UUIDs, aware datetimes, lists for arrays); values of
  ``JSON`` columns are wrapped in :class:`psycopg.types.json.Json`; literal values compiled
  into the statement (``is_current = false``) are filled in from the compiled defaults;
- rows are named tuples of the statement's column keys (no ``cursor.description`` per call);
  timestamps come back aware and are converted to UTC, as ``UTCDateTime`` would;
- SQLAlchemy's ``before_cursor_execute`` / ``after_cursor_execute`` listeners still see every
  statement (statement counters, tracing), and driver errors are raised as SQLAlchemy's
  ``DBAPIError`` subclasses, as the rest of the code expects.

SQLite keeps the ordinary SQLAlchemy execution of the same statements.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import JSON, Connection
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECT = pg_psycopg.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class DirectStatement:
    """A statement compiled once for PostgreSQL, ready for the psycopg cursor."""

    sql: str
    defaults: Mapping[str, Any]
    json_params: frozenset[str]
    row_type: Any  # a namedtuple class of the result columns (None: no rows)


def prepare(statement: ClauseElement) -> DirectStatement:
    """Compile ``statement`` for PostgreSQL once.

    Raises:
        ValueError: the statement needs per-call rendering (an expanding ``IN``); use an
            array parameter (``= ANY(...)``) instead.
    """
    compiled = statement.compile(dialect=_DIALECT)
    assert isinstance(compiled, SQLCompiler)
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("expanding IN parameters cannot be prepared; use = ANY(array)")
    defaults = {name: value for name, value in compiled.params.items() if value is not None}
    json_params = frozenset(
        name for bind, name in compiled.bind_names.items() if isinstance(bind.type, JSON)
    )
    row_type = _row_type(statement) if isinstance(statement, Select) else None
    return DirectStatement(compiled.string, defaults, json_params, row_type)


def _row_type(statement: Select[Any]) -> Any:
    """A named tuple class with a field per selected column (fields known at run time)."""
    return namedtuple("Row", [str(c.key) for c in statement.selected_columns], rename=True)


def fetch_all(session: Session, statement: DirectStatement, params: Mapping[str, Any]) -> list[Any]:
    """Run ``statement`` and return its rows (named tuples)."""
    return _run(session.connection(), statement, params, fetch=True)


def execute(session: Session, statement: DirectStatement, params: Mapping[str, Any]) -> None:
    """Run a statement that returns no rows."""
    _run(session.connection(), statement, params, fetch=False)


def as_utc(value: datetime | None) -> datetime | None:
    """An aware timestamp from the driver, in UTC (``None`` stays ``None``)."""
    return None if value is None else value.astimezone(UTC)


def _cursor(connection: Connection) -> psycopg.Cursor[Any]:
    """One cursor per pooled driver connection, kept with it: a cursor's adapters cache
    which dumper each parameter type takes (~50 µs per statement of 60 parameters)."""
    pooled = connection.connection
    driver = pooled.driver_connection
    cursor: psycopg.Cursor[Any] | None = pooled.info.get(_CURSOR)
    if cursor is None or cursor.closed or cursor.connection is not driver:
        assert isinstance(driver, psycopg.Connection)
        cursor = pooled.info[_CURSOR] = driver.cursor()
    return cursor


_CURSOR = "coxswain_direct_cursor"


def _run(
    connection: Connection, statement: DirectStatement, params: Mapping[str, Any], *, fetch: bool
) -> list[Any]:
    values = {**statement.defaults, **params}
    for name in statement.json_params:
        if values.get(name) is not None:
            values[name] = Json(values[name])
    cursor = _cursor(connection)
    try:
        listening = connection._has_events or connection.engine._has_events
        if listening:
            for listener in connection.dispatch.before_cursor_execute:
                listener(connection, cursor, statement.sql, values, None, False)
        cursor.execute(statement.sql, values, prepare=True)
        rows: Sequence[Any] = cursor.fetchall() if fetch else ()
        if listening:
            for listener in connection.dispatch.after_cursor_execute:
                listener(connection, cursor, statement.sql, values, None, False)
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement.sql, values, exc, psycopg.Error) from exc
    row_type = statement.row_type
    return [row_type._make(row) for row in rows] if row_type is not None else list(rows)
