"""The record-level half of the Arrow opportunities path: which rows of a block are new,
stored unchanged, repeated or need the row path, and the columns of the new ones.

Same rules as the column builder (``runner._split_by_external_id``): a record is identified by
``(external source, external id)``; a key met earlier in the file (in either path: both share
the writer's duplicate set) goes to the row path, which rejects it; a stored record with the
same row fingerprint is unchanged; a stored record with another fingerprint goes to the row
path, which updates it. An import into a table that was empty when it began skips the
"already stored?" query: it can only meet the records it wrote itself, all in the duplicate set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute

from coxswain.imports.engine.mapping import EXTERNAL_SOURCE
from coxswain.imports.engine.rows import RowParser
from coxswain.imports.fast.arrow_blocks import ArrowBlock
from coxswain.imports.fast.columns import ColumnBatch
from coxswain.imports.fast.deals import OpportunityColumns
from coxswain.imports.fast.runner import row_path
from coxswain.imports.writers.opportunities import OpportunityWriter

# Arrow columns are typed loosely (see arrow_columns.py).
Column: TypeAlias = Any
pc: Any = _compute
Insert = Callable[[dict[str, Any], int], bool]


def row_hashes(table: pa.Table, salt: str, rows: np.ndarray) -> list[str]:
    """The row fingerprints of ``rows`` (the row path's formula: md5 of the salt and the cells
    joined by U+001F), the cells joined by Arrow."""
    picked = table.take(pa.array(rows, pa.int64())) if rows.size < table.num_rows else table
    joined = pc.binary_join_element_wise(*picked.columns, "\x1f").to_pylist()
    return [
        hashlib.md5((salt + text).encode(), usedforsecurity=False).hexdigest() for text in joined
    ]


def stored_timestamp(now: datetime, sqlite: bool) -> str | datetime:
    """``now`` as each database's insert takes it: on SQLite the text SQLAlchemy stores, on
    PostgreSQL the aware datetime (the COPY encodes it)."""
    if sqlite:
        return now.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return now


class BlockRows:
    """Splits a checked block into new / unchanged / row-path rows and inserts the new ones."""

    def __init__(
        self, writer: OpportunityWriter, builder: OpportunityColumns, parser: RowParser
    ) -> None:
        self.writer, self.builder, self.parser = writer, builder, parser
        self.ctx = writer.ctx
        self.rules = parser.bound.rules
        sqlite = self.ctx.session.get_bind().dialect.name == "sqlite"
        self.now = stored_timestamp(self.ctx.now, sqlite)

    def _cells(self, table: pa.Table, name: str, rows: np.ndarray) -> list[Any] | None:
        rule = self.rules.get(name)
        if rule is None or rule[0] is None:
            return None
        return list(table.column(rule[0]).take(pa.array(rows, pa.int64())).to_pylist())

    def write(
        self,
        block: ArrowBlock,
        doubt: np.ndarray,
        good: np.ndarray,
        out: dict[str, Any],
        insert: Insert,
    ) -> None:
        """Insert the new good rows; everything else through the row path, after them."""
        table = block.table
        sources = self._cells(table, EXTERNAL_SOURCE, good) or [""] * good.size
        external_ids = self._cells(table, "external_id", good)
        assert external_ids is not None  # a required field
        keys = [(s or self.ctx.source, e) for s, e in zip(sources, external_ids, strict=True)]
        hashes = row_hashes(table, self.ctx.hash_salt, good)
        first = self._doubtful_keys(table, doubt)
        fresh, slow, markers = self._split(good, keys, hashes, first)
        slow += np.flatnonzero(doubt).tolist()
        if fresh:
            columns = self._columns(out, fresh, keys, hashes, good)
            if insert(columns, len(fresh)):
                self.ctx.counters.inserted += len(fresh)
            else:
                self.writer._seen.difference_update(markers)  # the row path checks them again
                slow += fresh
        if slow:
            self._row_path(block, sorted(slow))

    def _doubtful_keys(self, table: pa.Table, doubt: np.ndarray) -> dict[tuple[str, str], int]:
        """The first row of the block per key among the rows going to the row path (keys as
        the row path reads them: cells stripped)."""
        rows = np.flatnonzero(doubt)
        if rows.size == 0:
            return {}
        sources = self._cells(table, EXTERNAL_SOURCE, rows) or [""] * rows.size
        external_ids = self._cells(table, "external_id", rows) or [""] * rows.size
        first: dict[tuple[str, str], int] = {}
        for i, source, external_id in zip(rows.tolist(), sources, external_ids, strict=True):
            first.setdefault((str(source).strip() or self.ctx.source, str(external_id).strip()), i)
        return first

    def _split(
        self,
        good: np.ndarray,
        keys: list[tuple[str, str]],
        hashes: list[str],
        doubtful: dict[tuple[str, str], int],
    ) -> tuple[list[int], list[int], list[int]]:
        """``(new rows, rows for the row path, duplicate-set markers added for new rows)``.

        A good row whose key an earlier row of the block (one going to the row path) also
        has goes to the row path too, after it: the first row of the file keeps its key."""
        existing = {} if self.builder.started_empty else self.writer.existing(keys)
        seen = self.writer._seen
        keyed = np.fromiter((hash(key) for key in keys), np.int64, len(keys))
        before = seen.seen_many(keyed).tolist()  # met before this block
        added: set[int] = set()  # met earlier in this block
        fresh: list[int] = []
        slow: list[int] = []
        markers: list[int] = []
        for i, key, row_hash, marker, known in zip(
            good.tolist(), keys, hashes, keyed.tolist(), before, strict=True
        ):
            if known or marker in added or doubtful.get(key, i) < i:
                slow.append(i)  # a duplicate in the file: the row path rejects it with its reason
                continue
            match = existing.get(key)
            if match is None:
                added.add(marker)
                markers.append(marker)
                fresh.append(i)
            elif match[1] is not None and match[1] == row_hash:
                added.add(marker)
                self.ctx.counters.unchanged += 1
            else:
                slow.append(i)  # an update (or a record matched by id): the row path
        seen.add_many(np.fromiter(added, np.int64, len(added)))
        return fresh, slow, markers

    def _columns(
        self,
        out: dict[str, Any],
        fresh: list[int],
        keys: list[tuple[str, str]],
        hashes: list[str],
        good: np.ndarray,
    ) -> dict[str, Any]:
        """The table's columns for rows ``fresh``, in each database's stored form."""
        table = self.writer.table
        take = np.array(fresh, dtype=np.int64)
        arrow_take = pa.array(take)
        columns: dict[str, Any] = {
            name: values[take] if isinstance(values, np.ndarray) else values.take(arrow_take)
            for name, values in out.items()
            if name in table.c
        }
        position = {row: k for k, row in enumerate(good.tolist())}
        at = [position[i] for i in fresh]
        columns["external_source"] = np.array([keys[k][0] for k in at], dtype=object)
        columns["external_id"] = np.array([keys[k][1] for k in at], dtype=object)
        columns["row_hash"] = np.array([hashes[k] for k in at], dtype=object)
        for name, value in self.writer._scalar_defaults().items():
            values = columns.get(name)
            if values is None:
                columns[name] = np.full(take.size, value, dtype=object)
            elif isinstance(values, np.ndarray) and values.dtype == object:
                values[values == None] = value  # noqa: E711 (element-wise)
        columns["created_at"] = np.full(take.size, self.now, dtype=object)
        columns["updated_at"] = columns["created_at"]
        return columns

    def _row_path(self, block: ArrowBlock, rows: list[int]) -> None:
        picked = block.table.take(pa.array(rows, pa.int64()))
        cells = [list(r) for r in zip(*(c.to_pylist() for c in picked.columns), strict=True)]
        lines = [block.first_line + i for i in rows]
        row_path(self.writer, self.parser, ColumnBatch(lines, cells), range(len(rows)))
