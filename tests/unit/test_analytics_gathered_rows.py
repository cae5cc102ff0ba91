"""The whole's quantiles, means and distinct counts from the rows of a query grouped by a
partition (``engine/gathered.py``), against values computed by hand and by NumPy."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from coxswain.analytics.engine.gathered import Gathered


def _blob(values: list[float]) -> bytes | None:
    return np.array(values, dtype=np.float64).tobytes() if values else None


GATHERED = Gathered(
    quantiles={"p50": ("_values0", 0.5), "p90": ("_values0", 0.9)},
    means={"mean": ("_sum_mean", "_count_mean")},
    distincts={"customers": ("_distinct_customers")},
)


def _rows() -> list[dict[str, Any]]:
    return [
        {
            "_values0": _blob([4.0, 1.0, 2.0]),
            "_sum_mean": 7.0,
            "_count_mean": 3,
            "_distinct_customers": json.dumps(["A1", "A2"]),
        },
        {
            "_values0": _blob([10.0]),
            "_sum_mean": 10.0,
            "_count_mean": 1,
            "_distinct_customers": json.dumps(["A2", "A3"]),
        },
        {"_values0": None, "_sum_mean": None, "_count_mean": 0, "_distinct_customers": None},
    ]


def test_the_whole_from_its_groups() -> None:
    whole = GATHERED.whole(_rows())
    union = [4.0, 1.0, 2.0, 10.0]
    assert whole["p50"] == pytest.approx(float(np.quantile(union, 0.5)))  # (2 + 4) / 2
    assert whole["p50"] == 3.0
    assert whole["p90"] == pytest.approx(float(np.quantile(union, 0.9)))  # 4 + 0.7 × 6
    assert whole["mean"] == 17.0 / 4
    assert whole["customers"] == 3.0  # A1, A2, A3


def test_each_group_from_its_values() -> None:
    rows = _rows()
    GATHERED.fill_groups(rows)
    assert [r["p50"] for r in rows] == [2.0, 10.0, None]
    assert rows[0]["p90"] == pytest.approx(float(np.quantile([4.0, 1.0, 2.0], 0.9)))


def test_no_group_reads_as_an_aggregate_over_no_row() -> None:
    assert GATHERED.whole([]) == {"p50": None, "p90": None, "mean": None, "customers": 0.0}
