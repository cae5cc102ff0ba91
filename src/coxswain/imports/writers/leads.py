"""Writer for leads: lifecycle timestamps become status history; owner moves are recorded."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from coxswain.core.ids import new_id
from coxswain.db.models import Base
from coxswain.imports.engine.rows import RowProblem
from coxswain.imports.writers.base import EntityWriter, Pending, Record, reject
from coxswain.leads.lifecycle import STATUS_TIMESTAMPS, derived_status, out_of_order, status_path

LEAD_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company",
    "website",
    "industry",
    "employees",
    "country",
    "state",
    "city",
    "postal_code",
    "source",
    "landing_page",
    "campaign",
    "segment",
    "size_segment",
    "score",
    "received_at",
    "mql_at",
    "accepted_at",
    "first_touch_at",
    "qualified_at",
    "converted_at",
    "disqualified_at",
    "recycled_at",
    "disqualified_reason",
    "attributes",
)


def ownership_row(
    ctx: Any, entity: str, entity_id: uuid.UUID, old: Any, new: Any, at: datetime
) -> Record:
    return {
        "id": new_id(),
        "entity_type": entity,
        "entity_id": entity_id,
        "from_user_id": old,
        "to_user_id": new,
        "changed_at": at,
        "changed_by_id": None,
        "reason": f"import {ctx.source}",
    }


class LeadWriter(EntityWriter):
    table_name = "leads"
    entity = "leads"

    def prefetch(self, batch: Sequence[Pending]) -> None:
        self.prefetch_refs(batch, {"converted_account": "accounts"})

    def build(self, item: Pending) -> Record:
        values = item.values
        record: Record = {}
        self.copy_fields(item, record, LEAD_FIELDS)
        if values.get("score") is not None and not 0 <= values["score"] <= 100:
            raise reject(item.line, "score", values["score"], "expected a score from 0 to 100")
        for name, target in (
            ("owner", "users"),
            ("sdr", "users"),
            ("converted_account", "accounts"),
        ):
            if self.mapped(name):
                column = "converted_account_id" if name == "converted_account" else f"{name}_id"
                record[column] = self.ref(item, name, target)
        if self.mapped("status") or any(self.mapped(c) for c in STATUS_TIMESTAMPS.values()):
            record["status"] = values.get("status") or derived_status(values)
        if values.get("received_at") is None:
            path = status_path(values)
            if path:
                record["received_at"] = path[0][1]
        backwards = out_of_order(values)
        if backwards is not None:
            self.ctx.warn(
                RowProblem(
                    item.line,
                    backwards[1],
                    str(values[backwards[1]]),
                    f"earlier than {backwards[0]}; imported as given",
                ),
                item.cells,
            )
        return record

    def after_insert(self, items: Sequence[Pending]) -> None:
        table = Base.metadata.tables["lead_status_changes"]
        rows: list[Record] = []
        for item in items:
            assert item.record is not None
            merged = {**item.values, **item.record}
            previous: str | None = None
            last_at: datetime | None = None
            for status, when in status_path(merged):
                rows.append(self._change(item.record["id"], previous, status, when))
                previous, last_at = status, when
            final = item.record.get("status")
            if final is not None and final != previous:
                rows.append(
                    self._change(item.record["id"], previous, final, last_at or self.ctx.now)
                )
        self.insert_into(table, rows)

    def after_update(self, item: Pending, before: Record, changes: dict[str, Any]) -> None:
        assert item.record is not None
        record_id = item.record["id"]
        if "status" in changes:
            column = STATUS_TIMESTAMPS.get(changes["status"])
            when = item.values.get(column) if column else None
            table = Base.metadata.tables["lead_status_changes"]
            self.insert_into(
                table,
                [
                    self._change(
                        record_id, before.get("status"), changes["status"], when or self.ctx.now
                    )
                ],
            )
        if "owner_id" in changes:
            table = Base.metadata.tables["ownership_changes"]
            self.insert_into(
                table,
                [
                    ownership_row(
                        self.ctx,
                        "leads",
                        record_id,
                        before.get("owner_id"),
                        changes["owner_id"],
                        self.ctx.now,
                    )
                ],
            )

    @staticmethod
    def _change(lead_id: uuid.UUID, old: str | None, new: str, when: datetime) -> Record:
        return {
            "id": new_id(),
            "lead_id": lead_id,
            "from_status": old,
            "to_status": new,
            "changed_at": when,
            "changed_by_id": None,
        }
