"""PostgreSQL's binary ``COPY`` format, built column by column with NumPy and Arrow.

In ``COPY ... (FORMAT binary)`` each row is a 16-bit field count followed by, per field, a
32-bit length (``-1`` for NULL) and the value in the type's binary form: a uuid as its 16
bytes, a ``bigint`` as 8 big-endian bytes, a ``timestamptz`` as microseconds since
2000-01-01 UTC, a ``date`` as days since then, text as its UTF-8 bytes. The server then
calls each type's ``recv`` function instead of parsing text (``uuid_in``,
``timestamptz_in`` and the CSV scanner were a third of its time on stage history). Each
column is encoded for the whole block at once (fixed-width fields as an ``(n, 4 + width)``
byte matrix, text through Arrow's binary kernels) and the fields of each row are joined by
Arrow's ``binary_join_element_wise``: no Python per row.

:func:`encode_column` returns ``None`` for a value form it does not know; the caller then
uses the CSV ``COPY`` instead.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute
from sqlalchemy import BigInteger, Boolean, Date, Integer, SmallInteger, String, Uuid
from sqlalchemy.types import TypeEngine

from coxswain.db.types import UTCDateTime

pc: Any = _compute
Column: TypeAlias = Any  # Arrow arrays (pyarrow's stubs are loose; see arrow_columns.py)

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = b"\xff\xff"
_EMPTY = pa.scalar(b"", pa.large_binary())
EPOCH_2000 = 946_684_800  # 2000-01-01T00:00:00Z in Unix seconds
_INTEGERS: dict[type[Any], str] = {BigInteger: ">i8", Integer: ">i4", SmallInteger: ">i2"}

# Hex digit (ASCII code) -> nibble; 255 marks a byte that is not a hex digit.
_NIBBLE = np.full(256, 255, dtype=np.uint8)
for _digit, _char in enumerate(b"0123456789abcdef"):
    _NIBBLE[_char] = _digit
for _digit, _char in enumerate(b"ABCDEF", start=10):
    _NIBBLE[_char] = _digit


def _binary(rows: np.ndarray, lengths: np.ndarray | None = None) -> Column:
    """A binary Arrow array whose item ``i`` is ``rows[i, :lengths[i]]`` (all of it if None)."""
    n, width = rows.shape
    offsets: Any
    data: Any
    if lengths is None:
        offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
        data = np.ascontiguousarray(rows).reshape(-1)
    else:
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        data = rows[np.arange(width) < lengths[:, None]]
    buffers: list[Any] = [None, pa.py_buffer(memoryview(offsets)), pa.py_buffer(memoryview(data))]
    return pa.Array.from_buffers(pa.large_binary(), n, buffers)


def fixed_field(values: np.ndarray, null: np.ndarray | None) -> Column:
    """Fields of a fixed-width type: ``values`` is an ``(n, width)`` byte matrix."""
    n, width = values.shape
    rows = np.empty((n, 4 + width), dtype=np.uint8)
    rows[:, :4] = np.frombuffer(width.to_bytes(4, "big"), dtype=np.uint8)
    rows[:, 4:] = values
    if null is None or not null.any():
        return _binary(rows)
    rows[null, :4] = 255
    return _binary(rows, np.where(null, 4, 4 + width))


def _null_mask(values: np.ndarray) -> np.ndarray:
    return np.asarray(values == None, dtype=bool)  # noqa: E711 (element-wise)


def uuid_bytes(hexes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """32-hex-digit ids (an object array, ``None`` for NULL) as an ``(n, 16)`` byte matrix."""
    null = _null_mask(hexes)
    filled = np.where(null, "0" * 32, hexes) if null.any() else hexes
    text = "".join(filled.tolist()).encode("ascii")
    if len(text) != 32 * len(hexes):
        raise ValueError("an id is not 32 hex digits")
    nibbles = _NIBBLE[np.frombuffer(text, dtype=np.uint8)].reshape(len(hexes), 32)
    if (nibbles == 255).any():
        raise ValueError("an id is not 32 hex digits")
    return (nibbles[:, 0::2] << 4) | nibbles[:, 1::2], null


def _integers(values: Any, dtype: str) -> tuple[np.ndarray, np.ndarray] | None:
    if isinstance(values, np.ndarray):
        null = _null_mask(values) if values.dtype == object else np.zeros(len(values), bool)
        if values.dtype == object and any(
            not isinstance(v, int | np.integer) or isinstance(v, bool)
            for v in values[~null].tolist()
        ):
            return None
        numbers = np.where(null, 0, values).astype(np.int64)
        return numbers.astype(dtype).view(np.uint8).reshape(len(numbers), -1), null
    array = _arrow(values)
    if not pa.types.is_integer(array.type):
        return None
    return _numbers(array, dtype)


def _arrow(values: Any) -> Column:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _numbers(array: Column, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """An Arrow integer array as big-endian bytes (an ``(n, width)`` matrix) and its nulls."""
    null = np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    numbers = np.asarray(array.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return numbers.astype(dtype).view(np.uint8).reshape(len(numbers), -1), null


def _timestamps(values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Aware datetimes, or ISO-8601 text with a zone (``...Z``, ``...+02:00``), as timestamptz
    (microseconds since 2000-01-01 UTC). None for anything else (naive datetimes, text
    without a zone or with fractions), which the CSV COPY hands to PostgreSQL's own parser."""
    if isinstance(values, np.ndarray):
        listed = values.tolist()
        if all(v is None or isinstance(v, str) for v in listed):
            return _timestamps(pa.array(listed, pa.string()))
        if any(
            not isinstance(v, datetime) or v.utcoffset() is None for v in listed if v is not None
        ):
            return None
        array = pa.array(listed, pa.timestamp("us", tz="UTC"))
    else:
        array = _arrow(values)
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            return None
        try:
            array = pc.cast(array, pa.timestamp("s", tz="UTC"))
        except pa.ArrowInvalid:
            return None
    micros = pc.cast(pc.cast(array, pa.timestamp("us", tz="UTC")), pa.int64())
    return _numbers(pc.subtract(micros, EPOCH_2000 * 1_000_000), ">i8")


