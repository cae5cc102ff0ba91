"""Stage history (``stage_changes``) through the Arrow path: a block of rows in a few kernels.

Mirrors ``writers/deals.py:StageChangeWriter`` (the equivalence test compares the stored rows
of both paths): each row names a deal (resolved once per distinct value with the writer's own
:class:`OpportunityInfo`), stages by name within the deal's pipeline, a UTC time, optionally a
user and an amount in the deal's currency. A row already stored (same deal, stage and time),
or repeated in the file, counts as unchanged. Every row a check is not sure about goes to the
row path, which rejects or imports it with its usual messages.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute
from sqlalchemy import select

from coxswain.core.money import minor_exponent
from coxswain.imports.engine.mapping import EXTERNAL_SOURCE, BoundMapping
from coxswain.imports.engine.rows import RowParser
from coxswain.imports.fast.arrow_blocks import ArrowBlock
from coxswain.imports.fast.arrow_columns import (
    iso_utc_doubts,
    mask,
    money_minor,
    sqlite_timestamps,
    text_doubts,
)
from coxswain.imports.fast.arrow_deals import DealLookup
from coxswain.imports.fast.columns import ColumnBatch
from coxswain.imports.fast.pg_pipe import BackgroundCopy
from coxswain.imports.fast.runner import row_path
from coxswain.imports.resolver import IN_CHUNK
from coxswain.imports.writers.deals import StageChangeWriter

# pyarrow's stubs type neither ChunkedArray arguments nor plain str/int scalars of the
# compute kernels; columns are typed loosely here and checked by the tests instead.
Column: TypeAlias = Any
pc: Any = _compute

FIELDS = frozenset(
    {"opportunity", "from_stage", "to_stage", "changed_at", "changed_by", "amount", EXTERNAL_SOURCE}
)


def arrow_ready(bound: BoundMapping) -> bool:
    """Whether every mapped field is read as-is (no defaults, value maps or custom formats)."""
    options = bound.mapping.options
    if options.datetime_format or options.date_format:
        return False
    for name, (index, rule) in bound.rules.items():
        if name not in FIELDS or index is None or rule.default or rule.values or rule.format:
            return False
    return True


def _codes(column: Column) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes per row and the distinct values they index."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return codes, encoded.dictionary.to_pylist()


class ArrowStageChanges:
    """Writes :class:`ArrowBlock` s of a stage-history file; see the module docstring."""

    def __init__(self, writer: StageChangeWriter, parser: RowParser) -> None:
        self.writer = writer
        self.parser = parser
        self.ctx = writer.ctx
        self.rules = parser.bound.rules
        self.spec = parser.bound.spec
        self.sqlite = self.ctx.session.get_bind().dialect.name == "sqlite"
        self.deals = DealLookup(writer.opportunities, writer.table)
        self.copies = BackgroundCopy(self.ctx.session)

    def column(self, table: pa.Table, name: str) -> Column | None:
        rule = self.rules.get(name)
        return None if rule is None or rule[0] is None else table.column(rule[0])

    def write(self, block: ArrowBlock) -> None:
        table = block.table
        n = table.num_rows
        self.ctx.counters.rows_read += n
        doubt = np.zeros(n, dtype=bool)
        for name in self.rules:
            column = self.column(table, name)
            if column is None or name in ("changed_at", "amount"):
                continue
            spec = self.spec.field(name) if name != EXTERNAL_SOURCE else None
            doubt |= text_doubts(
                column,
                max_length=spec.max_length if spec else 50,
                required=spec.required if spec else False,
            )
        changed_at = self.column(table, "changed_at")
        assert changed_at is not None  # a required field: bind() refuses a file without it
        doubt |= iso_utc_doubts(changed_at, required=True)
        # Everything above is the block's own text; from here on the database is read, so the
        # previous block's COPY (still running on the server) must be settled first.
        self.copies.settle()
        out: dict[str, Any] = {"changed_at": changed_at}
        deal_codes, deals = self._deals(table, doubt)
        self._stages(table, deal_codes, deals, doubt, out)
        self._users(table, doubt, out)
        self._amounts(table, deal_codes, deals, doubt, out)
        good = np.flatnonzero(~doubt)
        fresh = self._fresh(good, deal_codes, deals, out)
        out["opportunity_id"] = np.array([d[0] if d else None for d in deals], dtype=object)[
            deal_codes
        ]
        slow = [int(i) for i in np.flatnonzero(doubt)]
        if fresh.size:
            self._insert(block, fresh, out, slow)
            if slow:
                self.copies.settle()  # the row path after this block's COPY, as before
        if slow:
            self._row_path(block, slow)
        self.deals.saw([d[0] for d in deals if d is not None])

    def close(self, *, failed: bool = False) -> None:
        """The end of the file (or of its Arrow blocks): the last block's COPY is settled."""
        self.copies.close(failed=failed)

    def _deals(self, table: pa.Table, doubt: np.ndarray) -> tuple[np.ndarray, list[Any]]:
        column = self.column(table, "opportunity")
        assert column is not None
        codes, values = _codes(column)
        deals: list[Any] = self.deals.resolve(values)
        known = np.array([d is not None for d in deals], dtype=bool)
        doubt |= ~known[codes] if codes.size else False
        return codes, deals

    def _stages(
        self,
        table: pa.Table,
        deal_codes: np.ndarray,
        deals: list[Any],
        doubt: np.ndarray,
        out: dict[str, Any],
    ) -> None:
        book = self.writer.stages
        pipelines = sorted({d[1] for d in deals if d is not None})
        index = {p: i for i, p in enumerate(pipelines)}
        deal_pipeline = np.array([index[d[1]] if d else -1 for d in deals] or [-1])
        row_pipeline = deal_pipeline[deal_codes]
        for field in ("to_stage", "from_stage"):
            column = self.column(table, field)
            if column is None:
                out[f"{field}_id"] = np.full(table.num_rows, None, dtype=object)
                continue
            codes, names = _codes(column)
            pair = row_pipeline * len(names) + codes
            ids: dict[int, str | None] = {}
            for key in np.unique(pair).tolist():
                pipeline, name = divmod(key, len(names))
                found = book.stage(pipelines[pipeline], names[name]) if pipeline >= 0 else None
                ids[key] = found.id.hex if found else None
            empty = mask(pc.equal(column, ""))
            mapped = np.array([ids[k] for k in pair.tolist()], dtype=object)
            doubt |= ~empty & (mapped == None)  # noqa: E711 (element-wise)
            mapped[empty] = None
            out[f"{field}_id"] = mapped
        doubt |= out["to_stage_id"] == None  # noqa: E711

    def _users(self, table: pa.Table, doubt: np.ndarray, out: dict[str, Any]) -> None:
        column = self.column(table, "changed_by")
        if column is None:
            out["changed_by_id"] = np.full(table.num_rows, None, dtype=object)
            return
        codes, values = _codes(column)
        resolver = self.ctx.resolver
        ids = [resolver.get("users", v) if v else None for v in values]
        found = np.array([None if i is None else i.hex for i in ids] or [None], dtype=object)
        unknown = np.array([bool(v) and i is None for v, i in zip(values, ids, strict=True)])
        doubt |= unknown[codes] if codes.size else False
        out["changed_by_id"] = found[codes]

    def _amounts(
        self,
        table: pa.Table,
        deal_codes: np.ndarray,
        deals: list[Any],
        doubt: np.ndarray,
        out: dict[str, Any],
    ) -> None:
        column = self.column(table, "amount")
        if column is None:
            out["amount_minor"] = np.full(table.num_rows, None, dtype=object)
            return
        exponents = np.array([minor_exponent(d[2]) if d else 2 for d in deals] or [2])
        minor, doubts = money_minor(column, exponents[deal_codes])
        doubt |= doubts
        empty = mask(pc.equal(column, ""))
        amounts = minor.astype(object)
        amounts[empty] = None
        out["amount_minor"] = amounts

    def _fresh(
        self, good: np.ndarray, deal_codes: np.ndarray, deals: list[Any], out: dict[str, Any]
    ) -> np.ndarray:
        """Good rows that are neither stored already nor repeated earlier in the block."""
        if good.size == 0:
            return good
        keys = pa.table(
            {
                "deal": pa.array(deal_codes[good]),
                "stage": pa.array(out["to_stage_id"][good].tolist(), pa.string()),
                "at": out["changed_at"].take(pa.array(good)),
                "row": pa.array(good),
            }
        )
        first = keys.group_by(["deal", "stage", "at"], use_threads=False).aggregate(
            [("row", "min")]
        )
        unique = np.sort(np.asarray(first.column("row_min").to_numpy()))
        named = [deals[c][0] for c in np.unique(deal_codes[unique]).tolist()]
        stored = self._stored(set(self.deals.may_have_history(named)))
        if stored:
            touched = {deal for deal, _, _ in stored}
            has_stored = np.array([d is not None and d[0] in touched for d in deals])
            candidates = unique[has_stored[deal_codes[unique]]]
            at = out["changed_at"].take(pa.array(candidates)).to_pylist()
            repeated = {
                i
                for i, when in zip(candidates.tolist(), at, strict=True)
                if (deals[deal_codes[i]][0], out["to_stage_id"][i], when) in stored
            }
            unique = np.array([i for i in unique.tolist() if i not in repeated], dtype=np.int64)
        self.ctx.counters.unchanged += int(good.size - unique.size)
        return unique

    def _stored(self, deal_hexes: set[str]) -> set[tuple[str, str, str]]:
        """``(deal, stage, time as YYYY-MM-DDTHH:MM:SSZ)`` of the history stored for these deals."""
        table = self.writer.table
        deal_ids = [uuid.UUID(hex=h) for h in deal_hexes]
        stored: set[tuple[str, str, str]] = set()
        for start in range(0, len(deal_ids), IN_CHUNK):
            query = select(table.c.opportunity_id, table.c.to_stage_id, table.c.changed_at).where(
                table.c.opportunity_id.in_(deal_ids[start : start + IN_CHUNK])
            )
            for deal, stage, at in self.ctx.session.execute(query):
                stored.add((deal.hex, stage.hex, _iso(at)))
        return stored

    def _insert(
        self, block: ArrowBlock, fresh: np.ndarray, out: dict[str, Any], slow: list[int]
    ) -> None:
        """COPY the fresh rows (in the background on PostgreSQL); rows of a block the database
        refuses go to the row path, in line order with the block's other ``slow`` rows."""
        table = block.table
        source = self.column(table, EXTERNAL_SOURCE)
        take = pa.array(fresh)
        if source is None:
            sources: Any = pa.array([self.ctx.source] * fresh.size, pa.string())
        else:
            given = source.take(take)
            sources = pc.if_else(pc.equal(given, ""), self.ctx.source, given)
        changed_at = out["changed_at"].take(take)
        columns: dict[str, Any] = {
            "opportunity_id": out["opportunity_id"][fresh],
            "from_stage_id": out["from_stage_id"][fresh],
            "to_stage_id": out["to_stage_id"][fresh],
            "changed_at": sqlite_timestamps(changed_at) if self.sqlite else changed_at,
            "changed_by_id": out["changed_by_id"][fresh],
            "amount_minor": out["amount_minor"][fresh],
            "external_source": sources,
        }
        count = int(fresh.size)

        def done(stored: bool) -> None:
            if stored:
                self.ctx.counters.inserted += count
            elif slow:
                slow.extend(fresh.tolist())  # the caller runs the row path next
                slow.sort()
            else:
                self._row_path(block, sorted(fresh.tolist()))

        self.copies.submit(self.writer.table, columns, count, done)

    def _row_path(self, block: ArrowBlock, rows: list[int]) -> None:
        picked = block.table.take(pa.array(rows, pa.int64()))
        cells = [list(r) for r in zip(*(c.to_pylist() for c in picked.columns), strict=True)]
        lines = [block.first_line + i for i in rows]
        row_path(self.writer, self.parser, ColumnBatch(lines, cells), range(len(rows)))


def _iso(value: datetime) -> str:
    if value.microsecond:
        return value.isoformat()  # never equal to a YYYY-MM-DDTHH:MM:SSZ cell
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
