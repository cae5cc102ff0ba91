"""Columns of a generated entity, kept compact (codes, integers) and turned into Arrow on demand.

A generated company holds millions of rows; keeping them as text would take gigabytes. Each
column here stores NumPy integers (vocabulary codes, day or minute numbers, minor units) and
renders any row range ``[start, stop)`` in one of two shapes:

- ``text``: exactly the cell text of the native CSV format (see the package README in
  :mod:`coxswain.imports.engine.schema`): ``YYYY-MM-DD`` dates, ``...T14:05:00Z`` datetimes,
  money in major units with the currency's minor digits. Integers and booleans stay Arrow
  ``int64``/``bool``, which the CSV writer prints as ``12``/``true``.
- ``typed``: the natural Arrow type for a Parquet file: ``date32``, ``timestamp[ms, UTC]``,
  ``decimal128(18, 2)`` money (major units), ``decimal128(18, scale)`` numbers, strings for text.

Null masks: ``valid`` arrays are True where the cell has a value; ``None`` means all valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from coxswain.generator.engine.formatting import (
    ArrowArray,
    BoolArray,
    IntArray,
    format_dates,
    format_datetimes,
    format_fixed_point,
    format_ids,
    join_strings,
    numpy_buffer,
)
from coxswain.imports.engine.schema import ENTITIES

MONEY_TYPE = pa.decimal128(18, 2)


class Column(Protocol):
    """A column that can render any row range as native text or as a typed Arrow array."""

    def text(self, start: int, stop: int) -> ArrowArray: ...

    def typed(self, start: int, stop: int) -> ArrowArray: ...


def _mask(valid: BoolArray | None, start: int, stop: int) -> BoolArray | None:
    return None if valid is None else valid[start:stop]


def _null_mask(valid: BoolArray | None, start: int, stop: int) -> BoolArray | None:
    """Arrow's ``mask`` argument is True where the value is NULL."""
    return None if valid is None else ~valid[start:stop]


@dataclass(frozen=True, eq=False)
class Strings:
    """Ready-made strings (small tables: org, products, stages)."""

    values: ArrowArray

    def text(self, start: int, stop: int) -> ArrowArray:
        return self.values.slice(start, stop - start)

    typed = text


@dataclass(frozen=True, eq=False)
class Codes:
    """Values picked from a vocabulary by integer code; a negative code is NULL.

    Text is an Arrow dictionary array (no copying of strings; the CSV writer prints the
    values); typed decodes it to a plain string array.
    """

    vocabulary: ArrowArray
    codes: npt.NDArray[np.integer]

    def text(self, start: int, stop: int) -> ArrowArray:
        codes = self.codes[start:stop]
        indices = pa.array(codes, type=pa.int32(), mask=codes < 0)
        return pa.DictionaryArray.from_arrays(indices, self.vocabulary)

    def typed(self, start: int, stop: int) -> ArrowArray:
        codes = self.codes[start:stop]
        return self.vocabulary.take(pa.array(codes, type=pa.int32(), mask=codes < 0))


@dataclass(frozen=True, eq=False)
class Taken:
    """Rows of a ready-made string array picked by index (e.g. account names for leads)."""

    values: ArrowArray
    index: npt.NDArray[np.integer]
    valid: BoolArray | None = None

    def text(self, start: int, stop: int) -> ArrowArray:
        index = pa.array(self.index[start:stop], mask=_null_mask(self.valid, start, stop))
        return self.values.take(index)

    typed = text


def codes(vocabulary: Sequence[str], values: npt.NDArray[np.integer]) -> Codes:
    """A :class:`Codes` column over a Python list of strings."""
    return Codes(pa.array(list(vocabulary), type=pa.string()), values)


@dataclass(frozen=True, eq=False)
class Ids:
    """External ids: ``prefix`` + ``numbers`` zero-padded to ``width`` digits (refs too)."""

    prefix: str
    width: int
    numbers: IntArray
    valid: BoolArray | None = None

    def text(self, start: int, stop: int) -> ArrowArray:
        return format_ids(
            self.prefix, self.numbers[start:stop], self.width, _mask(self.valid, start, stop)
        )

    typed = text


@dataclass(frozen=True, eq=False)
class Ints:
    """Whole numbers (``int`` and integer-valued ``decimal``/``percent`` fields)."""

    values: npt.NDArray[np.integer]
    valid: BoolArray | None = None

    def text(self, start: int, stop: int) -> ArrowArray:
        values = self.values[start:stop].astype(np.int64, copy=False)
        return pa.array(values, type=pa.int64(), mask=_null_mask(self.valid, start, stop))

    typed = text


@dataclass(frozen=True, eq=False)
class Bools:
    values: BoolArray
    valid: BoolArray | None = None

    def text(self, start: int, stop: int) -> ArrowArray:
        return pa.array(
            self.values[start:stop], type=pa.bool_(), mask=_null_mask(self.valid, start, stop)
        )

    typed = text


