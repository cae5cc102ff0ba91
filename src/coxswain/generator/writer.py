"""Write generated entities to a directory: one ``<entity>.csv`` or ``<entity>.parquet`` each.

Columns are the native field names in the schema's order. CSV cells are the native text
format (see :mod:`coxswain.generator.engine.columns`); Parquet columns are typed (``date32``,
``timestamp[ms, UTC]``, ``decimal128`` money in major units, ``int64``, ``bool``, strings).

Memory stays bounded: an entity is turned into Arrow ``chunk_rows`` rows at a time and each
chunk is written before the next is made. Entities are written by a small thread pool while
the caller keeps generating (Arrow's writers and most NumPy kernels release the GIL). Each
file is written under a temporary name and renamed when complete, so an interrupted run never
leaves a truncated file under the final name.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from coxswain.generator.engine.columns import Entity
from coxswain.generator.file_format import FileFormat

CHUNK_ROWS = 200_000
WRITER_THREADS = 2


@dataclass(frozen=True, slots=True)
class WrittenFile:
    """One written entity file; ``seconds`` is the wall time spent formatting and writing."""

    entity: str
    path: Path
    rows: int
    bytes: int
    seconds: float


def prefer_small_pages() -> None:
    """Stop NumPy from asking for transparent huge pages on large arrays (process-wide).

    NumPy ``madvise``s every array of 4 MB or more for 2 MB pages. Where the kernel honours
    that (THP ``madvise`` mode, as on our 2-core benchmark VM), each first touch of such an
    array zeroes a whole 2 MB page; the generator makes many short-lived arrays of tens of MB,
    and this doubled the kernel time of generating 1M opportunities (2.8 s → 1.2 s system
    time for leads and opportunities). Call once from an entry point before generating.
    Uses NumPy's private switch behind the documented ``NUMPY_MADVISE_HUGEPAGE`` variable;
    does nothing when it is missing.
    """
    for module_name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        switch = getattr(module, "_set_madvise_hugepage", None)
        if switch is not None:
            switch(False)
            return


def _chunks(entity: Entity, chunk_rows: int, *, typed: bool) -> Iterable[pa.Table]:
    """The entity as consecutive Arrow tables (one empty table for an empty entity)."""
    starts = range(0, entity.rows, chunk_rows) if entity.rows else range(1)
    for start in starts:
        yield entity.table(start, min(entity.rows, start + chunk_rows), typed=typed)


def write_entity(
    entity: Entity, directory: Path, file_format: FileFormat, chunk_rows: int = CHUNK_ROWS
) -> WrittenFile:
    """Write one entity to ``directory/<name>.<format>`` chunk by chunk."""
    started = time.perf_counter()
    path = directory / f"{entity.name}.{file_format.value}"
    partial = path.with_name(path.name + ".partial")
    chunks = iter(_chunks(entity, chunk_rows, typed=file_format is FileFormat.PARQUET))
    first = next(chunks)
    if file_format is FileFormat.CSV:
        with pa_csv.CSVWriter(partial, first.schema) as csv_writer:
            csv_writer.write_table(first)
            for chunk in chunks:
                csv_writer.write_table(chunk)
    else:
        with pq.ParquetWriter(partial, first.schema, compression="snappy") as parquet_writer:
            parquet_writer.write_table(first)
            for chunk in chunks:
                parquet_writer.write_table(chunk)
    os.replace(partial, path)
    size = path.stat().st_size
    return WrittenFile(entity.name, path, entity.rows, size, time.perf_counter() - started)


def write_entities(
    entities: Iterable[Entity],
    directory: Path,
    file_format: FileFormat,
    *,
    threads: int = WRITER_THREADS,
    chunk_rows: int = CHUNK_ROWS,
) -> list[WrittenFile]:
    """Write every entity as it comes out of ``entities`` (which may still be generating),
    using ``threads`` writer threads. Returns the files in the order the entities came."""
    directory.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="coxswain-writer") as pool:
        futures: list[Future[WrittenFile]] = [
            pool.submit(write_entity, entity, directory, file_format, chunk_rows)
            for entity in entities
        ]
        return [future.result() for future in futures]
