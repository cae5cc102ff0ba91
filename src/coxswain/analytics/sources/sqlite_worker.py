"""A report connection to a SQLite database, and what a worker process that runs report
queries does (see ``sqlite_pool.py``). This module imports no Ibis: a worker starts in a
fraction of a second and holds only SQLite's pages and the rows of the query it runs.

A worker keeps one connection to the application database for its life, attaches the
model files each query names (``model_files.py``), fills the temporary tables the queries
read (the rate calendar) once, and registers each bound quantile aggregate a query calls.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from coxswain.analytics.engine.quantiles import (
    DISTINCT_UDF,
    QUANTILE_UDF,
    VALUES_UDF,
    DistinctValues,
    FloatValues,
    QuantileCont,
    bound_names,
    bound_quantile,
)

#: Pragmas of a report connection: sorts and temporary tables in memory instead of
#: temporary files. No memory map: mapped pages of a multi-gigabyte database count in the
#: process's resident memory (the target is 2 GB).
REPORT_PRAGMAS = ("PRAGMA temp_store = MEMORY",)
#: The reporting process's page cache for the application database: 256 MiB (the default
#: is 2 MB, far less than one scan of the tables the model is built from).
MAIN_CACHE_KIB = 262_144
#: The page cache of a worker's application database and of every attached model file:
#: 32 MiB. A scan of a model file reads its pages from the operating system's cache
#: anyway; 256 MiB each (the first try) made each worker 1.2 GB, with no gain in speed.
SMALL_CACHE_KIB = 32_768

Attachment = tuple[str, str]  # (alias, file)
Result = tuple[list[str], list[Any], float]  # column names, rows, seconds


def configure_report_connection(con: sqlite3.Connection, cache_kib: int = MAIN_CACHE_KIB) -> None:
    """The report pragmas, a page cache of ``cache_kib``, the two-argument quantile
    aggregate and the value collectors on ``con``."""
    con.create_aggregate(QUANTILE_UDF, 2, QuantileCont)  # type: ignore[arg-type]
    con.create_aggregate(VALUES_UDF, 1, FloatValues)  # type: ignore[arg-type]
    con.create_aggregate(DISTINCT_UDF, 1, DistinctValues)  # type: ignore[arg-type]
    for pragma in REPORT_PRAGMAS:
        con.execute(pragma)
    con.execute(f"PRAGMA cache_size = -{int(cache_kib)}")


def quote(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def attach(con: sqlite3.Connection, alias: str, path: str | Path) -> None:
    """Attach ``path`` as ``alias`` (replacing what was attached there), with the report
    page cache."""
    attached = {row[1]: row[2] for row in con.execute("PRAGMA database_list")}
    if alias in attached:
        if attached[alias] == str(path):
            return
        con.execute(f"DETACH DATABASE {alias}")
    con.execute(f"ATTACH DATABASE {quote(str(path))} AS {alias}")
    con.execute(f"PRAGMA {alias}.cache_size = -{SMALL_CACHE_KIB}")


class _Worker:
    """The state of one worker process."""

    def __init__(self, database: str, setup: Sequence[str]) -> None:
        self.con = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        configure_report_connection(self.con, SMALL_CACHE_KIB)
        for statement in setup:
            self.con.execute(statement)
        self.quantiles: set[str] = set()

    def run(self, sql: str, attachments: Sequence[Attachment]) -> Result:
        started = time.perf_counter()
        for alias, path in attachments:
            attach(self.con, alias, path)
        for name, quantile in bound_names(sql).items():
            if name not in self.quantiles:
                self.con.create_aggregate(name, 1, bound_quantile(quantile))
                self.quantiles.add(name)
        cursor = self.con.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        rows = cursor.fetchall()
        return columns, rows, time.perf_counter() - started


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """A worker's life: the first request is ``(database, setup)``, each next one
    ``(sql, attachments)``; each is answered with ``(True, Result)`` or ``(False,
    exception)``, pickled. Ends when ``requests`` ends."""
    worker: _Worker | None = None
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        try:
            if worker is None:
                database, setup = request
                worker = _Worker(database, setup)
                reply: tuple[bool, Any] = (True, None)
            else:
                sql, attachments = request
                reply = (True, worker.run(sql, attachments))
        except Exception as exc:  # (raised again in the reporting process)
            reply = (False, exc)
        pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
