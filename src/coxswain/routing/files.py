"""Leads files for ``route batch`` / ``route simulate``: read rows, write the routing CSV.

A leads file is CSV, XLSX or Parquet with a header row. Columns named like native lead fields
(``docs/import.md``: ``country``, ``employees``, ``source``, ...) are parsed as such; any other
column becomes ``attributes.<column>``. The lead's id is the first column among ``lead_id``,
``external_id``, ``id``, ``mql_id``. A value that does not parse (``employees: lots``) is read
as blank and reported, so every lead still gets its output row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coxswain.core.errors import ImportFileError
from coxswain.imports.engine.parsing import BadValue, ParseOptions, Parser, make_parser
from coxswain.imports.engine.readers import open_table
from coxswain.imports.engine.schema import LEADS
from coxswain.routing.engine.decision import Decision

ID_COLUMNS = ("lead_id", "external_id", "id", "mql_id")
OUTPUT_COLUMNS = ("lead_id", "owner", "rule", "method")
MAX_WARNINGS = 50


@dataclass(frozen=True, slots=True)
class LeadRow:
    line: int
    ref: str
    fields: dict[str, Any]


@dataclass(slots=True)
class LeadsFile:
    path: Path
    rows: list[LeadRow]
    id_column: str
    warnings: list[str] = field(default_factory=list)
    bad_values: int = 0


def _key(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def read_leads_file(path: Path) -> LeadsFile:
    """Every row of ``path`` as routable lead fields, in file order.

    Raises:
        ImportFileError: the file cannot be read, or has no lead id column.
    """
    reader = open_table(path)
    try:
        keys = [_key(h) for h in reader.headers]
        id_column = next((name for name in ID_COLUMNS if name in keys), None)
        if id_column is None:
            expected = ", ".join(ID_COLUMNS)
            raise ImportFileError(str(path), f"no lead id column (expected one of {expected})")
        parsers = _parsers(keys, id_column)
        result = LeadsFile(path, [], id_column)
        id_index = keys.index(id_column)
        for line, cells in reader.rows():
            result.rows.append(_row(result, line, cells, keys, id_index, parsers))
        return result
    finally:
        reader.close()


def _parsers(keys: list[str], id_column: str) -> dict[str, Parser | None]:
    native = {spec.name: spec for spec in LEADS.fields}
    options = ParseOptions()
    parsers: dict[str, Parser | None] = {}
    for key in keys:
        if key == id_column or key not in native:
            parsers[key] = None
        else:
            parsers[key] = make_parser(native[key], options)
    return parsers


def _row(
    result: LeadsFile,
    line: int,
    cells: list[str],
    keys: list[str],
    id_index: int,
    parsers: dict[str, Parser | None],
) -> LeadRow:
    ref = cells[id_index].strip() if id_index < len(cells) else ""
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for position, key in enumerate(keys):
        raw = cells[position] if position < len(cells) else ""
        if position == id_index or not raw.strip():
            continue
        parser = parsers[key]
        if parser is None:
            attributes[key] = raw.strip()
            continue
        try:
            fields[key] = parser(raw)
        except BadValue as exc:
            result.bad_values += 1
            if len(result.warnings) < MAX_WARNINGS:
                result.warnings.append(
                    f"{result.path}, line {line}: {key} {raw!r} read as blank (expected {exc})"
                )
    if isinstance(fields.get("attributes"), dict):
        attributes = {**fields["attributes"], **attributes}
    fields["attributes"] = attributes
    fields["external_id"] = ref
    if not ref:
        ref = f"line {line}"
    return LeadRow(line, ref, fields)


def write_routing_csv(path: Path, decisions: Iterable[Decision]) -> int:
    """Write ``lead_id,owner,rule,method`` (one row per decision, in order); returns rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(OUTPUT_COLUMNS)
        for decision in decisions:
            writer.writerow(decision.csv_row())
            count += 1
    return count
