"""The one tree of Coxswain errors. Each carries a stable ``code`` adapters can rely on.

::

    CoxswainError
    ├── ConfigurationError        bad settings or database URL
    ├── NotFoundError             a record that does not exist (or may not be seen)
    ├── ValidationError           a value that breaks a rule
    │   └── ConflictError         a uniqueness or version conflict
    ├── ImportFileError           a file that cannot be imported at all (nothing is written)
    └── MappingError              a bad mapping file or profile
"""

from __future__ import annotations


class CoxswainError(Exception):
    """Base of every error Coxswain raises on purpose. ``str(err)`` is one line for a user."""

    code = "coxswain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(CoxswainError):
    code = "configuration_error"


class NotFoundError(CoxswainError):
    code = "not_found"


class ValidationError(CoxswainError):
    code = "validation_error"


class ConflictError(ValidationError):
    code = "conflict"


class ImportFileError(CoxswainError):
    """The file as a whole cannot be imported; raised before or instead of any write."""

    code = "import_file_error"

    def __init__(self, path: str, reason: str, *, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.reason = reason
        self.line = line


class MappingError(CoxswainError):
    code = "mapping_error"
