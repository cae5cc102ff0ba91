"""The one place where Coxswain errors become HTTP statuses.

Every error body is ``{"error": {"code": ..., "message": ...}}`` with the stable code of the
domain error. A stale version is 412 when the client sent ``If-Match`` (RFC 9110), else 409.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from coxswain.auth.errors import (
    AuthenticationError,
    PermissionDeniedError,
    RateLimitedError,
    StaleVersionError,
    VersionRequiredError,
)
from coxswain.core.errors import (
    ConflictError,
    CoxswainError,
    ImportFileError,
    MappingError,
    NotFoundError,
    ValidationError,
)

STATUS_BY_ERROR: tuple[tuple[type[CoxswainError], int], ...] = (
    (AuthenticationError, status.HTTP_401_UNAUTHORIZED),
    (PermissionDeniedError, status.HTTP_403_FORBIDDEN),
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (RateLimitedError, status.HTTP_429_TOO_MANY_REQUESTS),
    (VersionRequiredError, status.HTTP_428_PRECONDITION_REQUIRED),
    (StaleVersionError, status.HTTP_409_CONFLICT),
    (ConflictError, status.HTTP_409_CONFLICT),
    (ImportFileError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (MappingError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (ValidationError, status.HTTP_422_UNPROCESSABLE_CONTENT),
)
UNAUTHORIZED = status.HTTP_401_UNAUTHORIZED
NO_CONTENT = status.HTTP_204_NO_CONTENT
CREATED = status.HTTP_201_CREATED
ACCEPTED = status.HTTP_202_ACCEPTED
SEE_OTHER = status.HTTP_303_SEE_OTHER
FORBIDDEN = status.HTTP_403_FORBIDDEN
NOT_FOUND = status.HTTP_404_NOT_FOUND


def status_for(error: CoxswainError, request: Request | None = None) -> int:
    """The HTTP status for ``error`` (400 for any error without a more specific one)."""
    if isinstance(error, StaleVersionError) and request and request.headers.get("if-match"):
        return status.HTTP_412_PRECONDITION_FAILED
    for kind, code in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return code
    return status.HTTP_400_BAD_REQUEST


def headers_for(error: CoxswainError) -> dict[str, str]:
    if isinstance(error, AuthenticationError):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, RateLimitedError):
        return {"Retry-After": str(error.retry_after)}
    return {}


def error_body(error: CoxswainError) -> dict[str, dict[str, str]]:
    return {"error": {"code": error.code, "message": str(error)}}


async def coxswain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CoxswainError)
    return JSONResponse(
        error_body(exc), status_code=status_for(exc, request), headers=headers_for(exc)
    )


async def integrity_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """A constraint the services did not check first (a reference to a missing record, a
    duplicate): refused as a conflict naming the constraint, never a 500."""
    assert isinstance(exc, IntegrityError)
    detail = str(exc.orig).splitlines()[0] if exc.orig is not None else "constraint violated"
    error = ConflictError(f"the change breaks a database rule ({detail}): check the ids you sent")
    error.code = "integrity_error"
    return JSONResponse(error_body(error), status_code=status.HTTP_409_CONFLICT)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CoxswainError, coxswain_error_handler)
    app.add_exception_handler(IntegrityError, integrity_error_handler)
