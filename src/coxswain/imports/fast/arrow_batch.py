"""An Arrow block as a :class:`ColumnBatch` for the column path (opportunities, leads).

Instead of splitting lines into Python lists and stripping every cell, each column is
dictionary-encoded by Arrow; each *distinct* cell is parsed once with the row path's own
parser (as ``parse_columns`` does) and the results are spread back over the rows with one
NumPy take. Cells with blanks around them are sent to the row path (which strips them), so a
value is only ever parsed from exactly the text the row path would parse. Row fingerprints
are computed from the cells joined by Arrow. A column with a default or a value map takes
the Python route of ``parse_columns``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute

from coxswain.imports.engine.parsing import BadValue
from coxswain.imports.engine.rows import RowParser
from coxswain.imports.fast.arrow_blocks import ArrowBlock
from coxswain.imports.fast.columns import ColumnBatch, _raw_column, parse_distinct

# Arrow columns are typed loosely (see arrow_columns.py).
Column: TypeAlias = Any
pc: Any = _compute


class BlockCells(Sequence[list[str]]):
    """The cells of a block's rows, built only for the rows that need them (row path)."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return [str(column[index].as_py()) for column in self.table.columns]


def arrow_batch(parser: RowParser, block: ArrowBlock, salt: str) -> ColumnBatch:
    """Parse ``block`` with ``parser``'s per-field parsers, one call per distinct cell."""
    table = block.table
    n = table.num_rows
    lines = list(range(block.first_line, block.first_line + n))
    batch = ColumnBatch(lines, BlockCells(table))
    bad = np.zeros(n, dtype=bool)
    for name, index, default, value_map, parse, required in parser.steps:
        if index is None or default is not None or value_map:
            raw = _raw_column(_rows(table, index), index, default, value_map)
            values, failed = _parse_python(raw, parse, required)
        else:
            values, failed = _parse_arrow(table.column(index), parse, required)
        batch.values[name] = values
        bad |= failed
    batch.bad = bad.tolist()
    joined = pc.binary_join_element_wise(*table.columns, "\x1f").to_pylist()
    batch.hashes = [
        hashlib.md5((salt + text).encode(), usedforsecurity=False).hexdigest() for text in joined
    ]
    return batch


def _rows(table: pa.Table, index: int | None) -> list[list[str]]:
    """Rows holding only column ``index`` at its position (what ``_raw_column`` reads)."""
    if index is None:
        return [[] for _ in range(table.num_rows)]
    padding = [""] * index
    return [[*padding, str(cell)] for cell in table.column(index).to_pylist()]


def _parse_python(raw: list[str], parse: Any, required: bool) -> tuple[list[Any], np.ndarray]:
    parsed, failed = parse_distinct(raw, parse, required)
    return [parsed.get(t) for t in raw], np.array([t in failed for t in raw], dtype=bool)


def _parse_arrow(column: Column, parse: Any, required: bool) -> tuple[list[Any], np.ndarray]:
    encoded = pc.dictionary_encode(column).combine_chunks()
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    texts: list[str] = encoded.dictionary.to_pylist()
    parsed = np.empty(len(texts), dtype=object)
    failed = np.zeros(len(texts), dtype=bool)
    for k, text in enumerate(texts):
        if text != text.strip():
            failed[k] = True  # the row path strips it and says what it makes of it
        elif not text:
            failed[k] = required
        else:
            try:
                parsed[k] = parse(text)
            except BadValue:
                failed[k] = True
    if not texts:
        return [], np.zeros(0, dtype=bool)
    return parsed[codes].tolist(), failed[codes]
