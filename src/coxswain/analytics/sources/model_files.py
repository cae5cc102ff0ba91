"""Model tables of a SQLite application database kept between runs, in files beside it.

Storing the deal model (with its stage history), the leads and the activities is about
40 % of a dashboard on SQLite at 1M deals, paid again by every run although the data
rarely changed in between. A stored table is written once to its own SQLite file in
``.<database name>.coxswain-model/`` beside the database and attached by later runs (and
by the worker processes that run report queries side by side, see ``sqlite_pool.py``).

Unlike an extract's files, the application database changes under the reports, so a
stored table is found by a **key** over an exact marker of the data (see
:func:`change_marker`): the generation the migration's triggers bump on every update and
delete of a table the model reads, each such table's largest rowid (which every insert
raises), and the schema's version. The key also covers the model's SQL (its definition,
the reporting currency and the stage list are literals in it), a digest of what else the
SQL reads that is not in the database (the rate calendar's temporary table), SQLite's
version and :data:`FORMAT`.

The marker is read and the table built inside one read transaction, so the file holds
exactly the data its key names, whatever is written meanwhile. A database without the
triggers (made without the migrations), a folder that cannot be written, or a source
restricted to some owners (a rep's own view) simply stores nothing: the model is then a
temporary table as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from coxswain.analytics.sources.sqlite_worker import attach, quote

_log = logging.getLogger(__name__)
FORMAT = "1"
GENERATION_TABLE = "analytics_changes"
#: The tables the model reads (their triggers: migration ``0007_analytics_changes``).
WATCHED = (
    "opportunities",
    "opportunity_stage_changes",
    "opportunity_line_items",
    "leads",
    "activities",
    "users",
    "teams",
    "accounts",
    "products",
    "stages",
    "pipelines",
    "exchange_rates",
    "currencies",
    "sales_targets",
)
TRIGGERS = frozenset(f"cx_changed_{t}_{e}" for t in WATCHED for e in ("update", "delete"))


def change_marker(con: sqlite3.Connection) -> str | None:
    """What the watched tables hold, exactly enough to tell any change: the trigger-bumped
    generation, each table's largest rowid and the schema version. ``None`` when the
    triggers are missing (no marker can be trusted)."""
    names = {
        row[0]
        for row in con.execute(
            "SELECT name FROM main.sqlite_master"
            " WHERE type = 'trigger' AND name LIKE 'cx_changed_%'"
        )
    }
    if not names >= TRIGGERS:
        return None
    (generation,) = con.execute(f"SELECT generation FROM main.{GENERATION_TABLE}").fetchone()
    (schema_version,) = con.execute("PRAGMA main.schema_version").fetchone()
    rowids = [
        con.execute(f'SELECT max(rowid) FROM main."{table}"').fetchone()[0] for table in WATCHED
    ]
    return f"{generation}/{schema_version}/" + ",".join(str(r) for r in rowids)


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """Where one SQLite database's model tables are kept (see the module docstring)."""

    database: Path
    folder: Path

    @classmethod
    def beside(cls, database: Path) -> ModelFiles:
        return cls(database, database.parent / f".{database.name}.coxswain-model")

    def path(self, name: str, marker: str, salt: str, sql: str) -> Path:
        text = "\n".join((FORMAT, sqlite3.sqlite_version, marker, salt, sql))
        return self.folder / f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:24]}.sqlite"


@dataclass(frozen=True, slots=True)
class Attached:
    """A model file attached to the report connection (workers attach the same)."""

    alias: str
    path: Path


def detach(con: sqlite3.Connection, alias: str) -> None:
    attached = {row[1] for row in con.execute("PRAGMA database_list")}
    if alias in attached:
        con.execute(f"DETACH DATABASE {alias}")


def _columns(backend: Any, expr: ir.Table) -> str:
    mapper, dialect = backend.compiler.type_mapper, backend.dialect
    return ", ".join(
        f'"{column}" {mapper.from_ibis(dtype).sql(dialect)}'
        for column, dtype in expr.schema().items()
    )


