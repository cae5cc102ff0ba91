"""Pause the cyclic garbage collector while a batch builds many small objects.

A batch keeps one decision per lead (frozen dataclasses, tuples, named tuples) and none of
them form reference cycles, so reference counting frees everything; the cyclic collector
would only rescan an ever larger heap. Measured on 100,000 leads: routing twice as fast
(docs/benchmarks/routing.md). The collector is restored on exit, even on error.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
