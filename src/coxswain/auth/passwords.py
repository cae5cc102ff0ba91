"""Password hashing with Argon2id (argon2-cffi defaults: RFC 9106 low-memory profile)."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from coxswain.core.errors import ValidationError

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verified when the user does not exist, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("coxswain-timing-equaliser")


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short or only whitespace."""
    if len(password) < MIN_PASSWORD_LENGTH or not password.strip():
        raise ValidationError(
            f"password too short: expected at least {MIN_PASSWORD_LENGTH} characters"
        )


def hash_password(password: str) -> str:
    """An Argon2id hash string (salt and parameters included) for ``password``."""
    check_password_policy(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing or malformed hash never matches."""
    if not password_hash:
        _burn(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def _burn(password: str) -> None:
    with contextlib.suppress(VerifyMismatchError, VerificationError):
        _hasher.verify(_DUMMY_HASH, password)
