"""Run one batch through the column path, handing uncertain rows to the row path."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sqlalchemy import literal, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from coxswain.core.ids import new_id_hex
from coxswain.imports.bulk import BulkInserter
from coxswain.imports.engine.mapping import EXTERNAL_SOURCE
from coxswain.imports.engine.rows import RowParser, RowRejected
from coxswain.imports.fast.columns import ColumnBatch, parse_columns
from coxswain.imports.fast.hex_keys import HexKeys
from coxswain.imports.resolver import SMALL_TABLES
from coxswain.imports.writers.base import EntityWriter, Pending

Columns = dict[str, list[Any]]


def hex_of(value: uuid.UUID | None) -> str | None:
    """Ids travel through the column path as 32-hex strings: cheap to hash and to write."""
    return None if value is None else value.hex


class FastBuilder:
    """Entity-specific column assembly; subclasses fill :meth:`build` and may override
    :meth:`split` (which rows are new, unchanged, or need the row path).

    ``lookup_indexes`` names the table's own non-unique indexes that the import queries while
    it runs (they must not be deferred, or every batch would scan the growing table)."""

    lookup_indexes: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, writer: EntityWriter) -> None:
        self.writer = writer
        self.ctx = writer.ctx
        # An import into an empty table can only meet the records it wrote itself, and those
        # are all in ``writer._seen``: no need to ask the database which keys exist.
        query = select(literal(1)).select_from(writer.table).limit(1)
        self.started_empty = self.ctx.session.execute(query).first() is None
        self.hex_keys = HexKeys(self.ctx.session, self.ctx.source)

    def build(self, batch: ColumnBatch) -> Columns:
        """Table columns for every row of ``batch`` (bad rows may hold anything); marks bad rows."""
        raise NotImplementedError

    def split(self, batch: ColumnBatch, columns: Columns) -> tuple[list[int], list[int]]:
        """``(new rows, rows for the row path)`` among the good rows; counts unchanged ones."""
        return _split_by_external_id(self.writer, batch, columns, ask=not self.started_empty)

    def after_insert(self, columns: Columns, fresh: list[int], ids: list[str]) -> None:
        """Derived rows for the records just inserted (``ids[k]`` is row ``fresh[k]``'s id)."""

    # helpers ------------------------------------------------------------------------------
    def column(self, batch: ColumnBatch, name: str) -> list[Any]:
        return batch.values.get(name) or [None] * len(batch)

    def mapped(self, name: str) -> bool:
        return name in self.ctx.fields

    def references(self, batch: ColumnBatch, name: str, target: str) -> list[Any]:
        """Ids (as hex) for a reference column; a value that names nothing marks its row bad."""
        values = self.column(batch, name)
        uniques = {str(v) for v in values if v is not None}
        found: dict[str, str | None] = {}
        if target not in SMALL_TABLES:
            found = self.hex_keys.find(target, list(uniques))
        rest = [u for u in uniques if u not in found]
        resolver = self.ctx.resolver
        resolver.prefetch(target, rest)
        found.update({u: hex_of(resolver.get(target, u)) for u in rest})
        ids = [None if v is None else found[str(v)] for v in values]
        batch.mark([v is not None and i is None for v, i in zip(values, ids, strict=True)])
        return ids


def _split_by_external_id(
    writer: EntityWriter, batch: ColumnBatch, columns: Columns, *, ask: bool = True
) -> tuple[list[int], list[int]]:
    good = batch.good()
    keys = [(columns["external_source"][i], columns["external_id"][i]) for i in good]
    existing = writer.existing(keys) if ask else {}
    fresh: list[int] = []
    slow: list[int] = []
    seen = writer._seen
    keyed = np.fromiter((hash(key) for key in keys), np.int64, len(keys))
    before = seen.seen_many(keyed).tolist()  # met before this batch
    added: set[int] = set()  # met earlier in this batch
    for i, key, marker, known in zip(good, keys, keyed.tolist(), before, strict=True):
        if known or marker in added:
            slow.append(i)  # a duplicate in the file: the row path rejects it with its reason
            continue
        match = existing.get(key)
        if match is None:
            added.add(marker)
            fresh.append(i)
        elif match[1] is not None and match[1] == columns["row_hash"][i]:
            added.add(marker)
            writer.ctx.counters.unchanged += 1
        else:
            slow.append(i)  # the row path checks duplicates again
    seen.add_many(np.fromiter(added, np.int64, len(added)))
    return fresh, slow


def add_identity(builder: FastBuilder, batch: ColumnBatch, columns: Columns) -> None:
    """External source/id and the row fingerprint (same formula as the row path)."""
    ctx = builder.ctx
    sources = builder.column(batch, EXTERNAL_SOURCE)
    columns["external_source"] = [s or ctx.source for s in sources]
    columns["external_id"] = [
        None if v is None else str(v) for v in builder.column(batch, "external_id")
    ]
    salt = ctx.hash_salt
    columns["row_hash"] = batch.hashes or [
        hashlib.md5((salt + "\x1f".join(cells)).encode(), usedforsecurity=False).hexdigest()
        for cells in batch.cells
    ]


def write_fast(
    writer: EntityWriter, builder: FastBuilder, parser: RowParser, rows: list[tuple[int, list[str]]]
) -> None:
    """Import ``rows`` (one batch): new good rows in bulk, everything else through the row path."""
    write_columns(writer, builder, parser, parse_columns(parser, rows))


def write_columns(
    writer: EntityWriter, builder: FastBuilder, parser: RowParser, batch: ColumnBatch
) -> None:
    """Import a parsed batch: new good rows in bulk, everything else through the row path."""
    columns = builder.build(batch)
    fresh, slow = builder.split(batch, columns)
    slow += [i for i, bad in enumerate(batch.bad) if bad]
    if fresh and not _insert(builder, columns, fresh):
        if "external_id" in columns:  # the row path checks these keys for repeats again
            sources, ids = columns["external_source"], columns["external_id"]
            writer._seen.difference_update(hash((sources[i], ids[i])) for i in fresh)
        slow += fresh
    if slow:
        row_path(writer, parser, batch, sorted(slow))


def _insert(builder: FastBuilder, columns: Columns, fresh: list[int]) -> bool:
    writer = builder.writer
    ctx = writer.ctx
    names = [name for name in columns if name in writer.table.c]
    n = len(fresh)
    columns["id"] = [new_id_hex() for _ in range(n)]
    names.append("id")
    table_columns = {
        name: [columns[name][i] for i in fresh] if name != "id" else columns["id"] for name in names
    }
    for name, value in writer._scalar_defaults().items():
        if name not in table_columns:
            table_columns[name] = [value] * n
        else:
            table_columns[name] = [value if v is None else v for v in table_columns[name]]
    if writer.has_timestamps:
        table_columns.setdefault("created_at", [ctx.now] * n)
        table_columns.setdefault("updated_at", [ctx.now] * n)
    order = list(table_columns)
    inserter = BulkInserter(ctx.session, writer.table, order)
    try:
        with ctx.session.begin_nested():
            inserter.insert(list(zip(*(table_columns[name] for name in order), strict=True)))
            builder.after_insert(columns, fresh, columns["id"])
    except (IntegrityError, DBAPIError):
        return False
    ctx.counters.inserted += n
    return True


def row_path(
    writer: EntityWriter, parser: RowParser, batch: ColumnBatch, rows: Sequence[int]
) -> None:
    """Rows ``rows`` of ``batch`` through the row-at-a-time path (rejects, updates, doubts)."""
    items: list[Pending] = []
    for i in rows:
        line, cells = batch.lines[i], batch.cells[i]
        try:
            items.append(Pending(line, cells, parser.parse(line, cells)))
        except RowRejected as exc:
            writer.ctx.counters.rejected += 1
            writer.ctx.rejects.add(exc.problem, cells)
    if items:
        writer.write_batch(items)
