"""Computations that need query results, written so that a caller can interleave them.

A :data:`Steps` generator yields each batch of queries it needs (an iterable, possibly
lazy: built one by one while the previous ones run), is sent their rows (a list per query,
in order) and returns its answer. :func:`drive` runs one to the end, batch after batch;
``Workspace.run_steps`` runs several at once, building and sending one's queries while
another's run, so the engine does not wait at each batch's end.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any, TypeVar

import ibis.expr.types as ir

from coxswain.analytics.engine.grouping_sets import GroupingSetsQuery

T = TypeVar("T")
Rows = list[dict[str, Any]]
# Runs several queries (possibly given lazily), returns their rows in order.
BatchRunner = Callable[[Iterable[ir.Table]], list[Rows]]
Steps = Generator[Iterable[ir.Table | GroupingSetsQuery], list[Rows], T]


def drive(steps: Steps[T], run_all: Callable[[Iterable[Any]], list[Rows]]) -> T:
    """Run ``steps`` to the end, each batch it yields through ``run_all``."""
    try:
        batch = next(steps)
        while True:
            batch = steps.send(run_all(batch))
    except StopIteration as stop:
        result: T = stop.value
        return result
