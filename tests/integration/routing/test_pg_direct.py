"""Statements run straight on psycopg (PostgreSQL hot path) behave as through SQLAlchemy:
timestamps in UTC whatever the session time zone, JSON stored as JSON, driver errors raised
as SQLAlchemy's exception classes, statement listeners notified."""

from __future__ import annotations

from datetime import UTC

import pytest
from routing_world import T0, World
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tests.conftest import count_statements

from coxswain.audit.models import AuditEvent
from coxswain.core.ids import new_id
from coxswain.routing import pg_direct, repository


@pytest.fixture
def pg_world(backend: str, world: World) -> World:
    if backend != "postgresql":
        pytest.skip("the direct path is PostgreSQL only")
    return world


def test_lead_timestamps_come_back_in_utc_from_another_session_time_zone(
    pg_world: World,
) -> None:
    session = pg_world.session
    lead = pg_world.lead("L1", country="Canada")
    session.execute(text("SET LOCAL TIME ZONE 'America/New_York'"))
    row = repository.lock_lead(session, lead.id)
    assert row is not None
    assert row.fields["received_at"] == T0
    assert row.fields["received_at"].utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert row.fields["received_at"].tzinfo == UTC
    assert row.fields["country"] == "Canada"


def test_json_parameters_and_listeners(pg_world: World) -> None:
    session: Session = pg_world.session
    statement = pg_direct.prepare(
        insert(AuditEvent).values(
            id=bindparam("id"), occurred_at=bindparam("at"), actor_label="test",
            action="route", entity_type="lead", entity_id=bindparam("id"),
            before=bindparam("before", type_=AuditEvent.before.type),
            after=bindparam("after", type_=AuditEvent.after.type),
        )
    )  # fmt: skip
    seen = count_statements(session.get_bind().engine)  # type: ignore[union-attr]
    event_id = new_id()
    after = {"owner_id": "x", "nested": [1, 2]}
    pg_direct.execute(
        session, statement, {"id": event_id, "at": T0, "before": None, "after": after}
    )
    assert [sql for sql in seen if sql.startswith("INSERT INTO audit_events")] == [statement.sql]
    stored = session.execute(
        select(AuditEvent.before, AuditEvent.after).where(AuditEvent.id == event_id)
    ).one()
    assert tuple(stored) == (None, after)
    with pytest.raises(IntegrityError):
        pg_direct.execute(
            session, statement, {"id": event_id, "at": T0, "before": None, "after": after}
        )


def test_expanding_in_is_refused() -> None:
    statement = select(AuditEvent.id).where(AuditEvent.action.in_(bindparam("a", expanding=True)))
    with pytest.raises(ValueError, match="ANY"):
        pg_direct.prepare(statement)
