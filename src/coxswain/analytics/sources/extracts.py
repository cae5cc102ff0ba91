"""Canonical tables from a folder of native-format extracts (CSV or Parquet).

The folder is what ``coxswain generate`` or ``coxswain analytics extract`` writes: one
``<entity>.parquet`` or ``<entity>.csv`` per entity, references as external ids, stages by
NAME (``stages`` gives their pipeline, position and category), money in major units. DuckDB
reads it by default; PySpark reads the same files (a warehouse team points the same
definitions at its engine).

Required: ``opportunities`` and ``stages``. Every other entity is optional (an empty table
of the right shape stands in). CSV is read as text and typed here, so a CSV and a Parquet
extract of the same data give the same answers.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from coxswain.analytics.engine import schema
from coxswain.analytics.errors import ExtractError
from coxswain.analytics.sources.base import AnalyticsSource
from coxswain.analytics.sources.fetch import fetch_rows
from coxswain.analytics.sources.model_store import ModelStore
from coxswain.core.money import is_currency, minor_exponent

REQUIRED = ("opportunities", "stages")
FORMATS = ("parquet", "csv")


def _file(folder: Path, entity: str) -> Path | None:
    for suffix in FORMATS:
        path = folder / f"{entity}.{suffix}"
        if path.is_file():
            return path
    return None


def _text(value: ir.Value) -> ir.StringValue:
    text = value.cast("string")
    return text.nullif("")


def _day(value: ir.Value) -> ir.IntegerValue:
    dtype = value.type()
    if dtype.is_date():
        return value.epoch_days().cast("int64")
    if dtype.is_timestamp():
        return value.date().epoch_days().cast("int64")
    return _text(value).cast("date").epoch_days().cast("int64")


@ibis.udf.scalar.builtin(name="epoch")  # type: ignore[untyped-decorator]
def _duckdb_epoch(value: dt.timestamp) -> dt.float64:
    """DuckDB's ``epoch(ts)``: seconds since 1970-01-01 UTC (fractional), of a timestamp
    with or without time zone."""


def _seconds(value: ir.Value, engine: str) -> ir.IntegerValue:
    """Epoch seconds of a timestamp column (or of its text, for CSV).

    On DuckDB, a ``TIMESTAMP WITH TIME ZONE`` (what Parquet's UTC timestamps read as) goes
    straight to ``epoch()``: Ibis' ``epoch_seconds()`` first casts it to a plain
    ``TIMESTAMP``, a time-zone conversion per value that made reading the seven lead
    timestamps of 2M leads cost 1.9 s of CPU instead of 0.3 s. Same value (the session is
    UTC), same rounding.
    """
    if value.type().is_timestamp():
        if engine == "duckdb":
            seconds: ir.IntegerValue = _duckdb_epoch(value).cast("int64")
            return seconds
        return value.epoch_seconds().cast("int64")
    return _text(value).cast("timestamp").epoch_seconds().cast("int64")


def _number(value: ir.Value) -> ir.FloatingValue:
    if value.type().is_string():
        return _text(value).cast("float64")
    return value.cast("float64")


def _flag(value: ir.Value) -> ir.BooleanValue:
    if value.type().is_boolean():
        return value
    return _text(value).lower().isin(["true", "1", "yes", "y", "t"])


def line_total_minor(
    quantity: ir.NumericValue, unit_minor: ir.NumericValue, discount_bp: ir.NumericValue
) -> ir.NumericValue:
    """``round_half_even(quantity × unit_minor × (10000 − discount_bp) ÷ 10000)`` in exact
    integer arithmetic (the import's rule), so extracts and the database agree to the cent.

    Exact while ``quantity × unit_minor × 10000`` stays below 2**53 (whole quantities).
    """
    product = (quantity * unit_minor * (10_000 - discount_bp)).round(0).cast("int64")
    remainder = product % 10_000
    base = ((product - remainder) / 10_000).cast("int64")
    extra = ibis.cases((remainder > 5_000, 1), (remainder == 5_000, base % 2), else_=0)
    return (base + extra).cast("float64")


class _Reader:
    def __init__(self, backend: Any, folder: Path, engine: str) -> None:
        self.backend, self.folder, self.engine = backend, folder, engine

    def read(self, entity: str) -> ir.Table | None:
        path = _file(self.folder, entity)
        if path is None:
            if entity in REQUIRED:
                raise ExtractError(
                    f"{self.folder}: no {entity}.parquet or {entity}.csv; an extract needs "
                    f"{' and '.join(REQUIRED)} (see `coxswain analytics extract`)"
                )
            return None
        name = f"cx_src_{entity}"
        if path.suffix == ".parquet":
            return self.backend.read_parquet(str(path), table_name=name)
        if self.engine == "pyspark":
            return self.backend.read_csv(str(path), table_name=name, header=True, inferSchema=False)
        return self.backend.read_csv(str(path), table_name=name, all_varchar=True, header=True)

    def empty(self, spec: schema.TableSpec) -> ir.Table:
        """An empty table of ``spec``'s shape for an entity the extract lacks. On DuckDB a
        ``SELECT ... WHERE FALSE``: Ibis builds its in-memory tables through pandas, whose
        import alone costs about a second of a cold report."""
        if self.engine != "duckdb":
            return spec.empty()
        mapper = self.backend.compiler.type_mapper
        columns = ", ".join(
            f'CAST(NULL AS {mapper.from_ibis(ibis.dtype(kind)).sql("duckdb")}) AS "{name}"'
            for name, kind in spec.columns.items()
        )
        shape = ibis.schema(dict(spec.columns))
        return self.backend.sql(f"SELECT {columns} WHERE FALSE", schema=shape)

    def column(self, table: ir.Table, name: str) -> ir.Value:
        if name not in table.columns:
            return ibis.null("string")
        return table[name]


class _Mapper:
    """Each canonical table from the native entity files."""

    def __init__(
        self, reader: _Reader, default_pipeline: str | None, exponents: dict[str, int]
    ) -> None:
        self.r = reader
        self.default_pipeline = default_pipeline
        self.exponents = exponents

    def c(self, table: ir.Table, name: str) -> ir.Value:
        return self.r.column(table, name)

    def deals(self, o: ir.Table) -> ir.Table:
        c = self.c
        return o.select(
            deal_id=_text(c(o, "external_id")),
            owner_id=_text(c(o, "owner")),
            account_id=_text(c(o, "account")),
            pipeline=_text(c(o, "pipeline")).coalesce(self.default_pipeline),
            stage=_text(c(o, "stage")),
            amount_local=_number(c(o, "amount")).coalesce(0.0),
            currency=_text(c(o, "currency")),
            deal_type=_text(c(o, "type")).coalesce("new_business"),
            source=_text(c(o, "lead_source")),
            opened_day=_day(c(o, "opened_on")),
            engaged_day=_day(c(o, "engaged_on")),
            closed_day=_day(c(o, "closed_on")),
            expected_close_day=_day(c(o, "expected_close_on")),
        )

    def deal_products(self, items: ir.Table) -> ir.Table:
        """Line totals exactly as the application stores them: ``quantity × unit price ×
        (1 − discount)`` in minor units, rounded half-even (see :func:`line_total_minor`)."""
        c = self.c
        currency = _text(c(items, "currency"))
        scale = currency.cases(
            *[(code, 10.0**exponent) for code, exponent in self.exponents.items()], else_=100.0
        )
        total = line_total_minor(
            _number(c(items, "quantity")).coalesce(1.0),
            (_number(c(items, "unit_price")) * scale).round(0),
            (_number(c(items, "discount")).coalesce(0.0) * 100).round(0),
        )
        return items.select(
            deal_id=_text(c(items, "opportunity")),
            product_id=_text(c(items, "product")),
            amount_local=total / scale,
        )

    def products(self, p: ir.Table) -> ir.Table:
        return p.select(
            product_id=_text(self.c(p, "external_id")),
            product=_text(self.c(p, "name")),
            family=_text(self.c(p, "family")),
            is_recurring=_flag(self.c(p, "is_recurring")),
        )

    def stages(self, s: ir.Table) -> ir.Table:
        return s.select(
            pipeline=_text(self.c(s, "pipeline")),
            stage=_text(self.c(s, "name")),
            position=_number(self.c(s, "position")).cast("int64"),
            category=_text(self.c(s, "category")),
        )

    def stage_changes(self, ch: ir.Table) -> ir.Table:
        return ch.select(
            deal_id=_text(self.c(ch, "opportunity")),
            stage=_text(self.c(ch, "to_stage")),
            changed_s=_seconds(self.c(ch, "changed_at"), self.r.engine),
        )

    def users(self, u: ir.Table) -> ir.Table:
        c = self.c
        return u.select(
            user_id=_text(c(u, "external_id")),
            full_name=_text(c(u, "full_name")),
            team_id=_text(c(u, "team")),
            region=_text(c(u, "region")),
            role=_text(c(u, "role")),
        )

    def teams(self, t: ir.Table) -> ir.Table:
        c = self.c
        return t.select(
            team_id=_text(c(t, "external_id")),
            team=_text(c(t, "name")),
            parent_id=_text(c(t, "parent")),
            region=_text(c(t, "region")),
            segment=_text(c(t, "segment")),
        )

    def accounts(self, a: ir.Table) -> ir.Table:
        c = self.c
        return a.select(
            account_id=_text(c(a, "external_id")),
            country=_text(c(a, "country")),
            state=_text(c(a, "state")),
            segment=_text(c(a, "segment")),
        )

    def leads(self, lead: ir.Table) -> ir.Table:
        c = self.c
        times = (
            "received",
            "mql",
            "accepted",
            "first_touch",
            "qualified",
            "converted",
            "disqualified",
        )
        return lead.select(
            lead_id=_text(c(lead, "external_id")),
            owner_id=_text(c(lead, "owner")),
            source=_text(c(lead, "source")),
            segment=_text(c(lead, "size_segment")),
            country=_text(c(lead, "country")),
            state=_text(c(lead, "state")),
            status=_text(c(lead, "status")),
            **{f"{n}_s": _seconds(c(lead, f"{n}_at"), self.r.engine) for n in times},
        )

    def activities(self, a: ir.Table) -> ir.Table:
        c = self.c
        return a.select(
            owner_id=_text(c(a, "owner")),
            activity_type=_text(c(a, "type")),
            occurred_s=_seconds(c(a, "occurred_at"), self.r.engine),
            duration_minutes=_number(c(a, "duration_minutes")).coalesce(0.0).cast("int64"),
            deal_id=_text(c(a, "opportunity")),
        )

    def rates(self, r: ir.Table) -> ir.Table:
        c = self.c
        return r.select(
            currency=_text(c(r, "currency")),
            quote_currency=_text(c(r, "quote_currency")),
            effective_day=_day(c(r, "effective_on")),
            rate=_number(c(r, "rate")),
        )

    def targets(self, t: ir.Table) -> ir.Table:
        c = self.c
        return t.select(
            start_day=_day(c(t, "period_start")),
            end_day=_day(c(t, "period_end")),
            scope=_text(c(t, "scope")),
            team_id=_text(c(t, "team")),
            user_id=_text(c(t, "rep")),
            amount_local=_number(c(t, "amount")),
            currency=_text(c(t, "currency")),
        )


# canonical table → (entity file, mapper method)
ENTITY_OF = {
    "deals": "opportunities",
    "deal_products": "line_items",
    "products": "products",
    "stages": "stages",
    "stage_changes": "stage_changes",
    "users": "users",
    "teams": "teams",
    "accounts": "accounts",
    "leads": "leads",
    "activities": "activities",
    "rates": "exchange_rates",
    "targets": "targets",
}


def _majority(table: ir.Table | None, column: str) -> str | None:
    if table is None or column not in table.columns:
        return None
    counts = Counter(r[column] for r in fetch_rows(table.select(column)) if r[column])
    return counts.most_common(1)[0][0] if counts else None


def _exponents(items: ir.Table | None) -> dict[str, int]:
    """Minor-unit digits of every currency the line items use (CLDR; 2 when unknown)."""
    if items is None or "currency" not in items.columns:
        return {}
    codes = fetch_rows(items.select(code=items.currency.cast("string")).distinct())
    out = {}
    for code in sorted(r["code"] for r in codes if r["code"]):  # stable SQL
        if is_currency(code):
            out[code] = minor_exponent(code)
    return out


REFERENCE_TABLES = ("stages", "rates", "teams", "users", "targets")

# On the in-process DuckDB, leads and activities are read straight from the files: each query
# reads only the few columns it needs (projection pushdown), while storing them copies every
# column (2M leads: 3.4 s and 500 MB of RSS, about what the dashboard's four lead queries save
# by reading the stored copy; the KPI report, with two of them, only loses).
COLUMNAR_STORED = ("deals", "funnel_deals")


def _stored(local: bool, keep_model: bool) -> tuple[str, ...]:
    """Model tables worth storing: all of them when they are kept between runs (each is
    built once per extract), else on the local DuckDB only the deal tables."""
    if not local or keep_model:
        return AnalyticsSource.stored
    return COLUMNAR_STORED


def _canonical(
    reader: _Reader, folder: Path, pipeline: str | None, exponents: dict[str, int]
) -> tuple[dict[str, ir.Table], dict[str, ir.Table | None]]:
    raw = {name: reader.read(entity) for name, entity in ENTITY_OF.items()}
    mapper = _Mapper(reader, pipeline, exponents)
    tables = {}
    for spec in schema.CANONICAL:
        source_table = raw[spec.name]
        if source_table is None:
            mapped = reader.empty(spec)
        else:
            mapped = getattr(mapper, spec.name)(source_table)
        tables[spec.name] = spec.conform(mapped, origin=str(folder))
    return tables, raw


def _reference(
    local: Any, folder: Path, reporting_currency: str | None
) -> tuple[dict[str, ir.Table], str | None, dict[str, int], str]:
    """The canonical tables on an in-process DuckDB, the default pipeline, the currencies'
    exponents and the reporting currency."""
    reader = _Reader(local, folder, "duckdb")
    pipeline = _majority(reader.read("stages"), "pipeline")
    exponents = _exponents(reader.read("line_items"))
    currency = reporting_currency or _majority(reader.read("exchange_rates"), "quote_currency")
    tables, _ = _canonical(reader, folder, pipeline, exponents)
    return tables, pipeline, exponents, currency or "USD"


def open_extract(
    folder: Path,
    *,
    engine: str = "duckdb",
    backend: Any = None,
    reporting_currency: str | None = None,
    keep_model: bool = True,
) -> AnalyticsSource:
    """The canonical tables of the extract in ``folder`` on DuckDB (default) or PySpark.

    ``backend`` is an already connected Ibis backend (e.g. ``ibis.pyspark.connect(spark)``);
    without one a fresh in-memory DuckDB is used. The reporting currency is, in order:
    ``reporting_currency``, the most common ``quote_currency`` of ``exchange_rates``, USD.

    The small reference tables (stages, rates, teams, people, targets) are always read with
    an in-process DuckDB: on Spark each such read would be a job of its own.

    With ``keep_model`` (DuckDB only), the deal model is kept in ``<folder>/.coxswain-model``
    and reused while the extract's files and the model's definition are unchanged (see
    ``model_store.py``).
    """
    if not folder.is_dir():
        raise ExtractError(f"{folder}: not a folder; expected a folder of extract files")
    local = ibis.duckdb.connect()
    reference, pipeline, exponents, currency = _reference(local, folder, reporting_currency)
    if backend is None:
        target, tables = local, reference
    else:
        target = backend
        tables, _ = _canonical(_Reader(backend, folder, engine), folder, pipeline, exponents)

    def close() -> None:
        local.disconnect()

    files = [p for p in (_file(folder, e) for e in ENTITY_OF.values()) if p is not None]
    keep = keep_model and target is local
    return AnalyticsSource(
        engine=engine,
        backend=target,
        tables=tables,
        reporting_currency=currency.upper(),
        location=str(folder),
        materialize=True,
        stored=_stored(target is local, keep),
        model_store=ModelStore.beside(folder, files) if keep else None,
        context={"reference_tables": {name: reference[name] for name in REFERENCE_TABLES}},
        closer=close,
    )
