"""Adapters for public datasets: convert the files into a native bundle, then import it.

Converting first keeps one import path for everything (the same parsing, references, rejects
and idempotency); the native files keep the dataset's line numbers, so rejects point at the
original rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from coxswain.imports.service import ImportReport, Progress, bundle_files, import_file

Dataset = Literal["maven", "olist"]


def import_dataset(
    session: Session, dataset: Dataset, directory: Path, *, progress: Progress | None = None
) -> list[ImportReport]:
    """Convert ``directory`` (the dataset as published) and import it with source ``dataset``."""
    if dataset == "maven":
        from coxswain.imports.datasets.maven import convert
    else:
        from coxswain.imports.datasets.olist import convert
    reports: list[ImportReport] = []
    with tempfile.TemporaryDirectory(prefix=f"coxswain-{dataset}-") as folder:
        out = Path(folder)
        convert(directory, out)
        for entity, file in bundle_files(out):
            report = import_file(
                session, entity=entity, path=file, source=dataset, progress=progress
            )
            report.file = str(directory)
            if report.rejects_file is None:
                reports.append(report)
                continue
            reports.append(report)
    return reports
