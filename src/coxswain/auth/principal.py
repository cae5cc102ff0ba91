"""Who is acting, and what each role may do.

Roles (``coxswain.core.enums.Role``):

=========== ============================ ===========================================
role        sees                         may change
=========== ============================ ===========================================
admin       everything                   everything, including users and tokens
sales_ops   everything                   records, imports, teams, pipelines, routing
manager     own + their teams' subtree   records they see; reassign, delete within it
rep         own leads and deals          their own records (no reassigning, deleting)
finance     everything (money)           nothing (read-only)
=========== ============================ ===========================================

An API token narrows its user's rights to its scopes: ``read`` (look), ``write`` (change
records), ``admin`` (users, setup, imports). A browser session carries every scope.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from coxswain.auth.errors import PermissionDeniedError
from coxswain.core.enums import Role


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class Permission(StrEnum):
    READ = "read"
    WRITE_RECORDS = "write_records"
    REASSIGN = "reassign"
    DELETE_RECORDS = "delete_records"
    IMPORT = "import"
    CONFIGURE = "configure"
    MANAGE_USERS = "manage_users"


ALL_SCOPES: frozenset[Scope] = frozenset(Scope)

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.ADMIN.value: frozenset(Permission),
    Role.SALES_OPS.value: frozenset(Permission) - {Permission.MANAGE_USERS},
    Role.MANAGER.value: frozenset(
        {Permission.READ, Permission.WRITE_RECORDS, Permission.REASSIGN, Permission.DELETE_RECORDS}
    ),
    Role.REP.value: frozenset({Permission.READ, Permission.WRITE_RECORDS}),
    Role.FINANCE.value: frozenset({Permission.READ}),
}

SCOPE_FOR: dict[Permission, Scope] = {
    Permission.READ: Scope.READ,
    Permission.WRITE_RECORDS: Scope.WRITE,
    Permission.REASSIGN: Scope.WRITE,
    Permission.DELETE_RECORDS: Scope.WRITE,
    Permission.IMPORT: Scope.ADMIN,
    Permission.CONFIGURE: Scope.ADMIN,
    Permission.MANAGE_USERS: Scope.ADMIN,
}

ROLES_SEEING_ALL = frozenset({Role.ADMIN.value, Role.SALES_OPS.value, Role.FINANCE.value})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a service: a user (through a session or a token) or the system.

    Attributes:
        user_id: the acting user; ``None`` for the system (CLI maintenance, imports).
        email: the user's e-mail (``system`` for the system).
        role: one of ``Role``'s values.
        scopes: what the credential allows (a browser session has every scope).
        full_name: for display.
    """

    user_id: uuid.UUID | None
    email: str
    role: str
    scopes: frozenset[Scope] = field(default=ALL_SCOPES)
    full_name: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Principal:
        """The system actor: sees and may do everything (CLI administration, jobs)."""
        return cls(user_id=None, email=label, role=Role.ADMIN.value, full_name=label)

    @property
    def label(self) -> str:
        """How audit rows name this actor: ``user:<email>`` or the system label."""
        return f"user:{self.email}" if self.user_id is not None else self.email

    @property
    def sees_everything(self) -> bool:
        return self.user_id is None or self.role in ROLES_SEEING_ALL

    def can(self, permission: Permission) -> bool:
        """True when both the role and the credential's scopes allow ``permission``."""
        allowed = ROLE_PERMISSIONS.get(self.role, frozenset())
        return permission in allowed and SCOPE_FOR[permission] in self.scopes

    def require(self, permission: Permission, what: str) -> None:
        """Raise PermissionDeniedError naming ``what`` when ``permission`` is missing."""
        if self.can(permission):
            return
        if permission in ROLE_PERMISSIONS.get(self.role, frozenset()):
            reason = f"this token lacks the {SCOPE_FOR[permission].value!r} scope"
        else:
            reason = f"the {self.role} role may not"
        raise PermissionDeniedError(f"{self.email} cannot {what}: {reason}")
