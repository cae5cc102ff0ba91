"""Access and concurrency errors (adapters map each ``code`` to a status; see api/errors.py).

::

    CoxswainError
    ├── AuthenticationError       no, an invalid, expired or revoked credential
    ├── PermissionDeniedError     a known caller who may not do this
    │   └── CsrfError             a browser form without the session's CSRF token
    ├── RateLimitedError          too many failed logins; ``retry_after`` seconds to wait
    └── ValidationError
        ├── VersionRequiredError  a change sent without the version it was based on
        └── ConflictError
            └── StaleVersionError the record changed since the caller read it
"""

from __future__ import annotations

from coxswain.core.errors import ConflictError, CoxswainError, ValidationError


class AuthenticationError(CoxswainError):
    code = "not_authenticated"


class PermissionDeniedError(CoxswainError):
    code = "permission_denied"


class CsrfError(PermissionDeniedError):
    code = "csrf_failed"


class RateLimitedError(CoxswainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class VersionRequiredError(ValidationError):
    code = "version_required"


class StaleVersionError(ConflictError):
    code = "stale_version"

    def __init__(
        self, entity: str, entity_id: object, *, current: int | str, sent: int | str
    ) -> None:
        super().__init__(
            f"{entity} {entity_id} is at version {current} but the change was based on version "
            f"{sent}: reload it and apply your change again"
        )
        self.current = current
        self.sent = sent
