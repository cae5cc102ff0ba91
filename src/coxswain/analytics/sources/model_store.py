"""Model tables kept on disk beside an extract, so the deal model is built once per extract.

Building the deal model (joins on text keys, a group-by over the whole stage history, the
recurring line items, currency conversion) is the most expensive step of a report over a
large extract: 2–3 s for 1M deals and 4.2M stage changes, on every run. The model only
changes when the extract's files or the model's definition change, so the built table is
written to a DuckDB database file in ``<extract>/.coxswain-model/`` and attached read-only
by later runs.

A stored model is found by a **key** that covers everything it is computed from:

- the model's SQL (its definition, the reporting currency and the stage list are literals
  in it; a code change that alters the model changes the SQL);
- every extract file it can read: name, size, modification time and a hash of the file's
  last 64 KiB (Parquet's footer: schema and per-row-group statistics), so a regenerated or
  edited file gives a new key even when its size and time happen to match;
- the DuckDB version and :data:`FORMAT` (bumped when the layout of the store changes).

A folder that cannot be written (a read-only extract) simply means no store: the model is
then built in memory as before. Files of an older key are removed when a new one is written.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir

from coxswain.analytics.sources.sql_cache import SqlCache, expression_key

FORMAT = "1"
FOLDER = ".coxswain-model"
TAIL_BYTES = 64 * 1024


def file_fingerprint(files: list[Path]) -> str:
    """A digest of ``files``' names, sizes, modification times and last 64 KiB."""
    digest = hashlib.sha256()
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        with path.open("rb") as handle:
            handle.seek(max(0, stat.st_size - TAIL_BYTES))
            digest.update(handle.read())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ModelStore:
    """Where an extract's model tables are kept and what the extract's files hash to."""

    folder: Path
    fingerprint: str

    @classmethod
    def beside(cls, extract: Path, files: list[Path]) -> ModelStore:
        return cls(extract / FOLDER, file_fingerprint(files))

    def key(self, sql: str) -> str:
        text = "\n".join((FORMAT, duckdb.__version__, self.fingerprint, _stable(sql)))
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def path(self, name: str, sql: str) -> Path:
        return self.folder / f"{name}-{self.key(sql)}.duckdb"


_EXCLUDE = re.compile(r"EXCLUDE \(([^)]*)\)")


def _stable(sql: str) -> str:
    """``sql`` with each ``EXCLUDE (...)`` list sorted: Ibis writes a dropped column set in
    set order, which changes from one process to the next (string hashing is salted)."""
    return _EXCLUDE.sub(lambda m: f"EXCLUDE ({', '.join(sorted(m[1].split(', ')))})", sql)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write(backend: Any, target: Path, name: str, expr: ir.Table, sql: str) -> None:
    """Build ``expr`` into a new database file at ``target`` (written aside, then renamed)."""
    mapper, dialect = backend.compiler.type_mapper, backend.dialect
    columns = ", ".join(
        f'"{column}" {mapper.from_ibis(dtype).sql(dialect)}'
        for column, dtype in expr.schema().items()
    )
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    alias = f"cx_write_{uuid.uuid4().hex[:12]}"
    try:
        backend.raw_sql(f"ATTACH {_quote(str(partial))} AS {alias}")
        try:
            backend.raw_sql(f'CREATE TABLE {alias}."{name}" ({columns})')
            backend.raw_sql(f'INSERT INTO {alias}."{name}" {sql}')
        finally:
            backend.raw_sql(f"DETACH DATABASE IF EXISTS {alias}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)


def _remove_stale(store: ModelStore, name: str, keep: Path) -> None:
    for old in store.folder.glob(f"{name}-*.duckdb"):
        if old != keep:
            old.unlink(missing_ok=True)


def stored_table(
    backend: Any, store: ModelStore, name: str, expr: ir.Table, cache: SqlCache | None = None
) -> ir.Table | None:
    """``expr`` as a table of the store (built and written on first use), attached
    read-only to ``backend`` (DuckDB); ``None`` when the store's folder cannot be written.
    ``cache`` keeps the model's SQL (the store's key) between runs (see ``sql_cache.py``)."""
    key = None if cache is None else expression_key(expr.op(), "model store")
    sql = None if cache is None or key is None else cache.get(key)
    if sql is None:
        sql = ibis.to_sql(expr, dialect="duckdb")
        if cache is not None and key is not None:
            cache.put(key, sql)
    path = store.path(name, sql)
    if not path.is_file():
        try:
            store.folder.mkdir(exist_ok=True)
            _write(backend, path, name, expr, sql)
        except (OSError, duckdb.Error):
            return None
        _remove_stale(store, name, path)
    alias = f"cx_model_{name}"
    backend.raw_sql(f"DETACH DATABASE IF EXISTS {alias}")
    backend.raw_sql(f"ATTACH {_quote(str(path))} AS {alias} (READ_ONLY)")
    return backend.table(name, database=alias)