def _write(
    con: sqlite3.Connection,
    files: ModelFiles,
    name: str,
    columns: str,
    sql: str,
    salt: str,
) -> Path | None:
    """Build the table into a new file, reading the database in one transaction with the
    marker the file is named by; ``None`` when the marker cannot be read."""
    partial = files.folder / f".{name}.{uuid.uuid4().hex}.partial"
    alias = f"cx_write_{uuid.uuid4().hex[:12]}"
    con.execute(f"ATTACH DATABASE {quote(str(partial))} AS {alias}")
    try:
        con.execute(f"PRAGMA {alias}.journal_mode = OFF")  # a scratch file until renamed
        con.execute(f"PRAGMA {alias}.synchronous = OFF")
        con.execute("BEGIN")
        try:
            marker = change_marker(con)
            if marker is None:
                con.execute("ROLLBACK")
                return None
            con.execute(f'CREATE TABLE {alias}."{name}" ({columns})')
            con.execute(f'INSERT INTO {alias}."{name}" {sql}')
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        con.execute(f"DETACH DATABASE {alias}")
        target = files.path(name, marker, salt, sql)
        os.replace(partial, target)
        return target
    finally:
        detach(con, alias)
        partial.unlink(missing_ok=True)


def _remove_stale(files: ModelFiles, name: str, keep: Path) -> None:
    for old in files.folder.glob(f"{name}-*.sqlite"):
        if old != keep:
            old.unlink(missing_ok=True)


def remembered(
    backend: Any, files: ModelFiles, name: str, sql: str, compute: Callable[[], Any]
) -> Any:
    """The JSON value ``compute()`` gave for the data as it is now (``sql``: what it reads,
    part of the key as for a model table), kept in the folder and found again by the same
    key while the data is unchanged (computed every time when no marker can be read or
    the folder cannot be written). For small answers that cost a scan, such as the day of
    the data's last event.

    The marker is read before ``compute`` runs: a change committed meanwhile may be in
    the answer kept under the older marker, which no later run reads (any change makes a
    new marker)."""
    con: sqlite3.Connection = backend.con
    marker = None if con.in_transaction else change_marker(con)
    if marker is None:
        return compute()
    path = files.path(name, marker, "", sql).with_suffix(".json")
    try:
        return json.loads(path.read_text())["value"]
    except (OSError, ValueError, KeyError):
        pass
    value = compute()
    partial = files.folder / f".{name}.{uuid.uuid4().hex}.partial"
    try:
        files.folder.mkdir(exist_ok=True)
        partial.write_text(json.dumps({"value": value}))
        os.replace(partial, path)
        for old in files.folder.glob(f"{name}-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        _log.warning("%s not kept in %s: %s", name, files.folder, exc)
        partial.unlink(missing_ok=True)
    return value


def stored_table(
    backend: Any, files: ModelFiles, name: str, expr: ir.Table, salt: str
) -> tuple[ir.Table, Attached] | None:
    """``expr`` as a table of a model file (built and written when none matches the data
    now), attached to ``backend`` (Ibis' SQLite backend); ``None`` when nothing can be
    stored (no triggers, a folder that cannot be written)."""
    con: sqlite3.Connection = backend.con
    if con.in_transaction:
        return None  # (ATTACH cannot run inside a transaction)
    sql = ibis.to_sql(expr, dialect="sqlite")
    marker = change_marker(con)
    if marker is None:
        return None
    path = files.path(name, marker, salt, sql)
    if not path.is_file():
        try:
            files.folder.mkdir(exist_ok=True)
            written = _write(con, files, name, _columns(backend, expr), sql, salt)
        except (OSError, sqlite3.Error) as exc:
            _log.warning("model table %s not kept in %s: %s", name, files.folder, exc)
            return None
        if written is None:
            return None
        path = written
        _remove_stale(files, name, path)
    alias = f"cx_model_{name}"
    attach(con, alias, path)
    return backend.table(name, database=alias), Attached(alias, path)
