"""Run an Ibis table expression and return its rows as dictionaries, on any engine.

On DuckDB the rows come straight from DuckDB's own result (``fetchall``): Ibis' Arrow path
converts every result through its pandas-based converter, which costs nothing per query but
imports pandas (about 1 s of a cold process when no bytecode is cached) only to turn a
one-row aggregate into Python values. Elsewhere the rows go through Arrow as before.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir


def fetch_rows(expr: ir.Table) -> list[dict[str, Any]]:
    """Every row of ``expr`` as a ``{column: value}`` dictionary (NULL → ``None``)."""
    backend: Any = ibis.get_backend(expr)
    if backend.name == "duckdb":
        # Ibis' own pre-execution step (registers in-memory tables) and compilation, as in
        # its ``to_pyarrow``; the relation is DuckDB's.
        relation = backend._to_duckdb_relation(expr)
        names = relation.columns
        return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows
