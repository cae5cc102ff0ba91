"""Generic create/update/delete for simple records (accounts, contacts, activities, products).

The pipeline's core records (opportunities, leads) have their own services with named state
changes; the simpler ones share these steps: check the role, check the owner against the
caller's visibility, apply the fields, write an audit event. Services never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from coxswain.audit.service import apply_changes, json_safe, record_change
from coxswain.auth.errors import PermissionDeniedError
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.visibility import visibility_for
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.errors import NotFoundError, ValidationError

M = TypeVar("M")


def load_record(session: Session, model: type[M], record_id: uuid.UUID, entity: str) -> M:
    """The live (not soft-deleted) record, or NotFoundError."""
    record = session.get(model, record_id)
    if record is None or getattr(record, "deleted_at", None) is not None:
        raise NotFoundError(f"{entity} {record_id} not found")
    return record


def check_owner_writable(
    session: Session, actor: Principal, owner_id: uuid.UUID | None, entity: str
) -> None:
    """Writers may change records they own or that belong to someone they see; the owner must
    be an existing user."""
    from coxswain.people.models import User

    if owner_id is not None and session.get(User, owner_id) is None:
        raise ValidationError(f"owner {owner_id}: expected an existing user")
    if not visibility_for(session, actor).allows(owner_id):
        raise PermissionDeniedError(f"{actor.email} cannot change this {entity}: not theirs")


def plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Enum members to their values (ORM columns hold strings)."""
    return {
        k: (v.value if hasattr(v, "value") and not isinstance(v, uuid.UUID) else v)
        for k, v in values.items()
    }


def create_record(
    session: Session,
    actor: Principal,
    model: type[M],
    entity: str,
    values: Mapping[str, Any],
    *,
    permission: Permission = Permission.WRITE_RECORDS,
    clock: Clock | None = None,
) -> M:
    actor.require(permission, f"create {entity} records")
    record = model(**plain(values))
    session.add(record)
    session.flush()
    after = {k: json_safe(v) for k, v in plain(values).items() if v is not None}
    record_change(
        session,
        actor_id=actor.user_id,
        actor_label=actor.label,
        action="create",
        entity_type=entity,
        entity_id=getattr(record, "id"),  # noqa: B009 (M is any mapped model)
        before=None,
        after=after,
        occurred_at=(clock or SystemClock()).now(),
    )
    return record


def update_record(
    session: Session,
    actor: Principal,
    record: Any,
    entity: str,
    changes: Mapping[str, Any],
    *,
    clock: Clock | None = None,
) -> None:
    before, after = apply_changes(record, plain(changes))
    if before or after:
        record_change(
            session,
            actor_id=actor.user_id,
            actor_label=actor.label,
            action="update",
            entity_type=entity,
            entity_id=record.id,
            before=before,
            after=after,
            occurred_at=(clock or SystemClock()).now(),
        )
    session.flush()


def delete_record(
    session: Session, actor: Principal, record: Any, entity: str, *, clock: Clock | None = None
) -> None:
    now = (clock or SystemClock()).now()
    record.deleted_at = now
    record_change(
        session,
        actor_id=actor.user_id,
        actor_label=actor.label,
        action="delete",
        entity_type=entity,
        entity_id=record.id,
        before={"id": str(record.id)},
        after=None,
        occurred_at=now,
    )
    session.flush()
