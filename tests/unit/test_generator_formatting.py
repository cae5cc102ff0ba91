"""The vectorised text formatters agree with Python's own formatting, value by value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from coxswain.generator.engine.formatting import (
    format_dates,
    format_datetimes,
    format_fixed_point,
    format_ids,
)

EPOCH = date(1970, 1, 1)


def test_ids_are_prefixed_and_zero_padded() -> None:
    numbers = np.array([1, 42, 1234567, 9999999])
    assert format_ids("O", numbers, 7).to_pylist() == [
        "O0000001",
        "O0000042",
        "O1234567",
        "O9999999",
    ]
    assert format_ids("LI", np.array([5]), 8).to_pylist() == ["LI00000005"]
    assert format_ids("", np.array([7, 123]), 3).to_pylist() == ["007", "123"]


def test_nulls_take_no_value() -> None:
    valid = np.array([True, False, True])
    assert format_ids("U", np.array([1, 2, 3]), 5, valid).to_pylist() == ["U00001", None, "U00003"]
    assert format_dates(np.array([0, 1, 2]), valid).to_pylist() == [
        "1970-01-01",
        None,
        "1970-01-03",
    ]


def test_dates_match_python() -> None:
    days = np.random.default_rng(1).integers(-1000, 40_000, 500)
    expected = [(EPOCH + timedelta(days=int(d))).isoformat() for d in days]
    assert format_dates(days).to_pylist() == expected


def test_datetimes_match_python_iso_with_z() -> None:
    minutes = np.random.default_rng(2).integers(0, 40_000 * 1440, 500)
    expected = [
        datetime.fromtimestamp(int(m) * 60, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for m in minutes
    ]
    assert format_datetimes(minutes).to_pylist() == expected


def test_datetimes_with_nulls() -> None:
    minutes = np.array([0, 5, 1441])
    valid = np.array([False, True, True])
    assert format_datetimes(minutes, valid).to_pylist() == [
        None,
        "1970-01-01T00:05:00Z",
        "1970-01-02T00:01:00Z",
    ]


def test_fixed_point_matches_python() -> None:
    rng = np.random.default_rng(3)
    units = np.concatenate([[0, 1, 99, 100, 10**17], rng.integers(0, 10**12, 500)])
    expected = [f"{v // 100}.{v % 100:02d}" for v in units.tolist()]
    assert format_fixed_point(units, 2).to_pylist() == expected


def test_fixed_point_hides_fraction_per_row_and_skips_nulls() -> None:
    units = np.array([123456, 123400, 700, 5])
    show = np.array([True, False, True, True])
    valid = np.array([True, True, False, True])
    assert format_fixed_point(units, 2, show, valid).to_pylist() == [
        "1234.56",
        "1234",
        None,
        "0.05",
    ]
    assert format_fixed_point(np.array([1084123, 6812]), 6).to_pylist() == ["1.084123", "0.006812"]


def test_fixed_point_rejects_negative_values() -> None:
    with pytest.raises(ValueError, match="0 <= value"):
        format_fixed_point(np.array([-1]), 2)
