"""Background imports started from the web app or the API, with live progress and rejects.

A job runs ``coxswain.imports.service.import_file`` in a worker thread inside its own unit of
work (one commit at the end, as on the command line). Before the job starts, the mapping (a
profile, or the user's YAML mapping file) and the file's header row are checked, so a file that
cannot be imported at all is refused at once with one line naming it and the problem.
Progress (bytes or rows read of the total) lives in memory in the process that runs the job;
the finished result is also in ``import_runs``. Only callers allowed to import (admin, sales
ops) may start or read jobs.
"""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from coxswain.auth.principal import Permission, Principal
from coxswain.core.clock import SystemClock
from coxswain.core.errors import (
    CoxswainError,
    ImportFileError,
    MappingError,
    NotFoundError,
    ValidationError,
)
from coxswain.db.engine import unit_of_work
from coxswain.imports.engine.schema import entity_spec
from coxswain.imports.service import ImportReport, check_file, import_file

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".parquet", ".txt", ".tsv")


def _safe_name(name: str, default: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name)[:120] or default


def relabel(error: CoxswainError, folder: Path) -> CoxswainError:
    """``error`` naming the uploaded files by their own names, not their paths on the server."""
    prefixes = (f"{folder / 'mapping'}/", f"{folder}/")
    if isinstance(error, ImportFileError):
        path = error.path
        for prefix in prefixes:
            path = path.removeprefix(prefix)
        return ImportFileError(path, error.reason, line=error.line)
    message = str(error)
    for prefix in prefixes:
        message = message.replace(prefix, "")
    return MappingError(message) if isinstance(error, MappingError) else error


@dataclass
class ImportJob:
    id: uuid.UUID
    entity: str
    file_name: str
    profile: str
    mapping_name: str | None
    actor_id: uuid.UUID | None
    started_at: datetime
    status: str = "queued"  # queued, running, finished, failed
    done: int = 0
    total: int = 0
    report: ImportReport | None = None
    error: str | None = None
    rejects_path: Path | None = None
    path: Path | None = None
    mapping_path: Path | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def percent(self) -> float:
        if self.status == "finished":
            return 100.0
        return round(100.0 * self.done / self.total, 1) if self.total else 0.0


class ImportJobs:
    """The jobs of this process, newest first."""

    def __init__(self, upload_dir: Path) -> None:
        self.upload_dir = upload_dir
        self._jobs: dict[uuid.UUID, ImportJob] = {}
        self._lock = threading.Lock()

    def prepare(
        self,
        actor: Principal,
        *,
        entity: str,
        file_name: str,
        content: bytes,
        profile: str = "native",
        mapping: tuple[str, bytes] | None = None,
    ) -> ImportJob:
        """Save and check the upload (and its YAML ``mapping``: name, content); :meth:`launch`
        then imports it in the background. Adapters launch after their request's commit, so
        the job's transaction never races the request's.

        Raises:
            PermissionDeniedError: the caller may not import.
            ValidationError: unknown entity, empty file or an unsupported file type.
            ImportFileError: the file cannot be read or lacks a required column.
            MappingError: unknown profile, or a mapping file that is not valid.
        """
        actor.require(Permission.IMPORT, "import files")
        spec = entity_spec(entity)
        safe_name = _safe_name(file_name, "upload.csv")
        if not safe_name.lower().endswith(ALLOWED_SUFFIXES):
            raise ValidationError(f"{file_name}: expected a .csv, .xlsx or .parquet file")
        if not content:
            raise ValidationError(f"{file_name}: the file is empty")
        job = ImportJob(
            id=uuid.uuid4(),
            entity=spec.name,
            file_name=safe_name,
            profile=profile,
            mapping_name=_safe_name(mapping[0], "mapping.yaml") if mapping else None,
            actor_id=actor.user_id,
            started_at=SystemClock().now(),
        )
        folder = self.upload_dir / str(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / safe_name
        path.write_bytes(content)
        mapping_path = None
        if mapping is not None and job.mapping_name is not None:
            (folder / "mapping").mkdir()
            mapping_path = folder / "mapping" / job.mapping_name
            mapping_path.write_bytes(mapping[1])
        try:
            check_file(entity=spec.name, path=path, profile=profile, mapping_file=mapping_path)
        except CoxswainError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise relabel(exc, folder) from None
        job.rejects_path = folder / f"{path.stem}.rejects.csv"
        job.path, job.mapping_path = path, mapping_path
        with self._lock:
            self._jobs[job.id] = job
        return job

    def launch(self, engine: Engine, actor: Principal, job: ImportJob) -> None:
        """Run a prepared job in a worker thread; returns at once."""
        worker = threading.Thread(target=self._run, args=(engine, actor, job), daemon=True)
        worker.start()

    def _run(self, engine: Engine, actor: Principal, job: ImportJob) -> None:
        def on_progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        job.status = "running"
        path = job.path
        assert path is not None  # set by prepare
        try:
            with unit_of_work(engine, write=True) as session:
                job.report = import_file(
                    session,
                    entity=job.entity,
                    path=path,
                    profile=job.profile,
                    mapping_file=job.mapping_path,
                    rejects_path=job.rejects_path,
                    actor_label=actor.label,
                    progress=on_progress,
                )
            job.status = "finished"
        except CoxswainError as exc:
            job.status, job.error = "failed", str(relabel(exc, path.parent))
        except Exception as exc:  # an unexpected failure must still end the job visibly
            job.status, job.error = "failed", f"unexpected error: {type(exc).__name__}: {exc}"
        finally:
            job.finished.set()

    def get(self, actor: Principal, job_id: uuid.UUID) -> ImportJob:
        actor.require(Permission.IMPORT, "read imports")
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(
                f"import {job_id} not found (jobs are kept until the server restarts)"
            )
        return job

    def recent(self, actor: Principal, limit: int = 20) -> list[ImportJob]:
        actor.require(Permission.IMPORT, "read imports")
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda j: j.started_at, reverse=True)
        return jobs[:limit]

    def rejects_file(self, actor: Principal, job_id: uuid.UUID) -> Path:
        job = self.get(actor, job_id)
        if job.report is None or not job.report.rejects_file:
            raise NotFoundError(f"import {job_id} has no rejected rows")
        return Path(job.report.rejects_file)