@dataclass(frozen=True, eq=False)
class Dates:
    """Calendar dates stored as days since 1970-01-01."""

    days: IntArray
    valid: BoolArray | None = None

    def text(self, start: int, stop: int) -> ArrowArray:
        return format_dates(self.days[start:stop], _mask(self.valid, start, stop))

    def typed(self, start: int, stop: int) -> ArrowArray:
        days = self.days[start:stop].astype(np.int32)
        return pa.array(days, type=pa.date32(), mask=_null_mask(self.valid, start, stop))


@dataclass(frozen=True, eq=False)
class DateTimes:
    """UTC instants stored as minutes since 1970-01-01T00:00Z."""

    minutes: IntArray
    valid: BoolArray | None = None

    def text(self, start: int, stop: int) -> ArrowArray:
        return format_datetimes(self.minutes[start:stop], _mask(self.valid, start, stop))

    def typed(self, start: int, stop: int) -> ArrowArray:
        millis = self.minutes[start:stop] * 60_000  # Parquet has no second resolution
        kind = pa.timestamp("ms", tz="UTC")
        return pa.array(millis, type=kind, mask=_null_mask(self.valid, start, stop))


def _decimal_array(unscaled: IntArray, kind: pa.DataType, valid: BoolArray | None) -> ArrowArray:
    """A decimal128 array from int64 unscaled values (two's complement, little endian)."""
    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = unscaled >> 63
    bitmap = None if valid is None else numpy_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(kind, len(unscaled), [bitmap, numpy_buffer(words)])


@dataclass(frozen=True, eq=False)
class Money:
    """Money in integer minor units; ``exponent`` is each row's currency's minor digits (2 or 0).

    Text prints major units with exactly ``exponent`` decimals (``12500.00``; JPY ``1250000``);
    typed is ``decimal128(18, 2)`` in major units.
    """

    minor: IntArray
    exponent: npt.NDArray[np.int8]
    valid: BoolArray | None = None

    def text(self, start: int, stop: int) -> ArrowArray:
        exponent = self.exponent[start:stop]
        hundredths = self.minor[start:stop] * np.where(exponent == 0, 100, 1)
        return format_fixed_point(hundredths, 2, exponent == 2, _mask(self.valid, start, stop))

    def typed(self, start: int, stop: int) -> ArrowArray:
        hundredths = self.minor[start:stop] * np.where(self.exponent[start:stop] == 0, 100, 1)
        return _decimal_array(hundredths, MONEY_TYPE, _mask(self.valid, start, stop))


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """A non-negative decimal stored as ``units`` of ``10**-scale`` (exchange rates)."""

    units: IntArray
    scale: int

    def text(self, start: int, stop: int) -> ArrowArray:
        return format_fixed_point(self.units[start:stop], self.scale)

    def typed(self, start: int, stop: int) -> ArrowArray:
        return _decimal_array(self.units[start:stop], pa.decimal128(18, self.scale), None)


def _plain(array: ArrowArray) -> ArrowArray:
    """Decode a dictionary array to its values (string kernels take plain strings)."""
    if isinstance(array, pa.DictionaryArray):
        return array.dictionary_decode()
    return array


@dataclass(frozen=True, eq=False)
class Joined:
    """Row-wise concatenation of columns and constant strings (e-mails, names, phone numbers).

    A NULL in any part makes the row NULL.
    """

    parts: tuple[Column | str, ...]

    def text(self, start: int, stop: int) -> ArrowArray:
        return join_strings(
            [p if isinstance(p, str) else _plain(p.text(start, stop)) for p in self.parts]
        )

    typed = text


@dataclass(frozen=True, eq=False)
class Entity:
    """One generated entity: its row count and its columns in the native schema's order."""

    name: str
    rows: int
    columns: tuple[tuple[str, Column], ...] = field(default=())

    def __post_init__(self) -> None:
        expected = ENTITIES[self.name].field_names
        got = tuple(name for name, _ in self.columns)
        if got != expected:
            raise ValueError(f"{self.name}: columns {got} differ from the schema {expected}")

    def table(self, start: int, stop: int, *, typed: bool = False) -> pa.Table:
        """Rows ``[start, stop)`` as an Arrow table (native text, or typed for Parquet)."""
        arrays = [
            col.typed(start, stop) if typed else col.text(start, stop) for _, col in self.columns
        ]
        return pa.Table.from_arrays(arrays, names=[name for name, _ in self.columns])


def entity(name: str, rows: int, /, **columns: Column) -> Entity:
    """Build an :class:`Entity` from columns given by field name, put in the schema's order.

    Raises:
        ValueError: when a field of the schema is missing or an unknown one is given.
    """
    order = ENTITIES[name].field_names
    unknown = set(columns) - set(order)
    missing = set(order) - set(columns)
    if unknown or missing:
        raise ValueError(f"{name}: unknown fields {sorted(unknown)}, missing {sorted(missing)}")
    return Entity(name, rows, tuple((field_name, columns[field_name]) for field_name in order))
