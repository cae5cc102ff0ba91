"""SQLite block inserts write a column holding one value in every row as a SQL literal: the
stored values (and their SQLite storage classes) must be those a bound parameter stores."""

from __future__ import annotations

import sqlite3
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from coxswain.imports.fast.arrow_insert import _constant_literal, _executemany


class _Table:
    name = "t"


def test_constant_literal_by_hand() -> None:
    assert _constant_literal([None, None]) == "NULL"
    assert _constant_literal([True, True]) == "1"
    assert _constant_literal([False]) == "0"
    assert _constant_literal([7, 7, 7]) == "7"
    assert _constant_literal(["O'Brien", "O'Brien"]) == "'O''Brien'"
    assert _constant_literal(["a", "b"]) is None
    assert _constant_literal([1, True]) is None  # equal, but not the same type
    assert _constant_literal([1.5, 1.5]) is None
    assert _constant_literal(["a\x00b"]) is None
    assert _constant_literal([]) is None


@pytest.mark.parametrize("rows", [1, 3])
def test_literal_and_bound_columns_store_the_same(rows: int) -> None:
    constant: dict[str, Any] = {
        "t": np.array(["O'Brien – ünï"] * rows, dtype=object),
        "i": pa.array([42] * rows, pa.int64()),
        "b": pa.array([True] * rows),
        "n": np.array([None] * rows, dtype=object),
        "d": np.array(["2024-01-02 03:04:05.000000"] * rows, dtype=object),
        "num": np.array(["12"] * rows, dtype=object),  # text into an INTEGER column
    }
    varying = {
        "t": np.array(["x"] * (rows - 1) + ["O'Brien – ünï"], dtype=object),
        "i": pa.array([1] * (rows - 1) + [42], pa.int64()),
        "b": pa.array([False] * (rows - 1) + [True]),
        "n": np.array(["z"] * (rows - 1) + [None], dtype=object),
        "d": np.array(["x"] * (rows - 1) + ["2024-01-02 03:04:05.000000"], dtype=object),
        "num": np.array(["7"] * (rows - 1) + ["12"], dtype=object),
    }
    stored = []
    for columns in (constant, varying):
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE t (t TEXT, i INTEGER, b BOOLEAN, n TEXT, d DATETIME, num INTEGER)")
        _executemany(db, _Table(), columns)  # type: ignore[arg-type]
        stored.append(
            db.execute(
                "SELECT t, typeof(t), i, typeof(i), b, typeof(b), n, typeof(n), d, typeof(d),"
                " num, typeof(num) FROM t ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
        )
    expected = (
        "O'Brien – ünï", "text", 42, "integer", 1, "integer", None, "null",
        "2024-01-02 03:04:05.000000", "text", 12, "integer",
    )  # fmt: skip
    assert stored[0] == stored[1] == expected
