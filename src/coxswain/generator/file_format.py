"""File formats ``coxswain generate`` writes (apart, so parsing CLI options loads no NumPy)."""

from __future__ import annotations

from enum import StrEnum


class FileFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
