"""Vectorised cell checks and conversions for the Arrow import path.

Each function takes raw text columns (Arrow ``string`` arrays, cells exactly as the file holds
them) and returns converted values plus a boolean mask of rows it is *not sure about*. Those
rows go to the row path, which parses them with ``engine/parsing.py`` and rejects or accepts
them with its usual messages, so only forms whose meaning is certain are handled here:
ISO-8601 UTC timestamps written ``YYYY-MM-DDTHH:MM:SSZ``, plain decimal amounts
(``-1234.5``) and text without surrounding blanks.
"""

from __future__ import annotations

import os
import time
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute

# pyarrow's stubs type neither ChunkedArray arguments nor plain str/int scalars of the
# compute kernels; columns are typed loosely here and checked by the tests instead.
Column: TypeAlias = Any
pc: Any = _compute

_ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_PLAIN = r"^(?P<sign>[+-]?)(?P<whole>\d{1,15})(?:\.(?P<frac>\d{1,18}))?$"
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_random = np.random.default_rng(int.from_bytes(os.urandom(16), "big"))
os.register_at_fork(
    after_in_child=lambda: globals().update(
        _random=np.random.default_rng(int.from_bytes(os.urandom(16), "big"))
    )
)


def mask(array: Column) -> np.ndarray:
    """A boolean Arrow column as a NumPy mask (nulls count as false).

    (Not ``pc.fill_null``: its first call costs over a second of set-up.)"""
    values = array.to_numpy(zero_copy_only=False)
    if values.dtype == object:
        return np.array([bool(v) for v in values.tolist()], dtype=bool)
    return np.asarray(values, dtype=bool)


def distinct_codes(column: Column) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes per row and the distinct cells they index (each handled once)."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return codes, encoded.dictionary.to_pylist()


def empty_to_null(column: Column) -> Column:
    """Empty cells as NULL (what the row path stores for a blank optional cell)."""
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def text_doubts(column: Column, *, max_length: int | None, required: bool) -> np.ndarray:
    """Rows whose cell has blanks around it, is too long, or is empty though required."""
    doubt = mask(pc.not_equal(pc.utf8_trim_whitespace(column), column))
    if max_length is not None:
        doubt |= mask(pc.greater(pc.utf8_length(column), max_length))
    if required:
        doubt |= mask(pc.equal(column, ""))
    return doubt


def iso_utc_doubts(column: Column, *, required: bool) -> np.ndarray:
    """Rows not written ``YYYY-MM-DDTHH:MM:SSZ`` with a real calendar date and time.

    Empty cells are doubtful only when ``required`` (an empty optional cell is NULL).
    """
    empty = mask(pc.equal(column, ""))
    doubt = ~mask(pc.match_substring_regex(column, _ISO_UTC)) & (~empty | required)
    filled = pc.if_else(pc.equal(column, ""), "2000-01-01T00:00:00Z", column)
    ok = ~doubt & ~empty
    if ok.any():
        parts = [
            _digits(filled, start, stop)
            for start, stop in ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19))
        ]
        year, month, day, hour, minute, second = parts
        valid = _calendar(year, month, day) & (hour < 24) & (minute < 60) & (second < 60)
        doubt |= ok & ~valid
    return doubt


def iso_date_doubts(column: Column) -> np.ndarray:
    """Rows not written ``YYYY-MM-DD`` with a real calendar date (empty cells are NULL)."""
    empty = mask(pc.equal(column, ""))
    doubt = ~empty & ~mask(pc.match_substring_regex(column, _ISO_DATE))
    ok = ~doubt & ~empty
    if ok.any():
        filled = pc.if_else(pa.array(ok), column, "2000-01-01")
        year, month, day = (_digits(filled, a, b) for a, b in ((0, 4), (5, 7), (8, 10)))
        doubt |= ok & ~_calendar(year, month, day)
    return np.asarray(doubt, dtype=bool)


