"""Parse a batch of rows column by column: each distinct raw value is parsed once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from coxswain.imports.engine.parsing import BadValue
from coxswain.imports.engine.rows import RowParser


@dataclass
class ColumnBatch:
    """A batch as columns. ``bad[i]`` sends row ``i`` to the row path instead; ``hashes``
    holds the rows' fingerprints when the reader computed them (else they come from cells)."""

    lines: list[int]
    cells: Sequence[list[str]]
    values: dict[str, list[Any]] = field(default_factory=dict)
    bad: list[bool] = field(default_factory=list)
    hashes: list[str] | None = None

    def __len__(self) -> int:
        return len(self.lines)

    def mark(self, flags: list[bool]) -> None:
        """Send every row whose flag is true down the row path."""
        self.bad = [b or f for b, f in zip(self.bad, flags, strict=True)]

    def good(self) -> list[int]:
        return [i for i, b in enumerate(self.bad) if not b]


def parse_columns(parser: RowParser, rows: list[tuple[int, list[str]]]) -> ColumnBatch:
    """Parse ``rows`` with ``parser``'s per-field parsers, one call per distinct raw value."""
    batch = ColumnBatch([line for line, _ in rows], [cells for _, cells in rows])
    width = parser.width
    batch.bad = [len(c) > width and any(x.strip() for x in c[width:]) for c in batch.cells]
    for name, index, default, value_map, parse, required in parser.steps:
        raw = _raw_column(batch.cells, index, default, value_map)
        parsed, failed = parse_distinct(raw, parse, required)
        batch.values[name] = [parsed.get(text) for text in raw]
        if failed:
            batch.mark([text in failed for text in raw])
    return batch


def parse_distinct(raw: list[str], parse: Any, required: bool) -> tuple[dict[str, Any], set[str]]:
    """Each distinct text of ``raw`` parsed once: the values by text, and the texts that
    failed (a blank one fails when the field is required, and parses to None)."""
    parsed: dict[str, Any] = {}
    failed: set[str] = set()
    for text in set(raw):
        if not text:
            parsed[text] = None
            if required:
                failed.add(text)
            continue
        try:
            parsed[text] = parse(text)
        except BadValue:
            failed.add(text)
    return parsed, failed


def _raw_column(
    cells: Sequence[list[str]], index: int | None, default: str | None, value_map: dict[str, str]
) -> list[str]:
    if index is None:
        raw = [""] * len(cells)
    else:
        raw = [c[index].strip() if index < len(c) else "" for c in cells]
    if default is not None:
        raw = [text or default for text in raw]
    if value_map:
        raw = [value_map.get(text.lower(), text) if text else text for text in raw]
    return raw
