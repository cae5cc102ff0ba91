"""Writers for what hangs off opportunities: line items and stage history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import select

from coxswain.catalog.models import PriceBook, PriceBookEntry
from coxswain.core.ids import new_id
from coxswain.db.models import Base
from coxswain.imports.resolver import IN_CHUNK, as_uuid
from coxswain.imports.writers.base import EntityWriter, Pending, Record, reject
from coxswain.imports.writers.stages import StageBook


class OpportunityInfo:
    """Id, pipeline and currency of the deals a batch names, in one query per batch.

    A cell names a deal by its external id in the import's source, by its Coxswain id, or by
    an external id that is unique across sources (the resolver's rules, minus names).
    """

    def __init__(self, session: Any, source: str) -> None:
        self.session = session
        self.source = source
        self.table = Base.metadata.tables["opportunities"]
        self.info: dict[str, tuple[uuid.UUID, uuid.UUID, str] | None] = {}

    def load(self, values: set[str]) -> None:
        if len(self.info) > 200_000:
            self.info.clear()
        wanted = [v for v in values if v not in self.info]
        if not wanted:
            return
        t = self.table
        columns = (t.c.id, t.c.pipeline_id, t.c.currency)
        found: dict[str, tuple[uuid.UUID, uuid.UUID, str]] = {}
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            query = select(t.c.external_id, *columns).where(
                t.c.external_source == self.source, t.c.external_id.in_(chunk)
            )
            for external_id, record_id, pipeline_id, currency in self.session.execute(query):
                found[external_id] = (record_id, pipeline_id, currency)
        rest = [v for v in wanted if v not in found]
        by_uuid = {u: v for v in rest if (u := as_uuid(v)) is not None}
        uuids = list(by_uuid)
        for start in range(0, len(uuids), IN_CHUNK):
            query = select(*columns).where(t.c.id.in_(uuids[start : start + IN_CHUNK]))
            for record_id, pipeline_id, currency in self.session.execute(query):
                found[by_uuid[record_id]] = (record_id, pipeline_id, currency)
        rest = [v for v in wanted if v not in found]
        for start in range(0, len(rest), IN_CHUNK):
            query = select(t.c.external_id, *columns).where(
                t.c.external_id.in_(rest[start : start + IN_CHUNK])
            )
            seen: dict[str, list[tuple[uuid.UUID, uuid.UUID, str]]] = {}
            for external_id, record_id, pipeline_id, currency in self.session.execute(query):
                seen.setdefault(external_id, []).append((record_id, pipeline_id, currency))
            found.update({k: v[0] for k, v in seen.items() if len(v) == 1})
        for value in wanted:
            self.info[value] = found.get(value)

    def get(self, item: Pending, field: str = "opportunity") -> tuple[uuid.UUID, uuid.UUID, str]:
        value = item.values[field]
        found = self.info.get(str(value))
        if found is None:
            raise reject(
                item.line, field, value, "no opportunities record with this external id or id"
            )
        return found


class LineItemWriter(EntityWriter):
    table_name = "opportunity_line_items"
    entity = "line_items"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.opportunities = OpportunityInfo(ctx.session, ctx.source)
        self.prices: dict[tuple[uuid.UUID, str], int] = {}
        query = select(
            PriceBookEntry.product_id, PriceBook.currency, PriceBookEntry.unit_price_minor
        ).join(PriceBook, PriceBook.id == PriceBookEntry.price_book_id)
        for product_id, currency, price in ctx.session.execute(query):
            self.prices.setdefault((product_id, currency), price)

    def prefetch(self, batch: Sequence[Pending]) -> None:
        self.opportunities.load({str(item.values["opportunity"]) for item in batch})

    def build(self, item: Pending) -> Record:
        values = item.values
        opportunity_id, _, currency = self.opportunities.get(item)
        product_id = self.ref(item, "product", "products")
        assert product_id is not None
        if values.get("currency") is not None and values["currency"] != currency:
            raise reject(
                item.line, "currency", values["currency"], f"the opportunity's currency {currency}"
            )
        unit = self.minor(item, "unit_price", currency)
        if unit is None:
            unit = self.prices.get((product_id, currency))
            if unit is None:
                raise reject(
                    item.line,
                    "unit_price",
                    None,
                    f"a unit price (the product has no {currency} list price)",
                )
        quantity = Decimal(values.get("quantity") or 1)
        if quantity <= 0:
            raise reject(item.line, "quantity", quantity, "expected a quantity above 0")
        discount_bp = int(Decimal(values.get("discount") or 0) * 100)
        total = (quantity * unit * (Decimal(10000 - discount_bp) / Decimal(10000))).quantize(
            Decimal(1), rounding=ROUND_HALF_EVEN
        )
        return {
            "opportunity_id": opportunity_id,
            "product_id": product_id,
            "quantity": quantity,
            "unit_price_minor": unit,
            "discount_bp": discount_bp,
            "total_minor": int(total),
            "currency": currency,
        }


class StageChangeWriter(EntityWriter):
    """Append-only history; a row already stored (same deal, stage and time) is left alone."""

    table_name = "opportunity_stage_changes"
    entity = "stage_changes"
    has_timestamps = False
    audited = False

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.stages = StageBook(ctx.session)
        self.opportunities = OpportunityInfo(ctx.session, ctx.source)

    def prefetch(self, batch: Sequence[Pending]) -> None:
        self.opportunities.load({str(item.values["opportunity"]) for item in batch})

    def build(self, item: Pending) -> Record:
        values = item.values
        opportunity_id, pipeline_id, currency = self.opportunities.get(item)
        to_stage = self._stage(item, pipeline_id, "to_stage")
        from_stage = (
            self._stage(item, pipeline_id, "from_stage") if values.get("from_stage") else None
        )
        record: Record = {
            "opportunity_id": opportunity_id,
            "from_stage_id": from_stage,
            "to_stage_id": to_stage,
            "changed_at": values["changed_at"],
            "external_source": self.source_of(item),
            "changed_by_id": self.ref(item, "changed_by", "users")
            if self.mapped("changed_by")
            else None,
            "amount_minor": self.minor(item, "amount", currency) if self.mapped("amount") else None,
        }
        item.record = record
        return record

    def _stage(self, item: Pending, pipeline_id: uuid.UUID, field: str) -> uuid.UUID:
        stage = self.stages.stage(pipeline_id, str(item.values[field]))
        if stage is None:
            names = ", ".join(self.stages.names(pipeline_id))
            raise reject(
                item.line,
                field,
                item.values[field],
                f"expected a stage of the deal's pipeline: {names}",
            )
        return stage.id

    def identity_columns(self, item: Pending) -> Record:  # noqa: ARG002
        return {}

    def _check_duplicate(self, item: Pending) -> None:
        """A repeated history row is a no-op, not an error."""

    def _store(self, ready: list[Pending]) -> None:
        if not ready:
            return
        t = self.table
        opportunity_ids = list({item.record["opportunity_id"] for item in ready if item.record})
        existing: set[tuple[uuid.UUID, uuid.UUID, Any]] = set()
        for start in range(0, len(opportunity_ids), IN_CHUNK):
            chunk = opportunity_ids[start : start + IN_CHUNK]
            query = select(t.c.opportunity_id, t.c.to_stage_id, t.c.changed_at).where(
                t.c.opportunity_id.in_(chunk)
            )
            existing.update(tuple(row) for row in self.ctx.session.execute(query))
        fresh: list[Pending] = []
        for item in ready:
            assert item.record is not None
            item.record.pop("row_hash", None)
            key = (
                item.record["opportunity_id"],
                item.record["to_stage_id"],
                item.record["changed_at"],
            )
            if key in existing:
                self.ctx.counters.unchanged += 1
                continue
            existing.add(key)
            item.record["id"] = new_id()
            fresh.append(item)
        if fresh:
            self._insert_safely(fresh)


class ActivityWriter(EntityWriter):
    table_name = "activities"
    entity = "activities"
    REFS = (
        ("owner", "users"),
        ("lead", "leads"),
        ("contact", "contacts"),
        ("account", "accounts"),
        ("opportunity", "opportunities"),
    )

    def prefetch(self, batch: Sequence[Pending]) -> None:
        self.prefetch_refs(batch, {name: target for name, target in self.REFS if target != "users"})

    def build(self, item: Pending) -> Record:
        record: Record = {}
        self.copy_fields(
            item, record, ("type", "subject", "occurred_at", "duration_minutes", "completed")
        )
        if (item.values.get("duration_minutes") or 0) < 0:
            raise reject(
                item.line,
                "duration_minutes",
                item.values["duration_minutes"],
                "expected 0 or more minutes",
            )
        for name, target in self.REFS:
            if self.mapped(name):
                record[f"{name}_id"] = self.ref(item, name, target)
        return record
