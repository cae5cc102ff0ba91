"""Import use cases: one file into one entity, or a folder of entity files (a bundle).

Services never commit: the caller's unit of work commits once at the end, so a file that
fails as a whole (unreadable, wrong encoding half-way) leaves the database as it was.
"""

from __future__ import annotations

import gc
import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from coxswain.audit.models import AuditEvent, ImportRun
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.errors import ImportFileError
from coxswain.core.settings import get_settings
from coxswain.currencies.service import reporting_currency
from coxswain.imports.context import ImportContext, RejectSink
from coxswain.imports.engine.mapping import Mapping, bind, load_mapping_file, with_source
from coxswain.imports.engine.readers import TableReader, open_table
from coxswain.imports.engine.rows import RowParser, RowRejected
from coxswain.imports.engine.schema import BUNDLE_ORDER, EntitySpec, entity_spec
from coxswain.imports.fast.arrow_registry import arrow_blocks, write_blocks
from coxswain.imports.fast.indexes import indexes_built_after
from coxswain.imports.fast.registry import fast_builder
from coxswain.imports.fast.runner import write_fast
from coxswain.imports.profiles import get_profile
from coxswain.imports.resolver import ReferenceResolver
from coxswain.imports.writers.base import Pending
from coxswain.imports.writers.registry import WRITERS

Progress = Callable[[int, int], None]
BATCH_SIZE = 5000
FAST_BATCH_SIZE = 20_000


@dataclass
class ImportReport:
    entity: str
    file: str
    profile: str
    source: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    rejects_file: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    run_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_rejects_path(path: Path, now: datetime) -> Path:
    folder = get_settings().data_dir / "rejects"
    return folder / f"{path.stem}-{now.strftime('%Y%m%dT%H%M%S')}.rejects.csv"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_mapping(
    spec: EntitySpec, profile: str, mapping_file: Path | None, source: str | None
) -> Mapping:
    mapping = load_mapping_file(mapping_file, spec) if mapping_file else get_profile(profile, spec)
    return with_source(mapping, source)


def check_file(
    *, entity: str, path: Path, profile: str = "native", mapping_file: Path | None = None
) -> list[str]:
    """Read the mapping and the file's header row without importing anything: the problems
    that would stop the whole import surface here, before a background job starts.

    Returns:
        The file's headers.

    Raises:
        ImportFileError: the file cannot be read or lacks a required column.
        MappingError: the profile or mapping file is wrong.
    """
    spec = entity_spec(entity)
    mapping = resolve_mapping(spec, profile, mapping_file, None)
    reader = open_table(path)
    try:
        bind(mapping, spec, reader.headers, path)
        return list(reader.headers)
    finally:
        reader.close()


