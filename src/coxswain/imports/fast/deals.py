"""Column assembly for opportunities and their stage history (mirrors writers/opportunities.py
and writers/deals.py; the equivalence test keeps them in step)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coxswain.core.enums import StageCategory
from coxswain.core.money import to_minor
from coxswain.imports.fast.columns import ColumnBatch
from coxswain.imports.fast.runner import Columns, FastBuilder, add_identity, hex_of
from coxswain.imports.resolver import IN_CHUNK
from coxswain.imports.writers.deals import StageChangeWriter
from coxswain.imports.writers.opportunities import OPPORTUNITY_FIELDS, OpportunityWriter
from coxswain.imports.writers.stages import StageInfo

OPEN = StageCategory.OPEN.value


class OpportunityColumns(FastBuilder):
    writer: OpportunityWriter

    def build(self, batch: ColumnBatch) -> Columns:
        n = len(batch)
        columns: Columns = {}
        for name in OPPORTUNITY_FIELDS:
            if self.mapped(name):
                columns[name] = self.column(batch, name)
        stages = self._stages(batch)
        # Keyed by object identity: hashing a StageInfo hashes all its fields, once per row.
        hexes = {id(s): (s.pipeline_id.hex, s.id.hex) for s in stages if s is not None}
        columns["pipeline_id"] = [hexes[id(s)][0] if s else None for s in stages]
        columns["stage_id"] = [hexes[id(s)][1] if s else None for s in stages]
        columns["status"] = [s.category if s else None for s in stages]
        columns["closed_on"] = self._closed_on(batch, stages)
        for field, target in (("account", "accounts"), ("owner", "users"), ("lead", "leads")):
            if self.mapped(field):
                columns[f"{field}_id"] = self.references(batch, field, target)
        self._money(batch, columns)
        if self.mapped("probability"):
            columns["probability_bp"] = [
                None if p is None else int(Decimal(p) * 100)
                for p in self.column(batch, "probability")
            ]
        given = self.column(batch, "forecast_category")
        defaults = [s.forecast_category if s else None for s in stages]
        columns["forecast_category"] = [g or d for g, d in zip(given, defaults, strict=True)]
        columns["forecast_category_overridden"] = [
            g is not None and g != d for g, d in zip(given, defaults, strict=True)
        ]
        if self.mapped("lost_reason"):
            reasons = {
                r: hex_of(self.writer._lost_reason(r))
                for r in set(self.column(batch, "lost_reason"))
            }
            columns["lost_reason_id"] = [reasons[r] for r in self.column(batch, "lost_reason")]
        add_identity(self, batch, columns)
        assert all(len(v) == n for v in columns.values())
        return columns

    def _stages(self, batch: ColumnBatch) -> list[StageInfo | None]:
        book = self.writer.stages
        pipelines, names = self.column(batch, "pipeline"), self.column(batch, "stage")
        found: dict[tuple[Any, Any], StageInfo | None] = {}
        for pipeline, name in set(zip(pipelines, names, strict=True)):
            pipeline_id = book.pipeline_id(pipeline)
            found[(pipeline, name)] = (
                book.stage(pipeline_id, str(name)) if pipeline_id and name else None
            )
        stages = [found[key] for key in zip(pipelines, names, strict=True)]
        batch.mark([s is None for s in stages])
        return stages

    def _closed_on(self, batch: ColumnBatch, stages: list[StageInfo | None]) -> list[Any]:
        closed_on, expected = (
            self.column(batch, "closed_on"),
            self.column(batch, "expected_close_on"),
        )
        opened = self.column(batch, "opened_on")
        result: list[Any] = []
        bad: list[bool] = []
        for stage, close, plan, open_ in zip(stages, closed_on, expected, opened, strict=True):
            is_closed = stage is not None and stage.category != OPEN
            value = (close if close is not None else plan) if is_closed else close
            wrong = (is_closed and value is None) or (not is_closed and close is not None)
            wrong = wrong or (open_ is not None and value is not None and value < open_)
            result.append(value)
            bad.append(wrong)
        batch.mark(bad)
        return result

    def _money(self, batch: ColumnBatch, columns: Columns) -> None:
        if not (self.mapped("amount") or self.mapped("currency")):
            columns["currency"] = [self._known(self.ctx.reporting_currency)] * len(batch)
            return
        amounts, codes = self.column(batch, "amount"), self.column(batch, "currency")
        currencies: list[str] = []
        minors: list[int] = []
        bad: list[bool] = []
        for amount, code in zip(amounts, codes, strict=True):
            written = amount[1] if amount is not None else None
            currency = self._known(code or written or self.ctx.reporting_currency)
            minor = 0 if amount is None else to_minor(amount[0], currency)
            currencies.append(currency)
            minors.append(minor)
            bad.append((written is not None and written != currency) or minor < 0)
        batch.mark(bad)
        columns["currency"], columns["amount_minor"] = currencies, minors

    def _known(self, code: str) -> str:
        if code not in self.ctx.currencies:
            from coxswain.currencies.service import ensure_currency

            ensure_currency(self.ctx.session, code)
            self.ctx.currencies.add(code)
        return code


class StageChangeColumns(FastBuilder):
    writer: StageChangeWriter
    # split() finds the stored history of each deal in the batch by this index.
    lookup_indexes = frozenset({"ix_opportunity_stage_changes_opportunity_id_changed_at"})

    def build(self, batch: ColumnBatch) -> Columns:
        info = self.writer.opportunities
        deals = [str(v) for v in self.column(batch, "opportunity")]
        info.load(set(deals))
        known = {}
        for deal in set(deals):
            entry = info.info.get(deal)
            known[deal] = (
                None if entry is None else (entry[0].hex, entry[1], entry[2], entry[1].hex)
            )
        found = [known[d] for d in deals]
        batch.mark([f is None for f in found])
        columns: Columns = {
            "opportunity_id": [f[0] if f else None for f in found],
            "to_stage_id": self._stage_ids(batch, found, "to_stage"),
            "from_stage_id": self._stage_ids(batch, found, "from_stage"),
            "changed_at": self.column(batch, "changed_at"),
            "external_source": [
                s or self.ctx.source for s in self.column(batch, "external_source")
            ],
        }
        columns["changed_by_id"] = (
            self.references(batch, "changed_by", "users")
            if self.mapped("changed_by")
            else [None] * len(batch)
        )
        columns["amount_minor"] = (
            self._amounts(batch, found) if self.mapped("amount") else [None] * len(batch)
        )
        return columns

    def _stage_ids(self, batch: ColumnBatch, found: list[Any], field: str) -> list[str | None]:
        book = self.writer.stages
        names = self.column(batch, field)
        cache: dict[tuple[Any, Any], str | None] = {}
        ids: list[str | None] = []
        bad: list[bool] = []
        for deal, name in zip(found, names, strict=True):
            if deal is None or name is None:
                ids.append(None)
                bad.append(field == "to_stage")
                continue
            key = (deal[3], name)
            if key not in cache:
                stage = book.stage(deal[1], str(name))
                cache[key] = stage.id.hex if stage else None
            ids.append(cache[key])
            bad.append(cache[key] is None)
        batch.mark(bad)
        return ids

    def _amounts(self, batch: ColumnBatch, found: list[Any]) -> list[int | None]:
        result: list[int | None] = []
        bad: list[bool] = []
        for amount, deal in zip(self.column(batch, "amount"), found, strict=True):
            if amount is None or deal is None:
                result.append(None)
                bad.append(False)
                continue
            written = amount[1]
            bad.append(written is not None and written != deal[2])
            result.append(to_minor(amount[0], deal[2]))
        batch.mark(bad)
        return result

    def split(self, batch: ColumnBatch, columns: Columns) -> tuple[list[int], list[int]]:
        """History rows are new unless the same (deal, stage, time) is stored or repeated."""
        good = batch.good()
        table = self.writer.table
        deals = [uuid.UUID(hex=d) for d in {columns["opportunity_id"][i] for i in good}]
        existing: set[tuple[Any, Any, Any]] = set()
        for start in range(0, len(deals), IN_CHUNK):
            query = select(table.c.opportunity_id, table.c.to_stage_id, table.c.changed_at).where(
                table.c.opportunity_id.in_(deals[start : start + IN_CHUNK])
            )
            existing.update(
                (deal.hex, stage.hex, at) for deal, stage, at in self.ctx.session.execute(query)
            )
        fresh: list[int] = []
        for i in good:
            key = (
                columns["opportunity_id"][i],
                columns["to_stage_id"][i],
                columns["changed_at"][i],
            )
            if key in existing:
                self.ctx.counters.unchanged += 1
                continue
            existing.add(key)
            fresh.append(i)
        return fresh, []
