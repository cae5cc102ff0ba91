"""Compiled SQL kept between runs, so a report does not compile the same queries again.

Compiling an Ibis expression to DuckDB SQL (Ibis' rewrite passes, then sqlglot) costs
10–30 ms of Python per query, about 0.26 s of CPU for the dashboard's queries, in every
new process. The same report on the same extract builds the same expressions, so their
SQL is kept in a file beside the extract's model (``<extract>/.coxswain-model/``). The
model store's own key (the model's SQL, 0.07 s to compile for the deal model) comes from
it too.

An expression is found by a **key** that covers everything its SQL is made from: every
node of the expression graph (its operation type and every argument: literals with their
Python type and exact ``repr``, data types, column names, the table names and schemas it
reads; a value of any other type makes the expression uncacheable), and the versions of
Ibis, sqlglot and DuckDB and :data:`FORMAT` (bumped when how SQL is made from an expression
changes here, e.g. grouping sets). An expression that reads
an in-memory table (its data would have to be part of the key) is not cached. A file that
cannot be read is ignored; one that cannot be written means no cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.schema as sch
from ibis.backends import BaseBackend
from ibis.common.collections import FrozenDict
from ibis.expr.operations.udf import InputType

FORMAT = "1"
FILE = "sql-cache.json"
MAX_ENTRIES = 2000
# Values whose repr is exact and says everything (with their type, in the key).
EXACT = (bool, int, float, str, bytes, Decimal, date, time, datetime, timedelta, Enum, dt.DataType)


class Uncacheable(Exception):
    """The expression holds something its key cannot describe (an in-memory table's data,
    a value of a type whose ``repr`` may not be exact)."""


@dataclass(frozen=True, slots=True)
class ExpressionKey:
    """An expression's key, and whether running it needs Ibis' pre-execution step
    (``registers``: it calls a UDF that Ibis defines on the connection first; in-memory
    tables, the step's other work, make an expression uncacheable)."""

    key: str
    registers: bool


def expression_key(root: ops.Node, extra: str = "") -> str | None:
    """A digest of every node of the graph under ``root`` (``None``: not cacheable)."""
    described = describe(root, extra)
    return None if described is None else described.key


def describe(root: ops.Node, extra: str = "") -> ExpressionKey | None:
    """:func:`expression_key` and what the same walk of the graph found about it."""
    writer = _GraphText()
    try:
        writer.node(root)
    except Uncacheable:
        return None
    text = "\n".join((*_versions(), extra, *writer.lines))
    return ExpressionKey(hashlib.sha256(text.encode()).hexdigest(), writer.registers)


@functools.cache
def _versions() -> tuple[str, ...]:
    """(``importlib.metadata.version`` reads the package's metadata: 3–4 ms a call.)"""
    return (FORMAT, ibis.__version__, version("sqlglot"), duckdb.__version__)


class _GraphText:
    """One line per node of a graph (each node once), arguments referring to nodes by
    their line number."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.memo: dict[int, int] = {}
        self.registers = False

    def node(self, item: ops.Node) -> str:
        index = self.memo.get(id(item))
        if index is None:
            if isinstance(item, ops.InMemoryTable):
                raise Uncacheable(item.name)
            kind = type(item)
            name = getattr(kind, "__func_name__", "")  # a UDF: the function it calls
            if isinstance(item, ops.ScalarUDF) and item.__input_type__ is not InputType.BUILTIN:
                self.registers = True  # (Ibis defines it on the connection before a query)
            arguments = ",".join(f"{a}={self.value(getattr(item, a))}" for a in item.__argnames__)
            self.lines.append(f"{kind.__module__}.{kind.__qualname__}[{name}]({arguments})")
            index = self.memo[id(item)] = len(self.lines) - 1
        return f"#{index}"

    def value(self, item: Any) -> str:
        if isinstance(item, ops.Node):
            return self.node(item)
        if isinstance(item, (tuple, list)):
            return "(" + ",".join(self.value(x) for x in item) + ")"
        if isinstance(item, (dict, FrozenDict)):
            return "{" + ",".join(f"{self.value(k)}:{self.value(v)}" for k, v in item.items()) + "}"
        if isinstance(item, (frozenset, set)):
            return "{" + ",".join(sorted(self.value(x) for x in item)) + "}"
        return self.leaf(item)

    def leaf(self, item: Any) -> str:
        if isinstance(item, sch.Schema):
            return "schema" + self.value(tuple(item.items()))
        if isinstance(item, ops.Namespace):
            return f"namespace({item.catalog!r},{item.database!r})"
        if isinstance(item, BaseBackend):
            return f"backend({item.name})"  # (the SQL names tables, not connections)
        if isinstance(item, EXACT) or item is None:
            return f"{type(item).__module__}.{type(item).__qualname__}:{item!r}"
        raise Uncacheable(type(item).__qualname__)  # (a repr might not say everything)


class SqlCache:
    """Compiled SQL by expression key, read from and written to one JSON file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        self.dirty = False
        if path is not None and path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = None
            if isinstance(loaded, dict):
                self.entries = {k: v for k, v in loaded.items() if isinstance(v, str)}

    def get(self, key: str) -> str | None:
        return self.entries.get(key)

    def put(self, key: str, sql: str) -> None:
        if self.entries.get(key) != sql:
            self.entries.pop(key, None)
            self.entries[key] = sql  # newest last: the oldest go first when full
            self.dirty = True

    def save(self) -> None:
        """Write the file when something was added (aside, then renamed); keep the newest
        :data:`MAX_ENTRIES`. A folder that cannot be written: nothing is kept."""
        if not self.dirty or self.path is None:
            return
        kept = dict(list(self.entries.items())[-MAX_ENTRIES:])
        partial = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.partial")
        try:
            partial.write_text(json.dumps(kept), encoding="utf-8")
            os.replace(partial, self.path)
            self.dirty = False
        except OSError:
            with contextlib.suppress(OSError):  # (no folder, or a file in its place)
                partial.unlink(missing_ok=True)
