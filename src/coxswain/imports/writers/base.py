"""The generic upsert machinery every entity writer shares.

Per batch: ``build`` turns parsed rows into column records (resolving references), records
are classified against the database by id (new / same hash / different hash), new ones are
bulk-inserted, changed ones are diffed field by field and updated with an audit event each.
A batch that the database refuses is retried row by row inside savepoints so one bad row is
rejected with the database's reason and never sinks the others.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, ClassVar

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from coxswain.core.ids import new_id
from coxswain.db.models import Base
from coxswain.imports.bulk import BulkInserter
from coxswain.imports.context import ImportContext
from coxswain.imports.engine.mapping import EXTERNAL_SOURCE
from coxswain.imports.engine.rows import RowProblem, RowRejected
from coxswain.imports.resolver import IN_CHUNK, as_uuid
from coxswain.imports.writers.key_set import KeySet

Record = dict[str, Any]
# Key of a record entry holding values used only when the record is created (never on update).
INSERT_ONLY = "__insert_only__"


@dataclass(slots=True)
class Pending:
    """A parsed row on its way to the database."""

    line: int
    cells: list[str]
    values: dict[str, Any]
    record: Record | None = None


def row_hash(cells: list[str], salt: str = "") -> str:
    """A short fingerprint of a source row (its cells plus the mapping's constants).

    Equal fingerprints mean the row is exactly what was imported last time; different ones
    only mean "look closer" (the record is then compared field by field).
    """
    text = salt + "\x1f".join(cells)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def json_safe(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def reject(line: int, field: str, value: Any, reason: str) -> RowRejected:
    return RowRejected(RowProblem(line, field, "" if value is None else str(value), reason))


class EntityWriter:
    """Base writer for entities keyed by ``external_id`` (override for other keys)."""

    table_name: ClassVar[str]
    entity: ClassVar[str]
    versioned: ClassVar[bool] = False
    has_timestamps: ClassVar[bool] = True
    audited: ClassVar[bool] = True

    # field -> (column, target table) resolved after the whole file (self references)
    deferred: ClassVar[dict[str, tuple[str, str]]] = {}

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self._deferred: list[tuple[uuid.UUID, str, str, int, list[str]]] = []
        self.table: Table = Base.metadata.tables[self.table_name]
        self._inserters: dict[tuple[str, ...], BulkInserter] = {}
        self._seen = KeySet()

    # -- helpers for subclasses ----------------------------------------------------------
    def mapped(self, name: str) -> bool:
        """Whether the file (or the mapping's defaults) provides field ``name``."""
        return name in self.ctx.fields

    def copy_fields(self, item: Pending, record: Record, names: Iterable[str]) -> None:
        """Copy mapped fields whose column has the same name as the field."""
        values = item.values
        for name in names:
            if name in self.ctx.fields:
                record[name] = values.get(name)

    def ref(self, item: Pending, field: str, target: str) -> uuid.UUID | None:
        """Resolve a reference cell; a value that names nothing rejects the row.

        With the ``create_missing_owners`` flag, an unknown user (an owner named only by a
        CRM export) is created instead, as the opportunity writer does.
        """
        value = item.values.get(field)
        if value is None:
            return None
        found = self.ctx.resolver.get(target, str(value))
        if found is None and target == "users" and self.ctx.has("create_missing_owners"):
            from coxswain.imports.writers.opportunities import create_user

            found = create_user(self.ctx, str(value))
        if found is None:
            raise reject(
                item.line, field, value, f"no {target} record with this external id, id or name"
            )
        return found

    def currency(self, item: Pending, field: str, money_field: str | None = None) -> str:
        """The row's currency: its own column, else a symbol/code in the amount, else reporting."""
        code = item.values.get(field)
        if code is None and money_field is not None:
            amount = item.values.get(money_field)
            if amount is not None:
                code = amount[1]
        code = str(code or self.ctx.reporting_currency)
        known = self.ctx.currencies
        if code not in known:
            from coxswain.currencies.service import ensure_currency

            ensure_currency(self.ctx.session, code)
            known.add(code)
        return code

    def minor(self, item: Pending, field: str, currency: str) -> int | None:
        """A ``money`` field in minor units of ``currency``; a conflicting code rejects the row."""
        from coxswain.core.money import to_minor

        amount = item.values.get(field)
        if amount is None:
            return None
        value, written_currency = amount
        if written_currency is not None and written_currency != currency:
            raise reject(
                item.line,
                field,
                value,
                f"amount written in {written_currency} but the row's currency is {currency}",
            )
        return to_minor(value, currency)

    def prefetch_refs(self, batch: Sequence[Pending], fields: dict[str, str]) -> None:
        for field, target in fields.items():
            if field in self.ctx.fields:
                values = [str(v) for item in batch if (v := item.values.get(field)) is not None]
                self.ctx.resolver.prefetch(target, values)

    # -- hooks for subclasses ------------------------------------------------------------
    def prefetch(self, batch: Sequence[Pending]) -> None:
        """Bulk-resolve the references of a whole batch before ``build`` runs per row."""

    def build(self, item: Pending) -> Record:
        """Column values for the row (without ``id``); raise ``RowRejected`` when invalid."""
        raise NotImplementedError

    def after_insert(self, items: Sequence[Pending]) -> None:
        """Derived rows for freshly inserted records (history, price book entries ...)."""

    def after_update(self, item: Pending, before: Record, changes: dict[str, Any]) -> None:
        """Derived rows when an existing record changed (stage or owner history ...)."""

    def finish(self) -> None:
        """Work that needs every row of the file (deferred self-references)."""
        self.resolve_deferred()

    def resolve_deferred(self) -> None:
        """Set self-references (parent, manager) now that every row of the file is stored."""
        if not self._deferred:
            return
        resolver = self.ctx.resolver
        resolver.forget(self.table_name)
        by_column: dict[str, list[tuple[uuid.UUID, Any]]] = {}
        for start in range(0, len(self._deferred), IN_CHUNK):
            chunk = self._deferred[start : start + IN_CHUNK]
            for name in self.deferred:
                target = self.deferred[name][1]
                resolver.prefetch(target, [value for _, f, value, _, _ in chunk if f == name])
            for record_id, name, value, line, cells in chunk:
                column, target = self.deferred[name]
                found = resolver.get(target, value)
                if found is None or found == record_id:
                    reason = (
                        "refers to itself" if found == record_id else f"no {target} record named"
                    )
                    self.ctx.warn(
                        RowProblem(line, name, value, f"{reason}; row imported without {name}"),
                        cells,
                    )
                    continue
                by_column.setdefault(column, []).append((record_id, found))
        for column, pairs in by_column.items():
            self.bulk_update(column, pairs)
        self._deferred.clear()

    # -- identity -----------------------------------------------------------------------
    def source_of(self, item: Pending) -> str:
        return str(item.values.get(EXTERNAL_SOURCE) or self.ctx.source)

    def record_key(self, item: Pending) -> tuple[str, str]:
        """What identifies the row across imports: ``(external_source, external_id)``."""
        return self.source_of(item), str(item.values["external_id"])

    def identity_columns(self, item: Pending) -> Record:
        source, external_id = self.record_key(item)
        return {"external_source": source, "external_id": external_id}

    # -- the batch pipeline --------------------------------------------------------------
    def write_batch(self, batch: Sequence[Pending]) -> None:
        self.prefetch(batch)
        ready: list[Pending] = []
        for item in batch:
            try:
                record = self.build(item)
                self._check_duplicate(item)
            except RowRejected as exc:
                self._reject(item, exc.problem)
                continue
            if "row_hash" in self.table.c:
                record.update(self.identity_columns(item))
                record["row_hash"] = row_hash(item.cells, self.ctx.hash_salt)
            item.record = record
            ready.append(item)
        self._store(ready)
        if self.deferred:
            for item in ready:
                if item.record is None:
                    continue
                for name in self.deferred:
                    value = item.values.get(name)
                    if value is not None:
                        self._deferred.append(
                            (item.record["id"], name, str(value), item.line, item.cells)
                        )

    def _check_duplicate(self, item: Pending) -> None:
        key = hash(self.record_key(item))
        if key in self._seen:
            raise reject(
                item.line,
                "external_id",
                item.values.get("external_id"),
                "appears more than once in this file",
            )
        self._seen.add(key)

    def _reject(self, item: Pending, problem: RowProblem) -> None:
        item.record = None
        self.ctx.counters.rejected += 1
        self.ctx.rejects.add(problem, item.cells)

    def _store(self, ready: list[Pending]) -> None:
        if not ready:
            return
        existing = self.existing([self.record_key(item) for item in ready])
        fresh, changed = [], []
        for item in ready:
            record = item.record
            assert record is not None
            match = existing.get(self.record_key(item))
            if match is None:
                record["id"] = new_id()
                fresh.append(item)
                continue
            record["id"], current, by_id = match
            if by_id:  # an export of a record that has no external id: keep it that way
                record.pop("external_source", None)
                record.pop("external_id", None)
            if current is not None and current == record.get("row_hash"):
                self.ctx.counters.unchanged += 1
            else:
                changed.append(item)
        if fresh:
            self._insert_safely(fresh)
        if changed:
            self._update(changed)

    def existing(
        self, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[uuid.UUID, str | None, bool]]:
        """Stored records for ``keys``: ``key → (id, row_hash, matched by id)``.

        A key matches by ``(external_source, external_id)``; failing that, an external id that
        is a Coxswain UUID matches the record with that id and no external id of its own.
        """
        table = self.table
        found: dict[tuple[str, str], tuple[uuid.UUID, str | None, bool]] = {}
        by_source: dict[str, list[str]] = {}
        for source, external_id in keys:
            by_source.setdefault(source, []).append(external_id)
        for source, ids in by_source.items():
            for start in range(0, len(ids), IN_CHUNK):
                query = select(table.c.external_id, table.c.id, table.c.row_hash).where(
                    table.c.external_source == source,
                    table.c.external_id.in_(ids[start : start + IN_CHUNK]),
                )
                for external_id, record_id, hash_value in self.ctx.session.execute(query):
                    found[(source, external_id)] = (record_id, hash_value, False)
        by_uuid = {
            u: key for key in keys if key not in found and (u := as_uuid(key[1])) is not None
        }
        if by_uuid:
            query = select(table.c.id).where(
                table.c.id.in_(list(by_uuid)), table.c.external_id.is_(None)
            )
            for record_id in self.ctx.session.scalars(query):
                found[by_uuid[record_id]] = (record_id, None, True)
        return found

    # -- inserts ------------------------------------------------------------------------
    def _scalar_defaults(self) -> dict[str, Any]:
        if not hasattr(self, "_defaults"):
            self._defaults = {
                column.name: column.default.arg  # type: ignore[attr-defined]
                for column in self.table.columns
                if column.default is not None and column.default.is_scalar
            }
        return self._defaults

    def _complete(self, record: Record) -> Record:
        for name, value in record.pop(INSERT_ONLY, {}).items():
            record.setdefault(name, value)
        for name, value in self._scalar_defaults().items():
            if record.get(name) is None:
                record[name] = value
        if self.has_timestamps:
            record.setdefault("created_at", self.ctx.now)
            record.setdefault("updated_at", self.ctx.now)
        if self.versioned:
            record.setdefault("version", 1)
        return record

    def _insert_safely(self, items: list[Pending]) -> None:
        records = [self._complete(item.record) for item in items if item.record is not None]
        try:
            with self.ctx.session.begin_nested():
                self.insert_records(records)
                self.after_insert(items)
            self.ctx.counters.inserted += len(items)
        except (IntegrityError, DBAPIError):
            for item in items:
                self._insert_one(item)

    def _insert_one(self, item: Pending) -> None:
        assert item.record is not None
        try:
            with self.ctx.session.begin_nested():
                self.insert_records([item.record])
                self.after_insert([item])
            self.ctx.counters.inserted += 1
        except (IntegrityError, DBAPIError) as exc:
            self._reject(
                item,
                RowProblem(item.line, "(row)", "", f"refused by the database: {_db_reason(exc)}"),
            )

    def insert_records(self, records: Sequence[Record]) -> None:
        self.insert_into(self.table, records)

    def insert_into(self, table: Table, records: Sequence[Record]) -> None:
        """Bulk insert dicts (grouped by their column sets) into ``table``."""
        groups: dict[tuple[str, ...], list[Record]] = {}
        for record in records:
            groups.setdefault(tuple(record), []).append(record)
        for columns, rows in groups.items():
            key = (table.name, *columns)
            inserter = self._inserters.get(key)
            if inserter is None:
                inserter = BulkInserter(self.ctx.session, table, columns)
                self._inserters[key] = inserter
            if len(columns) == 1:
                inserter.insert([(row[columns[0]],) for row in rows])
            else:
                getter = itemgetter(*columns)
                inserter.insert([getter(row) for row in rows])

    # -- updates ------------------------------------------------------------------------
    def _update(self, items: list[Pending]) -> None:
        for item in items:
            if item.record is not None:
                item.record.pop(INSERT_ONLY, None)
        ids = [item.record["id"] for item in items if item.record is not None]
        columns = sorted({c for item in items if item.record for c in item.record} - {"id"})
        before_rows = self._fetch(ids, columns)
        for item in items:
            assert item.record is not None
            before = before_rows.get(item.record["id"], {})
            changes = {
                c: v
                for c, v in item.record.items()
                if c not in ("id", "row_hash", "created_at", "updated_at")
                and not (v is None and not self.table.c[c].nullable)
                and not _same(before.get(c), v)
            }
            if not changes:
                self.ctx.counters.unchanged += 1
                self._set_hash(item.record["id"], item.record.get("row_hash"))
                continue
            try:
                with self.ctx.session.begin_nested():
                    self._apply_update(item.record["id"], changes, item.record.get("row_hash"))
                    self.after_update(item, before, changes)
                    self._audit_update(item.record["id"], before, changes)
                self.ctx.counters.updated += 1
            except (IntegrityError, DBAPIError) as exc:
                self._reject(
                    item,
                    RowProblem(
                        item.line, "(row)", "", f"refused by the database: {_db_reason(exc)}"
                    ),
                )

    def _fetch(self, ids: list[uuid.UUID], columns: list[str]) -> dict[uuid.UUID, Record]:
        present = [c for c in columns if c in self.table.c]
        rows: dict[uuid.UUID, Record] = {}
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start : start + IN_CHUNK]
            query = select(self.table.c.id, *[self.table.c[c] for c in present]).where(
                self.table.c.id.in_(chunk)
            )
            for row in self.ctx.session.execute(query):
                rows[row[0]] = dict(zip(present, row[1:], strict=True))
        return rows

    def _apply_update(self, record_id: uuid.UUID, changes: Record, hash_value: str | None) -> None:
        values = dict(changes)
        if "row_hash" in self.table.c:
            values["row_hash"] = hash_value
        if self.has_timestamps:
            values["updated_at"] = self.ctx.now
        if self.versioned:
            values["version"] = self.table.c.version + 1
        self.ctx.session.execute(
            update(self.table).where(self.table.c.id == record_id).values(**values)
        )

    def _set_hash(self, record_id: uuid.UUID, hash_value: str | None) -> None:
        if "row_hash" in self.table.c:
            self.ctx.session.execute(
                update(self.table).where(self.table.c.id == record_id).values(row_hash=hash_value)
            )

    def _audit_update(self, record_id: uuid.UUID, before: Record, changes: Record) -> None:
        if not self.audited:
            return
        audit = Base.metadata.tables["audit_events"]
        self.insert_into(
            audit,
            [
                {
                    "id": new_id(),
                    "occurred_at": self.ctx.now,
                    "actor_id": None,
                    "actor_label": self.ctx.actor_label,
                    "action": "update",
                    "entity_type": self.table_name,
                    "entity_id": record_id,
                    "before": {c: json_safe(before.get(c)) for c in changes},
                    "after": {c: json_safe(v) for c, v in changes.items()},
                    "import_run_id": self.ctx.run_id,
                }
            ],
        )

    def bulk_update(self, column: str, pairs: Iterable[tuple[uuid.UUID, Any]]) -> None:
        """Set ``column`` on many rows (deferred references)."""
        params = [{"_id": record_id, "_value": value} for record_id, value in pairs]
        if params:
            statement = (
                update(self.table)
                .where(self.table.c.id == bindparam("_id"))
                .values({column: bindparam("_value")})
            )
            self.ctx.session.execute(statement, params)


def _same(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is None and new is None
    if isinstance(new, Decimal) or isinstance(old, Decimal):
        return Decimal(str(old)) == Decimal(str(new))
    if isinstance(new, datetime) and isinstance(old, datetime):
        return old == new
    return bool(old == new)


def _db_reason(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return text[0][:200] if text else exc.__class__.__name__
