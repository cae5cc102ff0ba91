"""Read a plain CSV file as Arrow tables of raw text cells, with exact line numbers.

The file is cut into blocks of about :data:`BLOCK_BYTES` at record boundaries and each block
is parsed by Arrow's CSV reader (C++, no Python per row). A block is *plain* when every record
is one physical line: no newline inside a quoted value, no blank line, every row as wide as
the header. Then row ``i`` of the block is line ``first_line + i``, exactly what the Python
reader (``engine/readers.py``) reports. The first block that is not plain ends the Arrow
reading: the rest of the file, from that block's first byte, goes through Python's ``csv``
module exactly as the row path reads it (:class:`TextBlock`), so reject line numbers and cell
values never depend on which reader ran.

Only UTF-8 files quoted with ``"`` (doubled inside values or not, as the sniffed dialect
says; Arrow is told the same) and no escape character qualify (:func:`plain_dialect`);
anything else is read by the row path's reader throughout.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, cast

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from coxswain.core.errors import ImportFileError

# 1 MB: each block becomes Python row objects for the SQLite `executemany` (about 30× its size);
# 4 MB blocks made that the largest part of the import's peak memory, for no gain in speed.
BLOCK_BYTES = 1 << 20
TEXT_ROWS = 20_000
QUOTE, NEWLINE = 0x22, 0x0A


@dataclass(frozen=True, slots=True)
class ArrowBlock:
    """Rows ``first_line``, ``first_line + 1`` ... as string columns (raw, untrimmed)."""

    first_line: int
    table: pa.Table


@dataclass(frozen=True, slots=True)
class TextBlock:
    """``(line, cells)`` rows read by Python's ``csv`` module (the row path's reader)."""

    rows: list[tuple[int, list[str]]]


def plain_dialect(encoding: str, dialect: Any) -> bool:
    """Whether Arrow reads this file's cells exactly as ``csv.reader`` with ``dialect`` does."""
    return (
        encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig", "utf8")
        and getattr(dialect, "quotechar", None) == '"'
        and getattr(dialect, "escapechar", None) is None
        and not getattr(dialect, "skipinitialspace", False)
        and getattr(dialect, "quoting", csv.QUOTE_MINIMAL) == csv.QUOTE_MINIMAL
        and len(getattr(dialect, "delimiter", "")) == 1
        and getattr(dialect, "delimiter", "") not in ('"', "\n", "\r")
    )


def _header_end(data: bytes) -> int:
    """Byte offset just after the header record (its newline outside quotes)."""
    quoted = False
    for offset, byte in enumerate(data):
        if byte == QUOTE:
            quoted = not quoted
        elif byte == NEWLINE and not quoted:
            return offset + 1
    return len(data)


def _cut(block: bytes) -> tuple[int, bool]:
    """``(end, plain)``: the last record boundary in ``block`` and whether every newline before it
    ends a record of its own (outside quotes, not a blank line)."""
    raw = np.frombuffer(block, dtype=np.uint8)
    newlines = np.flatnonzero(raw == NEWLINE)
    if newlines.size == 0:
        return 0, True
    quotes = np.flatnonzero(raw == QUOTE)
    outside = np.searchsorted(quotes, newlines) % 2 == 0
    ends = newlines[outside]
    if ends.size == 0:
        return 0, False
    end = int(ends[-1]) + 1
    inside = newlines[: int(np.searchsorted(newlines, end))]
    plain = bool(outside[: inside.size].all())
    if plain and inside.size:
        starts = np.concatenate(([-1], inside[:-1]))
        gaps = inside - starts
        plain = bool((gaps > 1).all()) and not bool(
            ((gaps == 2) & (raw[np.maximum(inside - 1, 0)] == 0x0D)).any()
        )
    return end, plain


class ArrowCsvBlocks:
    """Iterate a CSV file's data rows as :class:`ArrowBlock` then, if needed, :class:`TextBlock`."""

    def __init__(self, path: Path, dialect: Any, width: int, *, block_bytes: int = BLOCK_BYTES):
        self.path = path
        self.dialect = dialect
        self.width = width
        self.block_bytes = block_bytes
        self.done = 0
        self.size = path.stat().st_size
        names = [f"c{i}" for i in range(width)]
        self._read = pa_csv.ReadOptions(column_names=names, use_threads=True)
        self._convert = pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )

    def _parse(self, block: bytes) -> pa.Table | None:
        bad: list[Any] = []

        def invalid(row: Any) -> Literal["skip"]:
            bad.append(row)
            return "skip"

        options = pa_csv.ParseOptions(
            delimiter=self.dialect.delimiter,
            quote_char='"',
            double_quote=bool(self.dialect.doublequote),
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=False,
            invalid_row_handler=invalid,
        )
        try:
            table = pa_csv.read_csv(
                cast(IO[bytes], pa.BufferReader(block)),
                read_options=self._read,
                parse_options=options,
                convert_options=self._convert,
            )
        except pa.ArrowInvalid:
            return None
        return None if bad else table

    def blocks(self) -> Iterator[ArrowBlock | TextBlock]:
        with self.path.open("rb") as handle:
            head = handle.read(self.block_bytes)
            start = _header_end(head)
            line = head[:start].count(b"\n") + 1  # a header may span lines (quoted newlines)
            pending = head[start:]
            self.done = start
            while True:
                more = handle.read(self.block_bytes) if len(pending) < self.block_bytes else b""
                pending += more
                at_end = not more and len(pending) < self.block_bytes
                if at_end and pending and not pending.endswith(b"\n"):
                    pending += b"\n"
                if not pending:
                    return
                end, plain = _cut(pending)
                table = self._parse(pending[:end]) if plain and end else None
                if table is None or table.num_rows != pending[:end].count(b"\n"):
                    yield from self._text_rest(handle, line)
                    return
                yield ArrowBlock(line, table)
                line += table.num_rows
                self.done += end
                pending = pending[end:]
                if at_end and not pending:
                    return

    def _text_rest(self, handle: Any, line: int) -> Iterator[TextBlock]:
        """The rest of the file (from byte ``self.done``, a record boundary) through
        ``csv.reader`` (the row path's reader), in batches of :data:`TEXT_ROWS`."""
        handle.seek(self.done)
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        reader = csv.reader(text, self.dialect)
        last = reader.line_num
        rows: list[tuple[int, list[str]]] = []
        try:
            for cells in reader:
                start = last + 1
                last = reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                rows.append((line + start - 1, cells))
                if len(rows) >= TEXT_ROWS:
                    yield TextBlock(rows)
                    rows = []
        except UnicodeDecodeError as exc:
            raise ImportFileError(str(self.path), "bytes that are not valid utf-8") from exc
        except csv.Error as exc:
            raise ImportFileError(str(self.path), f"broken CSV ({exc})", line=line + last) from exc
        finally:
            text.detach()
        if rows:
            yield TextBlock(rows)
        self.done = self.size

    def progress(self) -> tuple[int, int]:
        return self.done, self.size
