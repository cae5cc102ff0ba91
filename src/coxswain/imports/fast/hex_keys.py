"""Ids of records named by external id, fetched as 32-hex text (the column path's id form).

The resolver returns ``uuid.UUID`` objects (one object built per row fetched, then turned back
into hex by the column path); for the large tables a batch names tens of thousands of, this
asks the database for the hex text directly, a few thousand keys per query. Keys it does not
find (ids, names, other sources) are left to the resolver, whose rules decide them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.orm import Session

CHUNK = 5000


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
    """``external_id → id hex`` within one source, per table."""

    def __init__(self, session: Session, source: str) -> None:
        self.session = session
        self.source = source
        self._queries: dict[str, TextClause] = {}

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
        found: dict[str, Any] = {}
        query = self._query(table)
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            rows = self.session.execute(query, {"source": self.source, "values": chunk})
            found.update((external_id, id_hex) for external_id, id_hex in rows)
        return found