def import_file(
    session: Session,
    *,
    entity: str,
    path: Path,
    profile: str = "native",
    mapping_file: Path | None = None,
    mapping: Mapping | None = None,
    source: str | None = None,
    rejects_path: Path | None = None,
    actor_label: str = "cli",
    clock: Clock | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    sheet: str | None = None,
    allow_fast: bool = True,
    allow_arrow: bool = True,
) -> ImportReport:
    """Import ``path`` into ``entity``; rejected rows go to ``rejects_path``.

    Raises:
        ImportFileError: the file cannot be read or lacks a required column (nothing written).
        MappingError: the profile or mapping file is wrong (nothing written).

    ``allow_fast=False`` forces the row-at-a-time path, ``allow_arrow=False`` the Python column
    path instead of the Arrow one (tests compare the paths).
    """
    spec = entity_spec(entity)
    started = time.perf_counter()
    now = (clock or SystemClock()).now()
    chosen = mapping or resolve_mapping(spec, profile, mapping_file, source)
    if source is not None:
        chosen = with_source(chosen, source)
    reader = open_table(path, sheet=sheet)
    try:
        bound = bind(chosen, spec, reader.headers, path)
        parser = RowParser(bound)
        if chosen.prepare is not None:
            chosen.prepare(session)  # e.g. the profile's pipeline, before writers load stages
        run = ImportRun(
            id=uuid.uuid4(),
            entity=spec.name,
            profile=chosen.name,
            file_name=str(path),
            file_sha256=file_sha256(path),
            actor_label=actor_label,
            started_at=now,
        )
        session.add(run)
        session.flush()
        sink = RejectSink(rejects_path or default_rejects_path(path, now), reader.headers)
        ctx = ImportContext(
            session=session,
            source=chosen.source,
            flags=chosen.flags,
            now=now,
            run_id=run.id,
            actor_label=f"import:{run.id}",
            reporting_currency=reporting_currency(session),
            resolver=ReferenceResolver(session, chosen.source),
            rejects=sink,
            fields=frozenset(bound.rules),
            hash_salt=repr(sorted(chosen.defaults.items())) + chosen.source,
        )
        writer = WRITERS[spec.name](ctx)
        gc_paused = gc.isenabled()
        # Millions of short-lived rows make the cyclic collector scan ever larger heaps for
        # nothing (the rows hold no cycles); young generations are collected by hand instead.
        gc.disable()
        fast = fast_builder(spec.name, writer) if allow_fast else None
        _plan_for_key_lookups(session, on=True)
        try:
            if fast is not None:
                arrow = (
                    arrow_blocks(spec.name, writer, parser, reader, fast) if allow_arrow else None
                )
                with indexes_built_after(session, writer.table, keep=fast.lookup_indexes):
                    if arrow is not None:
                        write_blocks(
                            *arrow, writer, fast, parser, lambda done, n: _tick(done, progress, n)
                        )
                    else:
                        batches = _raw_batches(reader, ctx, FAST_BATCH_SIZE)
                        for number, rows in enumerate(batches, start=1):
                            write_fast(writer, fast, parser, rows)
                            _tick(reader.progress(), progress, number)
                    writer.finish()
            else:
                for number, batch in enumerate(_batches(reader, parser, ctx, batch_size), start=1):
                    writer.write_batch(batch)
                    _tick(reader.progress(), progress, number * batch_size // FAST_BATCH_SIZE)
                writer.finish()
        finally:
            _plan_for_key_lookups(session, on=False)
            if gc_paused:
                gc.enable()
            sink.close()
    finally:
        reader.close()
    counters = ctx.counters
    report = ImportReport(
        entity=spec.name,
        file=str(path),
        profile=chosen.name,
        source=chosen.source,
        rows_read=counters.rows_read,
        inserted=counters.inserted,
        updated=counters.updated,
        unchanged=counters.unchanged,
        rejected=counters.rejected,
        warnings=counters.warnings,
        rejects_file=str(sink.path) if sink.written else None,
        ignored_columns=bound.ignored,
        seconds=round(time.perf_counter() - started, 3),
        run_id=str(run.id),
    )
    _finish_run(session, run, report, (clock or SystemClock()).now())
    return report


def _plan_for_key_lookups(session: Session, *, on: bool) -> None:
    """On PostgreSQL, make the planner use the key indexes for the import's lookups.

    Inside the import's own transaction a table grows from empty to millions of rows with no
    statistics; the planner then prefers sequential scans for ``external_id IN (...)`` and
    every batch would scan the whole table. Scoped to the transaction, switched back after.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL enable_seqscan = {'off' if on else 'on'}"))


def _tick(done: tuple[int, int], progress: Progress | None, number: int) -> None:
    if progress is not None:
        progress(*done)
    if number and number % 5 == 0:
        gc.collect(1)


def _raw_batches(
    reader: TableReader, ctx: ImportContext, size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for row in reader.rows():
        ctx.counters.rows_read += 1
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _batches(
    reader: TableReader, parser: RowParser, ctx: ImportContext, size: int
) -> Iterator[list[Pending]]:
    batch: list[Pending] = []
    counters = ctx.counters
    for line, cells in reader.rows():
        counters.rows_read += 1
        try:
            values = parser.parse(line, cells)
        except RowRejected as exc:
            counters.rejected += 1
            ctx.rejects.add(exc.problem, cells)
            continue
        batch.append(Pending(line, cells, values))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _finish_run(session: Session, run: ImportRun, report: ImportReport, now: datetime) -> None:
    run.finished_at = now
    run.status = "finished"
    run.rows_read, run.inserted, run.updated = report.rows_read, report.inserted, report.updated
    run.unchanged, run.rejected, run.rejects_file = (
        report.unchanged,
        report.rejected,
        report.rejects_file,
    )
    session.add(
        AuditEvent(
            occurred_at=now,
            actor_label=run.actor_label,
            action="import",
            entity_type=report.entity,
            entity_id=None,
            before=None,
            import_run_id=run.id,
            after={
                k: report.as_dict()[k]
                for k in (
                    "file",
                    "profile",
                    "source",
                    "rows_read",
                    "inserted",
                    "updated",
                    "unchanged",
                    "rejected",
                    "warnings",
                )
            },
        )
    )
    session.flush()


def bundle_files(directory: Path) -> list[tuple[str, Path]]:
    """The entity files of a bundle folder in import order (parents before children)."""
    if not directory.is_dir():
        raise ImportFileError(str(directory), "not a folder")
    found: list[tuple[str, Path]] = []
    for name in BUNDLE_ORDER:
        for suffix in (".csv", ".xlsx", ".parquet"):
            candidate = directory / f"{name}{suffix}"
            if candidate.exists():
                found.append((name, candidate))
                break
    if not found:
        expected = ", ".join(f"{n}.csv" for n in BUNDLE_ORDER)
        raise ImportFileError(
            str(directory), f"no entity files found (expected some of: {expected})"
        )
    return found
