"""The Arrow path's column kernels against hand-worked values: what they convert, and which
cells they leave to the row path."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from coxswain.imports.fast.arrow_columns import iso_date_doubts, money_minor


def _column(*cells: str) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(list(cells), pa.string())])


def test_money_minor_converts_exact_amounts_and_doubts_the_rest() -> None:
    cells = ("100.00", "100.50", "12", "-3.5", "", "1.005", "999999999999999", "x", "0.1", "+7.25")
    exponents = np.array([0, 0, 2, 2, 2, 3, 4, 2, 3, 2])
    minor, doubt = money_minor(_column(*cells), exponents)
    # 100.00 yen = 100; 100.50 yen needs rounding; 12 USD = 1200; -3.5 = -350; empty = 0;
    # 1.005 BHD = 1005; 15 digits and 4 decimals overflow 18 digits; "x" is no number;
    # 0.1 with 3 decimals = 100; +7.25 = 725.
    assert minor.tolist() == [100, 0, 1200, -350, 0, 1005, 0, 0, 100, 725]
    assert doubt.tolist() == [False, True, False, False, False, False, True, True, False, False]


def test_iso_date_doubts_checks_form_and_calendar() -> None:
    cells = ("2024-02-29", "2023-02-29", "2023-02-30", "", "2023/10/05", "2024-13-01", "0000-01-01")
    cells += ("2023-10-05T10:00", " 2023-10-05", "2000-02-29", "1900-02-29", "2023-04-31")
    doubt = iso_date_doubts(_column(*cells))
    assert doubt.tolist() == [
        False,  # a leap day
        True,  # 2023 is no leap year
        True,
        False,  # empty: NULL
        True,  # another form: the row path reads it
        True,
        True,  # year 0
        True,  # a time after the date: the row path reads the day
        True,  # blanks
        False,  # 2000 is a leap year (divisible by 400)
        True,  # 1900 is not
        True,  # April has 30 days
    ]
