"""Roles, scopes and passwords (no database)."""

from __future__ import annotations

import pytest

from coxswain.auth.errors import PermissionDeniedError
from coxswain.auth.passwords import hash_password, verify_password
from coxswain.auth.principal import Permission, Principal, Scope
from coxswain.auth.tokens import parse_scopes, role_scopes
from coxswain.core.errors import ValidationError


def who(role: str, *scopes: Scope) -> Principal:
    import uuid

    return Principal(user_id=uuid.uuid4(), email=f"{role}@x.com", role=role,
                     scopes=frozenset(scopes) if scopes else frozenset(Scope))  # fmt: skip


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", set(Permission)),
        ("sales_ops", set(Permission) - {Permission.MANAGE_USERS}),
        (
            "manager",
            {
                Permission.READ,
                Permission.WRITE_RECORDS,
                Permission.REASSIGN,
                Permission.DELETE_RECORDS,
            },
        ),
        ("rep", {Permission.READ, Permission.WRITE_RECORDS}),
        ("finance", {Permission.READ}),
    ],
)
def test_role_permissions(role: str, allowed: set[Permission]) -> None:
    principal = who(role)
    assert {p for p in Permission if principal.can(p)} == allowed


def test_token_scopes_narrow_the_role() -> None:
    reader = who("admin", Scope.READ)
    assert reader.can(Permission.READ)
    assert not reader.can(Permission.WRITE_RECORDS)
    with pytest.raises(PermissionDeniedError, match="lacks the 'write' scope"):
        reader.require(Permission.WRITE_RECORDS, "change deals")
    with pytest.raises(PermissionDeniedError, match="the finance role may not"):
        who("finance").require(Permission.WRITE_RECORDS, "change deals")


def test_system_principal_sees_everything() -> None:
    system = Principal.system("cli")
    assert system.sees_everything
    assert system.label == "cli"
    assert who("rep").label.startswith("user:rep@")


def test_scope_parsing() -> None:
    assert parse_scopes(["read, write"]) == {Scope.READ, Scope.WRITE}
    assert parse_scopes(["admin read"]) == {Scope.ADMIN, Scope.READ}
    with pytest.raises(ValidationError, match="unknown scope 'delete'"):
        parse_scopes(["delete"])
    assert role_scopes("finance") == {Scope.READ}
    assert role_scopes("rep") == {Scope.READ, Scope.WRITE}


def test_passwords_are_salted_argon2_and_verified() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "correct horse battery")
    assert not verify_password(first, "correct horse battery!")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
    with pytest.raises(ValidationError, match="at least 10 characters"):
        hash_password("short")
