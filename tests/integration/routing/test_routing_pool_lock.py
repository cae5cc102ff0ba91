"""The pool lock on PostgreSQL: uncontended, one statement locks the pool and reads its reps;
a worker that had to wait for the lock reads again and sees what the lock holder wrote."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from routing_world import SYSTEM, T0, World, round_robin
from sqlalchemy import Engine, text
from tests.conftest import count_statements

from coxswain.db.engine import make_engine, unit_of_work
from coxswain.routing.service import route_lead

REPS = ["a@x.com", "b@x.com", "c@x.com"]
NO_MATCHING = {"account_match": {"enabled": False}, "duplicates": {"enabled": False}}


@pytest.fixture
def pg_url(backend: str, database_url: str) -> str:
    if backend != "postgresql":
        pytest.skip("row locks and snapshots: PostgreSQL only")
    return database_url


def _setup(url: str, document: dict[str, Any], leads: int) -> list[uuid.UUID]:
    engine = make_engine(url)
    try:
        with unit_of_work(engine) as session:
            world = World(session)
            for email in REPS:
                world.user(email)
            world.publish(document)
            return [world.lead(f"L{i}").id for i in range(leads)]
    finally:
        engine.dispose()


def test_uncontended_route_takes_three_statements(pg_url: str) -> None:
    """Lock the lead; lock the pool and read reps, turns and open leads; write everything."""
    document = round_robin(*REPS, pool={"method": "load_balanced"}, **NO_MATCHING)
    ids = _setup(pg_url, document, 2)
    engine = make_engine(pg_url, pool_size=1)
    try:
        with unit_of_work(engine) as session:
            route_lead(session, SYSTEM, ids[0], as_of=T0)
        seen = count_statements(engine)
        with unit_of_work(engine) as session:
            result = route_lead(session, SYSTEM, ids[1], as_of=T0)
        assert len(seen) == 3, [s[:60] for s in seen]
        assert "FOR UPDATE" in seen[0]
        assert "FROM leads" in seen[0]
        assert "locked_pool" in seen[1]
        assert "routing_pool_members" in seen[1]
        assert seen[2].startswith("WITH retired AS")
        # load balanced: a already has one open lead, so the next goes to b (then by name)
        assert result.decision is not None
        assert result.decision.owner_email == "b@x.com"
    finally:
        engine.dispose()


def _wait_until_blocked(engine: Engine, timeout_s: float = 20.0) -> None:
    """Return once some backend waits for a row lock (polls pg_stat_activity)."""
    deadline = time.monotonic() + timeout_s
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query).scalar_one():
                return
    raise AssertionError("the second worker never waited for the pool lock")


@pytest.mark.parametrize("method", ["round_robin", "load_balanced"])
def test_worker_that_waited_for_the_pool_sees_the_holders_turn(pg_url: str, method: str) -> None:
    """A routes lead 0 and holds the pool lock; B's lock-and-read waits, A commits. B's one
    statement read its snapshot from before A's commit, so B must read again (the same
    statement, now current): it gives lead 1 to the next rep (round robin: b, after a; load balanced: b, a now has one open lead),
    at sequence 2, not a second time to a."""
    ids = _setup(pg_url, round_robin(*REPS, pool={"method": method}, **NO_MATCHING), 2)
    engine_a, engine_b = make_engine(pg_url, pool_size=1), make_engine(pg_url, pool_size=1)
    watcher = make_engine(pg_url, pool_size=1)
    seen_b = count_statements(engine_b)
    results: dict[str, Any] = {}

    def route_b() -> None:
        try:
            with unit_of_work(engine_b) as session:
                results["b"] = route_lead(session, SYSTEM, ids[1], as_of=T0)
        except Exception as exc:  # reported below
            results["error"] = exc

    try:
        with unit_of_work(engine_a) as session:
            first = route_lead(session, SYSTEM, ids[0], as_of=T0)
            thread = threading.Thread(target=route_b)
            thread.start()
            _wait_until_blocked(watcher)
        thread.join(timeout=30)
        assert "error" not in results, results.get("error")
        second = results["b"].decision
        assert first.decision is not None
        assert first.decision.owner_email == "a@x.com"
        assert second.owner_email == "b@x.com"
        assert (first.decision.pool_sequence, second.pool_sequence) == (1, 2)
        # lead, pool lock + read (stale), the same again (current: B holds the lock), write
        assert len(seen_b) == 4, [s[:60] for s in seen_b]
        assert seen_b[1] == seen_b[2]
    finally:
        for engine in (engine_a, engine_b, watcher):
            engine.dispose()
