"""Turn a file row (a list of cells) into native field values, or say exactly what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from coxswain.imports.engine.mapping import EXTERNAL_SOURCE, BoundMapping, ColumnRule
from coxswain.imports.engine.parsing import BadValue, Parser, make_parser, parse_text
from coxswain.imports.engine.schema import FieldSpec


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row (or one field of it) was not imported."""

    line: int
    field: str
    value: str
    reason: str

    def describe(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"line {self.line}, field {self.field!r}: {self.reason} (got {shown!r})"


class RowRejected(Exception):
    def __init__(self, problem: RowProblem) -> None:
        super().__init__(problem.describe())
        self.problem = problem


@dataclass(frozen=True, slots=True)
class _Plan:
    name: str
    index: int | None
    default: str | None
    values: dict[str, str]
    parse: Parser
    required: bool


def _options_for(bound: BoundMapping, rule: ColumnRule, spec: FieldSpec) -> Any:
    options = bound.mapping.options
    if rule.format:
        if spec.kind == "datetime":
            return replace(options, datetime_format=rule.format)
        return replace(options, date_format=rule.format)
    return options


class RowParser:
    """Compiled once per file: parses every row with precomputed per-field parsers."""

    def __init__(self, bound: BoundMapping) -> None:
        self.bound = bound
        self.width = len(bound.headers)
        plans: list[_Plan] = []
        for name, (index, rule) in bound.rules.items():
            if name == EXTERNAL_SOURCE:
                parse = parse_text(50)
                required = False
            else:
                spec = bound.spec.field(name)
                parse = make_parser(spec, _options_for(bound, rule, spec))
                required = spec.required
            values = {k.strip().lower(): v for k, v in rule.values.items()}
            plans.append(_Plan(name, index, rule.default, values, parse, required))
        self._plans = plans
        # Plain tuples: unpacking them is the cheapest way through the per-row loop.
        self.steps = [(p.name, p.index, p.default, p.values, p.parse, p.required) for p in plans]

    def parse(self, line: int, cells: list[str]) -> dict[str, Any]:
        """Native values by field; raises :class:`RowRejected` on the first bad cell."""
        if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            raise RowRejected(
                RowProblem(
                    line,
                    "(row)",
                    ",".join(cells[self.width :])[:60],
                    f"{len(cells)} cells but the header has {self.width} columns",
                )
            )
        out: dict[str, Any] = {}
        count = len(cells)
        for name, index, default, values, parse, required in self.steps:
            raw = cells[index].strip() if index is not None and index < count else ""
            if not raw and default is not None:
                raw = default
            if values and raw:
                raw = values.get(raw.lower(), raw)
            if not raw:
                if required:
                    raise RowRejected(RowProblem(line, name, "", "a value is required"))
                out[name] = None
                continue
            try:
                out[name] = parse(raw)
            except BadValue as exc:
                raise RowRejected(RowProblem(line, name, raw, f"expected {exc}")) from None
        return out
