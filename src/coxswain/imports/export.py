"""Export any entity in the native format to CSV, XLSX or Parquet, streaming in batches.

CSV and XLSX hold the native text form (what ``coxswain import`` reads back); Parquet holds
typed columns (dates, UTC timestamps, numbers) for analytics engines such as DuckDB.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from coxswain.core.errors import ValidationError
from coxswain.core.money import minor_exponent
from coxswain.imports.engine.schema import EntitySpec, entity_spec
from coxswain.imports.export_queries import BASIS_POINT_COLUMNS, MONEY_COLUMNS, QUERIES

ExportFormat = Literal["csv", "xlsx", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet")
BATCH = 10_000


@dataclass
class ExportReport:
    entity: str
    path: str
    format: str
    rows: int


def _major(amount_minor: int | None, currency: str | None) -> Decimal | None:
    if amount_minor is None:
        return None
    exponent = minor_exponent(currency) if currency else 2
    return Decimal(amount_minor).scaleb(-exponent)


def _percent(basis_points: int | None) -> Decimal | None:
    return None if basis_points is None else (Decimal(basis_points) / 100).normalize()


def text(value: Any) -> str:
    """A value in the native text form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def rows(
    session: Session, entity: str
) -> tuple[EntitySpec, list[str], Iterator[list[Sequence[Any]]]]:
    """The entity's spec, output column names and batches of converted row values."""
    spec = entity_spec(entity)
    names, query = QUERIES[spec.name]()
    money = MONEY_COLUMNS.get(spec.name, {})
    basis = BASIS_POINT_COLUMNS.get(spec.name, ())
    index = {name: i for i, name in enumerate(names)}
    fixes: list[Callable[[list[Any]], None]] = []
    for column, currency_column in money.items():
        fixes.append(_money_fix(index[column], index[currency_column]))
    for column in basis:
        fixes.append(_percent_fix(index[column]))
    visible = [i for i, n in enumerate(names) if not n.startswith("_")]

    def batches() -> Iterator[list[Sequence[Any]]]:
        result = session.execute(query.execution_options(yield_per=BATCH))
        for partition in result.partitions(BATCH):
            out: list[Sequence[Any]] = []
            for row in partition:
                values = list(row)
                for fix in fixes:
                    fix(values)
                out.append([_plain(values[i]) for i in visible])
            yield out

    return spec, [names[i] for i in visible], batches()


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return Decimal(int(value))
    return value


def _money_fix(column: int, currency: int) -> Callable[[list[Any]], None]:
    def fix(values: list[Any]) -> None:
        values[column] = _major(values[column], values[currency])

    return fix


def _percent_fix(column: int) -> Callable[[list[Any]], None]:
    def fix(values: list[Any]) -> None:
        values[column] = _percent(values[column])

    return fix


def export_entity(session: Session, *, entity: str, out: Path, fmt: str) -> ExportReport:
    """Write every (not deleted) record of ``entity`` to ``out`` in format ``fmt``."""
    if fmt not in FORMATS:
        raise ValidationError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    spec, names, batches = rows(session, entity)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = {"csv": _write_csv, "xlsx": _write_xlsx, "parquet": _write_parquet}[fmt]
    count = writer(out, spec, names, batches)
    return ExportReport(spec.name, str(out), fmt, count)


def _write_csv(
    out: Path, spec: EntitySpec, names: list[str], batches: Iterator[list[Sequence[Any]]]
) -> int:
    del spec  # the same signature as the other writers
    count = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for batch in batches:
            writer.writerows([text(v) for v in row] for row in batch)
            count += len(batch)
    return count


def _write_xlsx(
    out: Path, spec: EntitySpec, names: list[str], batches: Iterator[list[Sequence[Any]]]
) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(spec.name)
    sheet.append(names)
    count = 0
    for batch in batches:
        for row in batch:
            sheet.append([text(v) if v is not None else None for v in row])
        count += len(batch)
    book.save(out)
    return count


ARROW_KINDS = {
    "int": "int64",
    "decimal": "float64",
    "percent": "float64",
    "money": "float64",
    "date": "date32",
    "datetime": "timestamp",
    "bool": "bool",
}


def _arrow_schema(spec: EntitySpec, names: list[str]) -> Any:
    import pyarrow as pa

    kinds = {f.name: f.kind for f in spec.fields}
    types = {
        "int64": pa.int64(),
        "float64": pa.float64(),
        "date32": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "bool": pa.bool_(),
    }
    fields = [
        pa.field(n, types.get(ARROW_KINDS.get(kinds.get(n, ""), ""), pa.string())) for n in names
    ]
    return pa.schema(fields)


def _arrow_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("float64",):
        return float(value)
    if kind == "int64":
        return int(value)
    if kind in ("date32", "timestamp", "bool"):
        return value
    return text(value)


def _write_parquet(
    out: Path, spec: EntitySpec, names: list[str], batches: Iterator[list[Sequence[Any]]]
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(spec, names)
    kinds = [
        ARROW_KINDS.get(next((f.kind for f in spec.fields if f.name == n), ""), "") for n in names
    ]
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        for batch in batches:
            columns = [[_arrow_value(row[i], kinds[i]) for row in batch] for i in range(len(names))]
            writer.write_table(
                pa.Table.from_arrays(
                    [pa.array(c, type=schema.field(i).type) for i, c in enumerate(columns)],
                    schema=schema,
                )
            )
            count += len(batch)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count
