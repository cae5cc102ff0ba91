"""The import page: upload a file, watch its progress, download its rejects."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from coxswain.api.deps import EngineDep
from coxswain.api.errors import SEE_OTHER
from coxswain.api.v1.imports import MAX_UPLOAD_BYTES, PROFILES, jobs_of, read_mapping, read_upload
from coxswain.auth.principal import Permission
from coxswain.core.errors import CoxswainError
from coxswain.imports.engine.schema import BUNDLE_ORDER
from coxswain.web.deps import CsrfSession, WebSession, render

router = APIRouter(include_in_schema=False)
UNPROCESSABLE = 422


@router.get("/imports")
def imports_page(request: Request, web: WebSession) -> Response:
    return _form(request, web)


def _form(request: Request, web: WebSession, status_code: int = 200, **context: object) -> Response:
    jobs = jobs_of(request).recent(web.principal)
    return render(
        request, "imports.html", web, status_code=status_code, active="imports", jobs=jobs,
        entities=BUNDLE_ORDER, profiles=PROFILES, **context,
    )  # fmt: skip


@router.post("/imports")
async def upload(
    request: Request,
    background: BackgroundTasks,
    engine: EngineDep,
    web: CsrfSession,
    file: Annotated[UploadFile, File()],
    entity: Annotated[str, Form(max_length=64)],
    profile: Annotated[str, Form(max_length=64)] = "native",
    mapping: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Start the import; a file that cannot be imported at all is shown as one line."""
    jobs = jobs_of(request)
    try:
        job = jobs.prepare(
            web.principal,
            entity=entity,
            file_name=file.filename or "upload.csv",
            content=await read_upload(file, MAX_UPLOAD_BYTES),
            profile=profile,
            mapping=await read_mapping(mapping),
        )
    except CoxswainError as exc:
        web.principal.require(Permission.IMPORT, "import files")
        chosen = {"entity": entity, "profile": profile}
        return _form(request, web, UNPROCESSABLE, error=str(exc), chosen=chosen)
    background.add_task(jobs.launch, engine, web.principal, job)  # after this request's commit
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
