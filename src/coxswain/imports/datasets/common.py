"""Helpers shared by dataset converters: reading the source CSVs, writing native CSVs."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from coxswain.core.errors import ImportFileError
from coxswain.imports.engine.schema import entity_spec


def read_rows(path: Path, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a dataset file as dicts, with the line each starts on; checks the header first."""
    if not path.is_file():
        raise ImportFileError(str(path), "file not found (is this the dataset folder?)")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        headers = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in headers]
        if missing:
            raise ImportFileError(
                str(path), f"required column missing: {', '.join(missing)}", line=1
            )
        last = reader.line_num
        for row in reader:
            start, last = last + 1, reader.line_num
            yield start, {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}


class NativeWriter:
    """Writes one native entity file, padding blank lines so line numbers match the source."""

    def __init__(self, folder: Path, entity: str) -> None:
        self.fields = list(entity_spec(entity).field_names)
        self.path = folder / f"{entity}.csv"
        self._handle = self.path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(self.fields)
        self._line = 1

    def write(self, values: dict[str, Any], line: int | None = None) -> None:
        if line is not None:
            while self._line + 1 < line:  # keep the dataset's line numbers
                self._handle.write("\n")
                self._line += 1
        self._writer.writerow(["" if values.get(f) is None else values[f] for f in self.fields])
        self._line += 1

    def close(self) -> None:
        self._handle.close()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".")
