"""``/imports``: upload a file into an entity (with a profile or a YAML mapping file); follow its
progress; download its rejects. A file that cannot be imported at all (unreadable, a required
column missing, a bad mapping) answers 422 at once with one line naming it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel

from coxswain.api.deps import CurrentUser, EngineDep
from coxswain.api.errors import ACCEPTED
from coxswain.api.schemas import ERROR_RESPONSES
from coxswain.audit.import_jobs import ImportJob, ImportJobs
from coxswain.core.errors import ValidationError

router = APIRouter(prefix="/imports", tags=["imports"], responses=ERROR_RESPONSES)
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_MAPPING_BYTES = 1024 * 1024
PROFILES = ("native", "salesforce", "hubspot")


class ImportJobOut(BaseModel):
    id: uuid.UUID
    entity: str
    file_name: str
    profile: str
    mapping: str | None = None
    status: str
    percent: float
    started_at: datetime
    error: str | None
    report: dict[str, Any] | None
    rejects_url: str | None


def job_out(job: ImportJob) -> ImportJobOut:
    has_rejects = job.report is not None and bool(job.report.rejects_file)
    return ImportJobOut(
        id=job.id,
        entity=job.entity,
        file_name=job.file_name,
        profile=job.profile,
        mapping=job.mapping_name,
        status=job.status,
        percent=job.percent,
        started_at=job.started_at,
        error=job.error,
        report=job.report.as_dict() if job.report else None,
        rejects_url=f"/api/v1/imports/{job.id}/rejects" if has_rejects else None,
    )


async def read_upload(file: UploadFile, limit: int) -> bytes:
    """The uploaded bytes, refused when larger than ``limit``."""
    content = await file.read(limit + 1)
    if len(content) > limit:
        size = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} kB"
        raise ValidationError(f"{file.filename}: larger than {size}")
    return content


async def read_mapping(mapping: UploadFile | None) -> tuple[str, bytes] | None:
    """``(name, content)`` of an uploaded YAML mapping file, or None when none was chosen."""
    if mapping is None or not mapping.filename:
        return None
    return mapping.filename, await read_upload(mapping, MAX_MAPPING_BYTES)


def jobs_of(request: Request) -> ImportJobs:
    jobs: ImportJobs = request.app.state.import_jobs
    return jobs


@router.post("", response_model=ImportJobOut, status_code=ACCEPTED)
async def start_import(
    request: Request,
    background: BackgroundTasks,
    engine: EngineDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="CSV, XLSX or Parquet")],
    entity: Annotated[str, Form(max_length=64)],
    profile: Annotated[str, Form(max_length=64, description=" | ".join(PROFILES))] = "native",
    mapping: Annotated[
        UploadFile | None, File(description="your YAML mapping (docs/import.md); wins over profile")
    ] = None,
) -> ImportJobOut:
    """Start importing (admins, sales ops); poll ``GET /imports/{id}`` for progress."""
    content = await read_upload(file, MAX_UPLOAD_BYTES)
    jobs = jobs_of(request)
    job = jobs.prepare(
        user,
        entity=entity,
        file_name=file.filename or "upload.csv",
        content=content,
        profile=profile,
        mapping=await read_mapping(mapping),
    )
    background.add_task(jobs.launch, engine, user, job)  # after this request's commit
    return job_out(job)


@router.get("", response_model=list[ImportJobOut])
def recent_imports(request: Request, user: CurrentUser) -> list[ImportJobOut]:
    return [job_out(j) for j in jobs_of(request).recent(user)]


@router.get("/{job_id}", response_model=ImportJobOut)
def import_status(request: Request, user: CurrentUser, job_id: uuid.UUID) -> ImportJobOut:
    return job_out(jobs_of(request).get(user, job_id))


@router.get("/{job_id}/rejects", response_class=FileResponse)
def download_rejects(request: Request, user: CurrentUser, job_id: uuid.UUID) -> FileResponse:
    """The rejected rows as CSV: the original cells plus line, field and reason."""
    path = jobs_of(request).rejects_file(user, job_id)
    return FileResponse(path, media_type="text/csv", filename=path.name)
