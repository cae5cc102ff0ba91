"""Column assembly for leads (mirrors writers/leads.py; the equivalence test keeps them in step)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coxswain.core.ids import new_id_hex
from coxswain.db.models import Base
from coxswain.imports.bulk import BulkInserter
from coxswain.imports.engine.rows import RowProblem
from coxswain.imports.fast.columns import ColumnBatch
from coxswain.imports.fast.runner import Columns, FastBuilder, add_identity
from coxswain.imports.writers.leads import LEAD_FIELDS
from coxswain.leads.lifecycle import STATUS_TIMESTAMPS, out_of_order, status_path

TIMESTAMPS = tuple(dict.fromkeys([*STATUS_TIMESTAMPS.values(), "first_touch_at"]))


class LeadColumns(FastBuilder):
    def build(self, batch: ColumnBatch) -> Columns:
        columns: Columns = {}
        for name in LEAD_FIELDS:
            if self.mapped(name):
                columns[name] = self.column(batch, name)
        scores = self.column(batch, "score")
        batch.mark([s is not None and not 0 <= s <= 100 for s in scores])
        for field, target, column in (
            ("owner", "users", "owner_id"),
            ("sdr", "users", "sdr_id"),
            ("converted_account", "accounts", "converted_account_id"),
        ):
            if self.mapped(field):
                columns[column] = self.references(batch, field, target)
        self._lifecycle(batch, columns)
        add_identity(self, batch, columns)
        return columns

    def _lifecycle(self, batch: ColumnBatch, columns: Columns) -> None:
        """Status (given or latest step), received time (given or first step), the steps."""
        stamps = {name: self.column(batch, name) for name in TIMESTAMPS}
        given = self.column(batch, "status")
        statuses: list[Any] = []
        received: list[Any] = []
        self.paths: list[list[tuple[str, datetime]]] = []
        self.backwards: list[tuple[str, str] | None] = []
        for i in range(len(batch)):
            values = {name: stamps[name][i] for name in TIMESTAMPS}
            self.backwards.append(out_of_order(values))
            first = status_path(values)
            statuses.append(given[i] or (first[-1][0] if first else "new"))
            if values["received_at"] is None and first:
                values["received_at"] = first[0][1]
            received.append(values["received_at"])
            self.paths.append(status_path(values))
        self.has_status = self.mapped("status") or any(
            self.mapped(name) for name in STATUS_TIMESTAMPS.values()
        )
        if self.has_status:
            columns["status"] = statuses
        columns["received_at"] = received
        self.batch = batch

    def after_insert(self, columns: Columns, fresh: list[int], ids: list[str]) -> None:
        rows: list[tuple[Any, ...]] = []
        for i, lead_id in zip(fresh, ids, strict=True):
            previous: str | None = None
            last_at: datetime | None = None
            for status, when in self.paths[i]:
                rows.append((new_id_hex(), lead_id, previous, status, when))
                previous, last_at = status, when
            final = columns["status"][i] if self.has_status else None
            if final is not None and final != previous:
                rows.append((new_id_hex(), lead_id, previous, final, last_at or self.ctx.now))
            self._warn(i)
        table = Base.metadata.tables["lead_status_changes"]
        order = ("id", "lead_id", "from_status", "to_status", "changed_at")
        BulkInserter(self.ctx.session, table, order).insert(rows)

    def _warn(self, i: int) -> None:
        backwards = self.backwards[i]
        if backwards is None:
            return
        column = backwards[1]
        value = self.column(self.batch, column)[i]
        reason = f"earlier than {backwards[0]}; imported as given"
        self.ctx.warn(
            RowProblem(self.batch.lines[i], column, str(value), reason), self.batch.cells[i]
        )