def _dates(values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """ISO dates (``YYYY-MM-DD`` text, or date objects) as days since 2000-01-01."""
    if isinstance(values, np.ndarray):
        listed = values.tolist()
        if all(v is None or isinstance(v, str) for v in listed):
            return _dates(pa.array(listed, pa.string()))
        if any(type(v) is not date for v in listed if v is not None):
            return None
        array = pa.array(listed, pa.date32())
    else:
        array = _arrow(values)
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            try:
                array = pc.cast(array, pa.date32())
            except pa.ArrowInvalid:
                return None
        elif not pa.types.is_date32(array.type):
            return None
    return _numbers(pc.subtract(pc.cast(array, pa.int32()), EPOCH_2000 // 86_400), ">i4")


def _booleans(values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    if isinstance(values, np.ndarray) and values.dtype == bool:
        array = pa.array(values)
    elif isinstance(values, np.ndarray):
        if any(v is not None and not isinstance(v, bool | np.bool_) for v in values.tolist()):
            return None
        array = pa.array(values.tolist(), pa.bool_())
    else:
        array = _arrow(values)
        if not pa.types.is_boolean(array.type):
            return None
    return _numbers(pc.cast(array, pa.int8()), ">i1")


def text_field(values: Any) -> Column:
    """Text fields: a 4-byte length, then the UTF-8 bytes (NULL: length -1, no bytes)."""
    array: Column
    if isinstance(values, np.ndarray):
        array = pa.array(values.tolist(), pa.large_string())
    else:
        array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        array = array.cast(pa.large_string())
    lengths = np.asarray(
        pc.binary_length(array).fill_null(-1).to_numpy(zero_copy_only=False), dtype=">i4"
    )
    prefix = _binary(lengths.view(np.uint8).reshape(len(lengths), 4))
    body = array.cast(pa.large_binary()).fill_null(b"")
    return pc.binary_join_element_wise(prefix, body, _EMPTY)


def encode_column(column_type: TypeEngine[Any], values: Any) -> Column | None:
    """One column's fields for every row of the block, or None for a form not handled here
    (the CSV COPY then sends the block as text and PostgreSQL judges the values itself)."""
    try:
        return _encode(column_type, values)
    except (TypeError, ValueError, pa.ArrowException):
        return None


def _encode(column_type: TypeEngine[Any], values: Any) -> Column | None:
    if isinstance(column_type, Uuid):
        if not isinstance(values, np.ndarray):
            values = np.array(values.to_pylist(), dtype=object)
        return fixed_field(*uuid_bytes(values))
    if isinstance(column_type, UTCDateTime):
        stamps = _timestamps(values)
        return None if stamps is None else fixed_field(*stamps)
    if isinstance(column_type, Date):
        days = _dates(values)
        return None if days is None else fixed_field(*days)
    if isinstance(column_type, Boolean):
        flags = _booleans(values)
        return None if flags is None else fixed_field(*flags)
    for kind, dtype in _INTEGERS.items():
        if isinstance(column_type, kind):
            numbers = _integers(values, dtype)
            return None if numbers is None else fixed_field(*numbers)
    if isinstance(column_type, String):
        return text_field(values)
    return None


def binary_rows(fields: list[Column]) -> list[Any]:
    """The COPY stream for the encoded ``fields`` (header, rows, trailer) as buffers to send."""
    count = len(fields[0])
    width = np.frombuffer(len(fields).to_bytes(2, "big"), dtype=np.uint8)
    row_head = _binary(np.broadcast_to(width, (count, 2)))
    rows = pc.binary_join_element_wise(row_head, *fields, _EMPTY)
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)
    start = rows.offset
    body = rows.buffers()[2][int(offsets[start]) : int(offsets[start + count])]
    return [HEADER, memoryview(body), TRAILER]
