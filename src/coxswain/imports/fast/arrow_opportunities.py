"""Opportunities (``opportunities``) through the Arrow path: a block of rows in a few kernels.

Mirrors ``writers/opportunities.py:OpportunityWriter`` and the column builder
``fast/deals.py:OpportunityColumns`` (the equivalence tests compare the stored rows of the
paths). Each column of a block is checked over the whole column (blanks around a cell,
lengths, required cells, ``YYYY-MM-DD`` dates with a real calendar check, plain decimal
amounts in the minor units of the row's currency); stages, references, currencies, enums,
probabilities and lost reasons are resolved or parsed once per *distinct* cell, with the row
path's own parsers and lookups; the closing rules (a closed stage needs a close date, an open
one must not have one, no close before the opening) are NumPy expressions. New rows are
written with one ``executemany`` (SQLite) or one ``COPY`` (PostgreSQL) per block.

Every row a kernel is not sure about (another date form, an amount needing rounding, an
unknown stage/account/owner/lead, a broken closing rule, blanks around a cell, an external id
already stored or repeated in the file) goes to the row path, which rejects, updates or
imports it with its usual messages.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute

from coxswain.core.enums import StageCategory
from coxswain.core.money import minor_exponent
from coxswain.imports.engine.mapping import EXTERNAL_SOURCE, BoundMapping
from coxswain.imports.engine.parsing import BadValue, Parser
from coxswain.imports.engine.rows import RowParser
from coxswain.imports.fast.arrow_blocks import ArrowBlock
from coxswain.imports.fast.arrow_columns import (
    distinct_codes,
    empty_to_null,
    iso_date_doubts,
    mask,
    money_minor,
    text_doubts,
)
from coxswain.imports.fast.arrow_insert import insert_columns
from coxswain.imports.fast.arrow_opportunity_rows import BlockRows
from coxswain.imports.fast.deals import OpportunityColumns
from coxswain.imports.fast.runner import hex_of
from coxswain.imports.resolver import SMALL_TABLES
from coxswain.imports.writers.opportunities import OPPORTUNITY_FIELDS, OpportunityWriter

# Arrow columns are typed loosely (see arrow_columns.py).
Column: TypeAlias = Any
pc: Any = _compute

OPEN = StageCategory.OPEN.value
DATES = ("opened_on", "engaged_on", "expected_close_on", "closed_on")
TEXT_KINDS = frozenset({"text", "ref"})
REFERENCES = (("account", "accounts"), ("owner", "users"), ("lead", "leads"))


def opportunities_ready(bound: BoundMapping) -> bool:
    """Whether every mapped field is read as-is from a column (no defaults, value maps or
    formats: those take the column builder's Python route)."""
    if bound.mapping.options.date_format:
        return False
    for index, rule in bound.rules.values():
        if index is None or rule.default or rule.values or rule.format:
            return False
    return True


class ArrowOpportunities:
    """Writes :class:`ArrowBlock` s of an opportunities file; see the module docstring."""

    def __init__(
        self, writer: OpportunityWriter, builder: OpportunityColumns, parser: RowParser
    ) -> None:
        self.writer = writer
        self.builder = builder
        self.parser = parser
        self.ctx = writer.ctx
        self.rules = parser.bound.rules
        self.spec = parser.bound.spec
        self.parsers: dict[str, Parser] = {step[0]: step[4] for step in parser.steps}
        self.rows = BlockRows(writer, builder, parser)

    def column(self, table: pa.Table, name: str) -> Column | None:
        rule = self.rules.get(name)
        return None if rule is None or rule[0] is None else table.column(rule[0])

    def write(self, block: ArrowBlock) -> None:
        table = block.table
        n = table.num_rows
        self.ctx.counters.rows_read += n
        doubt = self._text_doubts(table)
        out: dict[str, Any] = {}
        forecast = self._stages(table, doubt, out)
        self._closing(table, doubt, out)
        for field, target in REFERENCES:
            if self.column(table, field) is not None:
                out[f"{field}_id"] = self._reference(table, field, target, doubt)
        self._money(table, doubt, out)
        self._parsed(table, doubt, out, forecast)
        good = np.flatnonzero(~doubt)
        if self.column(table, "lost_reason") is not None:
            out["lost_reason_id"] = self._lost_reasons(table, good)
        for code in {c for c in out["currency"][good].tolist() if c}:
            self.builder._known(code)  # a currency not stored yet is added, as the row path does
        out.update(self._texts(table))
        self.rows.write(block, doubt, good, out, self._insert)

    # -- checks ------------------------------------------------------------------------
    def _text_doubts(self, table: pa.Table) -> np.ndarray:
        """Blanks around any cell, text longer than its field allows, a required cell empty,
        a date not written ``YYYY-MM-DD``."""
        doubt = np.zeros(table.num_rows, dtype=bool)
        for name in self.rules:
            column = self.column(table, name)
            if column is None:
                continue
            if name == EXTERNAL_SOURCE:
                doubt |= text_doubts(column, max_length=50, required=False)
                continue
            spec = self.spec.field(name)
            limit = spec.max_length if spec.kind in TEXT_KINDS else None
            doubt |= text_doubts(column, max_length=limit, required=spec.required)
            if name in DATES:
                doubt |= iso_date_doubts(column)
        return doubt

    def _stages(self, table: pa.Table, doubt: np.ndarray, out: dict[str, Any]) -> np.ndarray:
        """Pipeline, stage and status per row (each distinct pipeline/stage pair looked up
        once); returns the stages' default forecast category per row."""
        book = self.writer.stages
        stage_column = self.column(table, "stage")
        assert stage_column is not None  # a required field: bind() refuses a file without it
        stage_codes, stage_names = distinct_codes(stage_column)
        pipeline_column = self.column(table, "pipeline")
        if pipeline_column is None:
            pipeline_codes, pipeline_names = np.zeros(table.num_rows, dtype=np.int64), [""]
        else:
            pipeline_codes, pipeline_names = distinct_codes(pipeline_column)
        pairs, inverse = np.unique(
            pipeline_codes * max(len(stage_names), 1) + stage_codes, return_inverse=True
        )
        found = []
        for key in pairs.tolist():
            pipeline, name = divmod(key, max(len(stage_names), 1))
            pipeline_id = book.pipeline_id(pipeline_names[pipeline] or None)
            stage_name = stage_names[name] if stage_names else ""
            found.append(
                book.stage(pipeline_id, stage_name) if pipeline_id and stage_name else None
            )
        info = np.array(
            [
                (s.pipeline_id.hex, s.id.hex, s.category, s.forecast_category)
                if s
                else (None, None, None, None)
                for s in found
            ],
            dtype=object,
        ).reshape(len(found), 4)[inverse.reshape(-1)]
        doubt |= info[:, 1] == None  # noqa: E711 (element-wise)
        out["pipeline_id"], out["stage_id"], out["status"] = info[:, 0], info[:, 1], info[:, 2]
        return np.asarray(info[:, 3])

    def _closing(self, table: pa.Table, doubt: np.ndarray, out: dict[str, Any]) -> None:
        """``closed_on`` per the writer's rules: a closed stage takes the close date, else the
        expected one (one of them required); an open stage has none; never before opened_on."""
        n = table.num_rows
        blank = pa.chunked_array([pa.array(np.full(n, "", dtype=object), pa.string())])
        closed_on = self.column(table, "closed_on") or blank
        expected = self.column(table, "expected_close_on") or blank
        closed = out["status"] != OPEN
        close_empty = mask(pc.equal(closed_on, ""))
        use_expected = closed & close_empty
        value = pc.if_else(pa.array(use_expected), expected, closed_on)
        value_empty = mask(pc.equal(value, ""))
        wrong = (closed & value_empty) | (~closed & ~close_empty)
        opened = self.column(table, "opened_on")
        if opened is not None:
            before = mask(pc.less(value, opened))
            wrong |= before & ~value_empty & ~mask(pc.equal(opened, ""))
        doubt |= wrong
        out["closed_on"] = empty_to_null(value)

    def _reference(self, table: pa.Table, field: str, target: str, doubt: np.ndarray) -> Any:
        """Ids (hex) of a reference column, each distinct cell resolved once; a cell that
        names nothing is doubtful (the row path rejects it, or creates the record when the
        profile says so)."""
        column = self.column(table, field)
        codes, texts = distinct_codes(column)
        uniques = [t for t in texts if t]
        found: dict[str, str | None] = {}
        if target not in SMALL_TABLES:
            found.update(self.builder.hex_keys.find(target, uniques))
        rest = [u for u in uniques if u not in found]
        resolver = self.ctx.resolver
        resolver.prefetch(target, rest)
        found.update({u: hex_of(resolver.get(target, u)) for u in rest})
        ids = np.array([found[t] if t else None for t in texts] + [None], dtype=object)
        unknown = np.array([bool(t) and found[t] is None for t in texts] + [False])
        doubt |= unknown[codes]
        return ids[codes]

    def _money(self, table: pa.Table, doubt: np.ndarray, out: dict[str, Any]) -> None:
        """Currency (the row's own code, else the reporting currency) and the amount in its
        minor units; a negative amount is doubtful (the row path rejects it)."""
        n = table.num_rows
        reporting = self.ctx.reporting_currency
        amount = self.column(table, "amount")
        currency = self.column(table, "currency")
        if amount is None and currency is None:
            out["currency"] = np.full(n, self.builder._known(reporting), dtype=object)
            return
        if currency is None:
            codes, parsed, failed = np.zeros(n, dtype=np.int64), [reporting], np.zeros(1, bool)
        else:
            codes, texts = distinct_codes(currency)
            values, failed = self._parse_distinct("currency", texts)
            parsed = [v or reporting for v in values]
        doubt |= failed[codes]
        exponents = np.array([minor_exponent(c) if c else 2 for c in parsed] + [2])
        if amount is None:
            minor = np.zeros(n, dtype=np.int64)
        else:
            minor, doubts = money_minor(amount, exponents[codes])
            doubt |= doubts | (minor < 0)
        out["currency"] = np.array([*parsed, None], dtype=object)[codes]
        out["amount_minor"] = minor

    def _parsed(
        self, table: pa.Table, doubt: np.ndarray, out: dict[str, Any], forecast: np.ndarray
    ) -> None:
        """Enums and the probability, each distinct cell parsed once by the row path's
        parser; the forecast category defaults to the stage's (overridden when it differs)."""
        for name, column_name in (("type", "type"), ("probability", "probability_bp")):
            column = self.column(table, name)
            if column is not None:
                codes, texts = distinct_codes(column)
                values, failed = self._parse_distinct(name, texts)
                if name == "probability":
                    values = [None if v is None else int(v * 100) for v in values]
                doubt |= failed[codes]
                out[column_name] = np.array([*values, None], dtype=object)[codes]
        given = np.full(table.num_rows, None, dtype=object)
        column = self.column(table, "forecast_category")
        if column is not None:
            codes, texts = distinct_codes(column)
            values, failed = self._parse_distinct("forecast_category", texts)
            doubt |= failed[codes]
            given = np.array([*values, None], dtype=object)[codes]
        named = given != None  # noqa: E711 (element-wise)
        out["forecast_category"] = np.where(named, given, forecast)
        out["forecast_category_overridden"] = pa.array(named & (given != forecast))

    def _parse_distinct(self, name: str, texts: list[str]) -> tuple[list[Any], np.ndarray]:
        """Each distinct cell through the field's parser: values (None for an empty cell)
        and which failed (with one extra False entry, for empty blocks)."""
        parse = self.parsers[name]
        values: list[Any] = []
        failed = np.zeros(len(texts) + 1, dtype=bool)
        for k, text in enumerate(texts):
            value = None
            if text:
                try:
                    value = parse(text)
                except BadValue:
                    failed[k] = True
            values.append(value)
        return values, failed

    def _lost_reasons(self, table: pa.Table, good: np.ndarray) -> np.ndarray:
        """Lost reasons by name; a name not stored yet is created (as the row path does),
        but only for rows that are imported here."""
        column = self.column(table, "lost_reason")
        codes, texts = distinct_codes(column)
        used = set(np.unique(codes[good]).tolist())
        ids = [
            hex_of(self.writer._lost_reason(t)) if t and k in used else None
            for k, t in enumerate(texts)
        ]
        return np.asarray(np.array([*ids, None], dtype=object)[codes])

    def _texts(self, table: pa.Table) -> dict[str, Any]:
        """The fields stored as written (dates already checked): empty cells as NULL."""
        columns: dict[str, Any] = {}
        for name in OPPORTUNITY_FIELDS:
            column = self.column(table, name)
            if column is not None and name not in ("type", "closed_on"):
                columns[name] = empty_to_null(column)
        return columns

    def _insert(self, columns: dict[str, Any], count: int) -> bool:
        return insert_columns(self.ctx.session, self.writer.table, columns, count)
