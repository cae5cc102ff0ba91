"""Continuous quantiles for SQLite, which has no quantile aggregate: the aggregate classes
the report connections register (in the reporting process and in its worker processes,
which import this module without Ibis), and the names that bind a quantile to one."""

from __future__ import annotations

import json
import re
from array import array
from typing import Protocol, SupportsFloat

QUANTILE_UDF = "cx_quantile_cont"
_BOUND = re.compile(rf"\b{QUANTILE_UDF}_q(\d+)_(\d+)\b", re.IGNORECASE)
#: ``cx_float_values(value)``: the values themselves, for quantiles computed after the
#: query (see :class:`FloatValues`).
VALUES_UDF = "cx_float_values"
#: ``cx_distinct_values(value)``: the distinct values, for distinct counts over groups
#: put together (see :class:`DistinctValues`).
DISTINCT_UDF = "cx_distinct_values"


class Ordered(Protocol):
    """Values in ascending order: a list, or a NumPy array."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> SupportsFloat: ...


def interpolated_quantile(values: list[float], quantile: float) -> float | None:
    """The continuous quantile of ``values`` (``None`` when empty); NumPy's ``linear``."""
    return quantile_of_sorted(sorted(values), quantile)


def quantile_of_sorted(ordered: Ordered, quantile: float) -> float | None:
    """The continuous quantile of values already in ascending order (``None`` when empty):
    the two nearest ranks linearly interpolated, in Python floats (so the same value
    whether ``ordered`` is a list or a NumPy array)."""
    if not len(ordered):
        return None
    position = quantile * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    low, high = float(ordered[lower]), float(ordered[upper])
    return low + (high - low) * (position - lower)


class FloatValues:
    """The aggregate behind ``cx_float_values(value)``: the values it is given (never
    NULL: the SQL filters NULLs out) as one BLOB of native-order float64s, NULL for none.

    A query grouped by the finest key of several groupings returns each finest group's
    values once; the quantiles of every coarser group are then computed from the values
    of its finest groups put together (``funnel_split.py``) instead of by one query per
    grouping, each sorting the rows for its ``GROUP BY``. Only worker processes of the
    same machine read the BLOB.
    """

    def __init__(self) -> None:
        self.values = array("d")
        self.step = self.values.append

    def finalize(self) -> bytes | None:
        return self.values.tobytes() if self.values else None


class QuantileCont:
    """The aggregate state behind ``cx_quantile_cont(value, quantile)`` (linear
    interpolation)."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.quantile = 0.5

    def step(self, value: float | None, quantile: float) -> None:
        self.quantile = quantile
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return interpolated_quantile(self.values, self.quantile)


def bound_quantile(quantile: float) -> type:
    """An aggregate class for one quantile over the values it is given (never NULL: the
    SQL filters NULLs out), linearly interpolated."""

    class BoundQuantile:
        def __init__(self) -> None:
            self.values: list[float] = []
            # Each step only appends: a bound list.append is a third cheaper per row than a
            # Python method.
            self.step = self.values.append

        def finalize(self) -> float | None:
            return interpolated_quantile(self.values, quantile)

    return BoundQuantile


def bound_name(quantile: float) -> str:
    """The SQL name of the one-argument aggregate for ``quantile`` (``0.5`` →
    ``cx_quantile_cont_q0_5``): the same in every process, so a worker can register the
    aggregates a query names (:func:`bound_names`)."""
    whole, _, fraction = repr(float(quantile)).partition(".")
    if not whole.isdigit() or not fraction.isdigit():
        raise ValueError(f"quantile {quantile!r}: expected a number from 0 to 1")
    return f"{QUANTILE_UDF}_q{whole}_{fraction}"


def bound_names(sql: str) -> dict[str, float]:
    """The bound quantile aggregates ``sql`` calls, name → quantile (names in lower case:
    SQL writes them in any case)."""
    return {m[0].lower(): float(f"{m[1]}.{m[2]}") for m in _BOUND.finditer(sql)}


class DistinctValues:
    """The aggregate behind ``cx_distinct_values(value)``: the distinct non-NULL values it
    is given as a JSON array (NULL for none), so that the distinct count of several groups
    put together is the size of the union of theirs (``engine/gathered.py``)."""

    def __init__(self) -> None:
        self.values: set[object] = set()

    def step(self, value: object) -> None:
        if value is not None:
            self.values.add(value)

    def finalize(self) -> str | None:
        return json.dumps(list(self.values)) if self.values else None
