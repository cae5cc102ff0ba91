"""Resolve reference cells (``owner``, ``account``, ``opportunity`` ...) to record ids.

A cell may name a record by its external id (in the import's source, or any source when that
is unambiguous), by its Coxswain UUID, or by a natural key (a user's e-mail or full name, a
team's, product's or account's name). Small tables are loaded once; large ones are looked up
one batch at a time with ``IN (...)`` queries and a bounded cache, so memory stays flat.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from coxswain.db.models import Base

SMALL_TABLES = {"users", "teams", "products"}
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "users": ("email", "full_name"),
    "teams": ("name",),
    "products": ("name", "code"),
    "accounts": ("name",),
}
CACHE_LIMIT = 200_000
IN_CHUNK = 900


def as_uuid(value: str) -> uuid.UUID | None:
    if len(value) not in (32, 36):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _chunks(items: list[Any], size: int = IN_CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ReferenceResolver:
    """Per-import lookup of referenced records; see the module docstring for the rules."""

    def __init__(self, session: Session, source: str) -> None:
        self.session = session
        self.source = source
        self._small: dict[str, dict[str, uuid.UUID]] = {}
        self._ambiguous: dict[str, set[str]] = {}
        self._cache: dict[str, OrderedDict[str, uuid.UUID | None]] = {}

    def table(self, name: str) -> Table:
        return Base.metadata.tables[name]

    # -- small tables -------------------------------------------------------------------
    def _load_small(self, name: str) -> dict[str, uuid.UUID]:
        if name in self._small:
            return self._small[name]
        table = self.table(name)
        keys: dict[str, uuid.UUID] = {}
        ambiguous: set[str] = set()
        columns = [table.c.id, table.c.external_source, table.c.external_id]
        columns += [table.c[k] for k in NATURAL_KEYS.get(name, ())]
        for row in self.session.execute(select(*columns).where(table.c.deleted_at.is_(None))):
            record_id, source, external_id, *natural = row
            keys[str(record_id)] = record_id
            keys[record_id.hex] = record_id
            if external_id is not None:
                keys[f"{source}\x1f{external_id}"] = record_id
                self._add(keys, ambiguous, f"*\x1f{external_id}", record_id)
            for value in natural:
                if value:
                    self._add(keys, ambiguous, f"~\x1f{str(value).strip().lower()}", record_id)
        self._small[name] = keys
        self._ambiguous[name] = ambiguous
        return keys

    @staticmethod
    def _add(keys: dict[str, uuid.UUID], ambiguous: set[str], key: str, value: uuid.UUID) -> None:
        if key in keys and keys[key] != value:
            ambiguous.add(key)
        keys[key] = value

    def remember(
        self, name: str, value: str, record_id: uuid.UUID, *, natural: Iterable[str] = ()
    ) -> None:
        """Make a record created during this import findable by later rows."""
        if name in SMALL_TABLES:
            keys = self._load_small(name)
            keys[f"{self.source}\x1f{value}"] = record_id
            keys[str(record_id)] = record_id
            for key in natural:
                if key:
                    keys[f"~\x1f{key.strip().lower()}"] = record_id
        else:
            self._cache_put(name, value, record_id)

    def forget(self, name: str) -> None:
        """Drop what is cached about ``name`` (after this import wrote to it)."""
        self._small.pop(name, None)
        self._ambiguous.pop(name, None)
        self._cache.pop(name, None)

    # -- large tables -------------------------------------------------------------------
    def _cache_for(self, name: str) -> OrderedDict[str, uuid.UUID | None]:
        return self._cache.setdefault(name, OrderedDict())

    def _cache_put(self, name: str, value: str, record_id: uuid.UUID | None) -> None:
        cache = self._cache_for(name)
        cache[value] = record_id
        if len(cache) > CACHE_LIMIT:
            cache.popitem(last=False)

    def prefetch(self, name: str, values: Iterable[str]) -> None:
        """Look up every value of one batch at once (no-op for small tables)."""
        if name in SMALL_TABLES:
            self._load_small(name)
            return
        cache = self._cache_for(name)
        wanted = [v for v in set(values) if v not in cache]
        if not wanted:
            return
        table = self.table(name)
        found: dict[str, uuid.UUID] = {}
        for chunk in _chunks(wanted):
            query = select(table.c.external_id, table.c.id).where(
                table.c.external_source == self.source, table.c.external_id.in_(chunk)
            )
            for external_id, record_id in self.session.execute(query):
                found[external_id] = record_id
        by_uuid = {u: v for v in wanted if v not in found and (u := as_uuid(v)) is not None}
        for chunk in _chunks(list(by_uuid)):
            for (record_id,) in self.session.execute(
                select(table.c.id).where(table.c.id.in_(chunk))
            ):
                found[by_uuid[record_id]] = record_id
        rest = [v for v in wanted if v not in found]
        if rest:
            self._by_external_id_any_source(table, rest, found)
        rest = [v for v in wanted if v not in found]
        if rest and name in NATURAL_KEYS:
            self._by_natural_key(table, NATURAL_KEYS[name], rest, found)
        for value in wanted:
            self._cache_put(name, value, found.get(value))

    def _by_external_id_any_source(
        self, table: Table, values: list[str], found: dict[str, uuid.UUID]
    ) -> None:
        seen: dict[str, set[uuid.UUID]] = {}
        for chunk in _chunks(values):
            query = select(table.c.external_id, table.c.id).where(table.c.external_id.in_(chunk))
            for external_id, record_id in self.session.execute(query):
                seen.setdefault(external_id, set()).add(record_id)
        for value, ids in seen.items():
            if len(ids) == 1:
                found[value] = next(iter(ids))

    def _by_natural_key(
        self, table: Table, columns: tuple[str, ...], values: list[str], found: dict[str, uuid.UUID]
    ) -> None:
        for column_name in columns:
            column = table.c[column_name]
            seen: dict[str, set[uuid.UUID]] = {}
            for chunk in _chunks(values):
                query = select(column, table.c.id).where(
                    column.in_(chunk), table.c.deleted_at.is_(None)
                )
                for value, record_id in self.session.execute(query):
                    seen.setdefault(value, set()).add(record_id)
            for value, ids in seen.items():
                if len(ids) == 1:
                    found.setdefault(value, next(iter(ids)))

    # -- lookup -------------------------------------------------------------------------
    def get(self, name: str, value: str) -> uuid.UUID | None:
        """The id ``value`` names in table ``name``; None when unknown or ambiguous."""
        if name in SMALL_TABLES:
            keys = self._load_small(name)
            ambiguous = self._ambiguous[name]
            for key in (
                f"{self.source}\x1f{value}",
                value,
                f"*\x1f{value}",
                f"~\x1f{value.strip().lower()}",
            ):
                if key in keys and key not in ambiguous:
                    return keys[key]
            return None
        cache = self._cache.get(name)
        if cache is None or value not in cache:
            self.prefetch(name, [value])
            cache = self._cache_for(name)
        return cache.get(value)

    def count(self, name: str) -> int:
        table = self.table(name)
        return int(self.session.scalar(select(func.count()).select_from(table)) or 0)
