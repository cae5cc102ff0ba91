"""What every source adapter hands the service: an Ibis connection and canonical tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir
from ibis.backends import BaseBackend

from coxswain.analytics.engine.expressions import Dialect, dialect_for
from coxswain.analytics.sources.model_files import ModelFiles
from coxswain.analytics.sources.model_store import ModelStore


@dataclass
class AnalyticsSource:
    """Canonical tables on one engine.

    Attributes:
        engine: the Ibis backend name (``sqlite``, ``postgres``, ``duckdb``, ``pyspark``).
        backend: the connected Ibis backend (queries run here).
        tables: canonical table name → Ibis table (see ``engine/schema.py``).
        reporting_currency: ISO code money KPIs are expressed in.
        location: what was opened (database URL without password, or the extract folder).
        materialize: store model tables as temporary tables before querying (pays off on
            row stores such as SQLite and PostgreSQL, where every query would redo the joins).
        stored: which model tables to store (``deals``, ``funnel_deals``, ``leads``,
            ``activities``); a columnar engine over Parquet reads leads and activities
            faster straight from the files than it can copy them.
        model_store: where model tables are kept between runs (DuckDB over an extract:
            see ``model_store.py``); ``None`` stores them as temporary tables.
        model_files: where model tables are kept between runs on a SQLite database file
            (see ``model_files.py``); ``None`` stores them as temporary tables.
        workers: how many worker processes may run report queries side by side (SQLite
            with the model in files, see ``sqlite_pool.py``; 0 or 1: none).
        pool_min_bytes: the size of model files below which no worker is started (a small
            model's queries take less than starting the workers).
        context: extra objects a provider may need (e.g. the SQLAlchemy engine).
        closer: releases the connection (``close()`` calls it once).
    """

    engine: str
    backend: BaseBackend
    tables: dict[str, ir.Table]
    reporting_currency: str
    location: str
    materialize: bool = True
    stored: tuple[str, ...] = ("deals", "funnel_deals", "leads", "activities")
    model_store: ModelStore | None = None
    model_files: ModelFiles | None = None
    workers: int = 0
    pool_min_bytes: int = 32 * 1024 * 1024
    context: dict[str, Any] = field(default_factory=dict)
    closer: Callable[[], None] | None = None

    @property
    def dialect(self) -> Dialect:
        return dialect_for(self.engine)

    def on_close(self, release: Callable[[], None]) -> None:
        """Have ``release`` run (first) when the source is closed."""
        previous = self.closer

        def both() -> None:
            try:
                release()
            finally:
                if previous is not None:
                    previous()

        self.closer = both

    def close(self) -> None:
        if self.closer is not None:
            closer, self.closer = self.closer, None
            closer()

    def __enter__(self) -> AnalyticsSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
