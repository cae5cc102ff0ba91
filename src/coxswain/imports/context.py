"""State shared by one import run: session, source, resolver, reject sink, counters."""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from coxswain.imports.engine.rows import RowProblem
from coxswain.imports.resolver import ReferenceResolver


@dataclass
class Counters:
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0


class RejectSink:
    """Writes rejected rows to a CSV: ``line, field, value, reason`` then the original cells.

    The file is created on the first reject only. Fix the cells and import the file again:
    the four leading columns are ignored by every profile.
    """

    def __init__(self, path: Path, headers: list[str]) -> None:
        self.path = path
        self.headers = headers
        self._handle: IO[str] | None = None
        self._writer: Any = None
        self.count = 0

    def add(self, problem: RowProblem, cells: list[str] | None, *, kind: str = "rejected") -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["_line", "_field", "_value", "_reason", *self.headers])
        reason = problem.reason if kind == "rejected" else f"{kind}: {problem.reason}"
        self._writer.writerow([problem.line, problem.field, problem.value, reason, *(cells or [])])
        self.count += 1

    @property
    def written(self) -> bool:
        return self._writer is not None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


@dataclass
class ImportContext:
    session: Session
    source: str
    flags: frozenset[str]
    now: datetime
    run_id: uuid.UUID
    actor_label: str
    reporting_currency: str
    resolver: ReferenceResolver
    rejects: RejectSink
    counters: Counters = field(default_factory=Counters)
    fields: frozenset[str] = frozenset()
    currencies: set[str] = field(default_factory=set)
    hash_salt: str = ""

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def warn(self, problem: RowProblem, cells: list[str] | None = None) -> None:
        self.counters.warnings += 1
        self.rejects.add(problem, cells, kind="warning")
