"""Where a workspace keeps its model tables on the source's engine: model files or the
extract's model store when the source has them (kept between runs), else temporary tables;
and the rate calendar as a temporary table the model's currency conversion joins."""

from __future__ import annotations

import time
from typing import Any

import ibis
import ibis.expr.types as ir

from coxswain.analytics.engine.model import RATE_SCHEMA, Materialize, rate_rows
from coxswain.analytics.engine.money import RateCalendar
from coxswain.analytics.sources import model_files
from coxswain.analytics.sources.base import AnalyticsSource
from coxswain.analytics.sources.fetch import connection_lock
from coxswain.analytics.sources.model_files import Attached
from coxswain.analytics.sources.model_store import stored_table
from coxswain.analytics.sources.sql_cache import SqlCache
from coxswain.analytics.sources.sqlite_worker import quote


def _raw(source: AnalyticsSource, sql: str) -> None:
    result = source.backend.raw_sql(sql)
    if source.engine != "duckdb":  # DuckDB returns the connection itself
        result.close()


def materializer(
    source: AnalyticsSource,
    log: list[tuple[str, float]],
    sql_cache: SqlCache | None,
    salt: str,
    attached: list[Attached],
    temp_models: list[str],
) -> Materialize:
    """Store each model table once: in the source's model store or files when it has
    them (kept between runs; ``salt``: what else the model reads, see ``model_files.py``;
    each SQLite file used is added to ``attached``), else ``CREATE TEMP TABLE ... AS``
    (Spark: cache; each name added to ``temp_models``)."""

    def store(name: str, expr: ir.Table) -> ir.Table:
        started = time.perf_counter()
        stored = None
        if source.engine == "pyspark":
            stored = expr.cache()
        elif source.model_store is not None:
            stored = stored_table(source.backend, source.model_store, name, expr, sql_cache)
        elif source.model_files is not None:
            found = model_files.stored_table(source.backend, source.model_files, name, expr, salt)
            if found is not None:
                stored, used = found
                attached.append(used)
        if stored is None:
            stored = _create_temp(source, name, expr)
            temp_models.append(name)
        log.append((f"store {name}", time.perf_counter() - started))
        return stored

    return store


def _create_temp(source: AnalyticsSource, name: str, expr: ir.Table) -> ir.Table:
    """A temporary table typed like ``expr`` and filled by ``INSERT ... SELECT``."""
    backend: Any = source.backend
    mapper, dialect = backend.compiler.type_mapper, backend.dialect
    columns = ", ".join(
        f'"{column}" {mapper.from_ibis(dtype).sql(dialect)}'
        for column, dtype in expr.schema().items()
    )
    _raw(source, f'DROP TABLE IF EXISTS "{name}"')
    _raw(source, f'CREATE TEMP TABLE "{name}" ({columns})')
    _raw(source, f'INSERT INTO "{name}" {ibis.to_sql(expr, dialect=source.engine)}')
    return _temp_table(source, name)


def _temp_table(source: AnalyticsSource, name: str) -> ir.Table:
    if source.engine == "sqlite":
        return source.backend.table(name, database="temp")
    return source.backend.table(name)


RATES_DDL = (
    'CREATE TEMP TABLE "cx_rates" '
    "(currency VARCHAR(3), day BIGINT, factor DOUBLE PRECISION, extrapolated BOOLEAN)"
)


def rate_statements(calendar: RateCalendar) -> list[str]:
    """The SQL that fills the rate calendar's temporary table (row stores)."""
    statements = ['DROP TABLE IF EXISTS "cx_rates"', RATES_DDL]
    for start in range(0, len(calendar.rows), 1000):
        values = ", ".join(
            f"({quote(c)}, {int(d)}, {float(f)!r}, {'TRUE' if e else 'FALSE'})"
            for c, d, f, e in calendar.rows[start : start + 1000]
        )
        statements.append(f'INSERT INTO "cx_rates" VALUES {values}')
    return statements


def rate_table(
    source: AnalyticsSource, calendar: RateCalendar
) -> tuple[ir.Table | None, list[str]]:
    """The rate calendar as a table on ``source``'s engine (``None`` when empty), and the
    SQL statements that filled it on a row store (what a SQLite worker runs again, and what
    a kept model's key covers); no statements on DuckDB and Spark."""
    if not calendar.rows:
        return None, []
    if source.engine == "pyspark":
        data = ibis.memtable(rate_rows(calendar), schema=ibis.schema(RATE_SCHEMA))
        return source.backend.create_view("cx_rates", data, overwrite=True), []
    if source.engine == "duckdb":  # one statement, the columns as list parameters
        _raw(source, 'DROP TABLE IF EXISTS "cx_rates"')
        _raw(source, RATES_DDL)
        currency, day, factor, extrapolated = (list(c) for c in zip(*calendar.rows, strict=True))
        with connection_lock(source.backend):
            source.backend.con.execute(
                'INSERT INTO "cx_rates" SELECT UNNEST($1), UNNEST($2), UNNEST($3), UNNEST($4)',
                [
                    currency,
                    [int(d) for d in day],
                    [float(f) for f in factor],
                    [bool(e) for e in extrapolated],
                ],
            )
        return _temp_table(source, "cx_rates"), []
    statements = rate_statements(calendar)
    for statement in statements:
        _raw(source, statement)
    return _temp_table(source, "cx_rates"), statements
