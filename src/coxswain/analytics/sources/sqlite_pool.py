"""Report queries on SQLite run side by side in worker processes.

SQLite runs one statement on one core, and two connections of one process running side by
side are *slower* than one after the other (measured: 7.8 s against 4.0 s for two scans
of the stage history; the library's process-wide mutexes), while two processes scale
(2.1 s for both). So once the model tables are in files (``model_files.py``) a report's
queries go to worker processes (``sqlite_worker.py``), each with its own connection to the
database and the model files attached. Only SQL text goes to a worker and only plain rows
come back; the reporting process builds and compiles the next queries meanwhile.

A worker is ``python -m coxswain.analytics.sources.sqlite_worker``, talking pickles over
its standard input and output: it imports no Ibis and nothing of the reporting process
(no threads, no open connections) is forked into it, and ``multiprocessing``'s rule that
the main module is imported again in every child does not apply (a script without a
``__main__`` guard would run again).
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

import ibis.expr.datatypes as dt

import coxswain
from coxswain.analytics.sources import sqlite_worker
from coxswain.analytics.sources.sqlite_worker import Attachment

Rows = list[dict[str, Any]]
Convert = Callable[[Any], Any]


def _converter(dtype: dt.DataType) -> Convert | None:
    """How a SQLite value of a column typed ``dtype`` becomes the value Ibis would give
    (``None`` for a type left to Ibis' own conversion)."""
    if dtype.is_boolean():
        return bool
    if dtype.is_integer():
        return int
    if dtype.is_floating():
        return float
    if dtype.is_string():
        return str
    if dtype.is_binary():
        return bytes
    return None


def converters(schema: Any) -> list[tuple[str, Convert]] | None:
    """Each column's name and converter, or ``None`` when a column's type is not one a
    worker's plain rows can give (dates, decimals, ...: such queries run in-process)."""
    out = []
    for name, dtype in schema.items():
        convert = _converter(dtype)
        if convert is None:
            return None
        out.append((name, convert))
    return out


def to_dicts(columns: list[tuple[str, Convert]], names: list[str], rows: list[Any]) -> Rows:
    """A worker's rows as ``{column: value}`` dictionaries typed like Ibis' results."""
    if names != [name for name, _ in columns]:
        raise RuntimeError(f"a worker's columns {names} are not the query's {columns}")
    return [
        {
            name: None if value is None else convert(value)
            for (name, convert), value in zip(columns, row, strict=True)
        }
        for row in rows
    ]


class _Worker:
    """One worker process and the pipes to it."""

    def __init__(self, database: str, setup: Sequence[str]) -> None:
        env = dict(os.environ)
        package_root = str(Path(coxswain.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
        self.process = subprocess.Popen(
            [sys.executable, "-m", sqlite_worker.__name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.call((database, tuple(setup)))

    def call(self, request: object) -> Any:
        requests: IO[bytes] | None = self.process.stdin
        replies: IO[bytes] | None = self.process.stdout
        assert requests is not None
        assert replies is not None
        pickle.dump(request, requests, protocol=pickle.HIGHEST_PROTOCOL)
        requests.flush()
        try:
            ok, value = pickle.load(replies)
        except EOFError:
            raise RuntimeError(f"SQLite worker {self.process.pid} ended unexpectedly") from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


Task = tuple[
    Future[Rows], str, tuple[Attachment, ...], list[tuple[str, Convert]], Callable[[float], None]
]


class SqlitePool:
    """Worker processes connected to one SQLite database (see the module docstring); each
    is fed by a thread of this process taking queries from one queue in order."""

    def __init__(self, database: str, setup: Sequence[str], workers: int) -> None:
        self._database, self._setup = database, tuple(setup)
        self._tasks: queue.Queue[Task | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._feed, name=f"coxswain-sqlite-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def _feed(self) -> None:
        worker: _Worker | None = None
        try:
            while (task := self._tasks.get()) is not None:
                future, sql, attachments, columns, seconds = task
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    if worker is None:
                        worker = _Worker(self._database, self._setup)
                    names, rows, took = worker.call((sql, attachments))
                    seconds(took)
                    future.set_result(to_dicts(columns, names, rows))
                except BaseException as exc:  # (raised in whoever waits on the future)
                    future.set_exception(exc)
        finally:
            if worker is not None:
                worker.close()

    def submit(
        self,
        sql: str,
        attachments: Sequence[Attachment],
        columns: list[tuple[str, Convert]],
        seconds: Callable[[float], None],
    ) -> Future[Rows]:
        """Run ``sql`` in a worker; its rows typed by ``columns``; ``seconds`` is told how
        long the worker took."""
        future: Future[Rows] = Future()
        self._tasks.put((future, sql, tuple(attachments), columns, seconds))
        return future

    def close(self) -> None:
        """Stop the workers once the queries already sent are answered."""
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join()
