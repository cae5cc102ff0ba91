"""The import page: upload a file, watch its progress, download its rejects."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from coxswain.api.deps import EngineDep
from coxswain.api.errors import SEE_OTHER
from coxswain.api.v1.imports import MAX_UPLOAD_BYTES, jobs_of
from coxswain.core.errors import ValidationError
from coxswain.imports.engine.schema import BUNDLE_ORDER
from coxswain.web.deps import CsrfSession, WebSession, render

router = APIRouter(include_in_schema=False)


@router.get("/imports")
def imports_page(request: Request, web: WebSession) -> Response:
    jobs = jobs_of(request).recent(web.principal)
    return render(request, "imports.html", web, active="imports", jobs=jobs, entities=BUNDLE_ORDER)


@router.post("/imports")
async def upload(
    request: Request,
    engine: EngineDep,
    web: CsrfSession,
    file: Annotated[UploadFile, File()],
    entity: Annotated[str, Form(max_length=64)],
    profile: Annotated[str, Form(max_length=64)] = "native",
) -> Response:
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"{file.filename}: larger than {MAX_UPLOAD_BYTES // 2**20} MB")
    job = jobs_of(request).start(
        engine,
        web.principal,
        entity=entity,
        file_name=file.filename or "upload.csv",
        content=content,
        profile=profile,
    )
    return RedirectResponse(f"/imports/{job.id}", status_code=SEE_OTHER)


@router.get("/imports/{job_id}")
def import_progress(request: Request, web: WebSession, job_id: uuid.UUID) -> Response:
    job = jobs_of(request).get(web.principal, job_id)
    template = "import_status.html" if request.headers.get("hx-request") else "import_job.html"
    return render(request, template, web, active="imports", job=job)


@router.get("/imports/{job_id}/rejects")
def rejects(request: Request, web: WebSession, job_id: uuid.UUID) -> FileResponse:
    path = jobs_of(request).rejects_file(web.principal, job_id)
    return FileResponse(path, media_type="text/csv", filename=path.name)