def _calendar(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether each (year, month, day) is a real date of the proleptic Gregorian calendar."""
    month_ok = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last_day = _DAYS[np.where(month_ok, month, 1)] + ((month == 2) & leap)
    return np.asarray(month_ok & (day >= 1) & (day <= last_day) & (year >= 1), dtype=bool)


def _digits(column: Column, start: int, stop: int) -> np.ndarray:
    piece = pc.utf8_slice_codeunits(column, start, stop)
    ints = pc.cast(piece, pa.int64(), safe=False)
    return np.asarray(ints.to_numpy(zero_copy_only=False), dtype=np.int64)


def sqlite_timestamps(column: Column) -> Column:
    """``YYYY-MM-DDTHH:MM:SSZ`` → SQLite's stored form ``YYYY-MM-DD HH:MM:SS.000000``."""
    day = pc.utf8_slice_codeunits(column, 0, 10)
    clock = pc.utf8_slice_codeunits(column, 11, 19)
    joined = pc.binary_join_element_wise(day, clock, " ")
    stamped = pc.binary_join_element_wise(joined, pa.scalar(".000000"), "")
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), stamped)


def money_minor(column: Column, exponents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plain decimal amounts in minor units (``exponents[i]`` decimals for row ``i``).

    Returns ``(minor, doubt)``; empty cells give ``minor`` 0 (the caller stores NULL). Decimals
    beyond the currency's are fine when they are zeros (``100.00`` yen is 100); a cell that
    would need rounding, or more than 18 digits in minor units, is left to the row path.
    """
    parts = pc.extract_regex(column, _PLAIN)
    matched = mask(pc.is_valid(parts))
    empty = mask(pc.equal(column, ""))
    whole_text = pc.fill_null(pc.struct_field(parts, "whole"), "0")
    frac_text = pc.fill_null(pc.struct_field(parts, "frac"), "")
    sign_text = pc.fill_null(pc.struct_field(parts, "sign"), "")
    whole = np.asarray(pc.cast(whole_text, pa.int64()).to_numpy(zero_copy_only=False))
    frac_length = np.asarray(pc.utf8_length(frac_text).to_numpy(zero_copy_only=False))
    frac_digits = pc.if_else(pc.equal(frac_text, ""), "0", frac_text)
    frac_value = np.asarray(
        pc.cast(pc.utf8_slice_codeunits(frac_digits, 0, 18), pa.int64()).to_numpy(
            zero_copy_only=False
        )
    )
    negative = mask(pc.equal(sign_text, "-"))
    excess = np.maximum(frac_length - exponents, 0)
    divisor = np.power(10, excess, dtype=np.int64)
    rounding = frac_value % divisor != 0
    too_large = whole >= np.power(10, np.maximum(18 - exponents, 0), dtype=np.int64)
    frac_minor = frac_value // divisor * np.power(10, np.maximum(exponents - frac_length, 0))
    minor = np.where(too_large, 0, whole) * np.power(10, exponents, dtype=np.int64) + frac_minor
    minor = np.where(negative, -minor, minor)
    doubt = ~empty & (~matched | rounding | too_large)
    return np.where(empty | doubt, 0, minor), doubt


def new_id_hexes(count: int) -> list[str]:
    """``count`` UUIDv7 ids as 32 hex digits (the layout of ``core.ids.new_id``: 48-bit
    millisecond time, version 7, 12 random bits, variant 10, 62 random bits)."""
    if count == 0:
        return []
    millis = time.time_ns() // 1_000_000
    high = np.full(count, (millis & 0xFFFF_FFFF_FFFF) << 16 | 0x7 << 12, dtype=np.uint64)
    high |= _random.integers(0, 1 << 12, size=count, dtype=np.uint64)
    low = _random.integers(0, 1 << 62, size=count, dtype=np.uint64) | np.uint64(0b10 << 62)
    words = np.empty(count * 2, dtype=">u8")
    words[0::2], words[1::2] = high, low
    text = words.tobytes().hex()
    return [text[i : i + 32] for i in range(0, len(text), 32)]
