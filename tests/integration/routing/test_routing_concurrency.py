"""Fair and safe under concurrency: real threads, real databases, real commits.

Eight workers route the same leads (each lead is offered to two workers) against PostgreSQL;
on SQLite four workers do the same (writers serialise on the database lock). Afterwards:
no lead is lost or assigned twice, pool sequence numbers have no gaps, and ordered by them
the owners cycle exactly, so over any window equal-weight reps differ by at most one.
"""

from __future__ import annotations

import queue
import random
import threading
import uuid
from collections import Counter
from typing import Any

import pytest
from routing_world import SYSTEM, T0, World, round_robin
from sqlalchemy import Engine, func, select

from coxswain.db.engine import unit_of_work
from coxswain.leads.models import Lead
from coxswain.routing.models import RoutingDecision
from coxswain.routing.service import route_lead

REPS = [f"rep{i}@x.com" for i in range(5)]


def setup_org(engine: Engine, leads: int, document: dict[str, Any]) -> list[uuid.UUID]:
    with unit_of_work(engine) as session:
        world = World(session)
        for email in REPS:
            world.user(email)
        world.publish(document)
        return [world.lead(f"L{i:04d}").id for i in range(leads)]


def route_concurrently(engine: Engine, lead_ids: list[uuid.UUID], workers: int) -> list[str]:
    """Offer every lead to two workers; return the errors raised (there should be none)."""
    work: queue.Queue[uuid.UUID] = queue.Queue()
    offers = lead_ids * 2
    random.Random(7).shuffle(offers)
    for lead_id in offers:
        work.put(lead_id)
    errors: list[str] = []

    def worker() -> None:
        while True:
            try:
                lead_id = work.get_nowait()
            except queue.Empty:
                return
            try:
                with unit_of_work(engine) as session:
                    route_lead(session, SYSTEM, lead_id, as_of=T0)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def owners_in_sequence(engine: Engine) -> tuple[list[str], list[int]]:
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(RoutingDecision.owner_email, RoutingDecision.pool_sequence).order_by(
                RoutingDecision.pool_sequence
            )
        ).all()
    return [row[0] for row in rows], [row[1] for row in rows]


def assert_nothing_lost_or_doubled(engine: Engine, count: int) -> None:
    with unit_of_work(engine) as session:
        per_lead = session.execute(
            select(RoutingDecision.lead_id, func.count()).group_by(RoutingDecision.lead_id)
        ).all()
        unowned = session.scalar(select(func.count()).where(Lead.owner_id.is_(None)))
    assert len(per_lead) == count
    assert {n for _, n in per_lead} == {1}
    assert unowned == 0


def max_window_gap(owners: list[str], reps: list[str]) -> int:
    """The largest difference between two reps' counts over any contiguous window."""
    prefix = {rep: [0] for rep in reps}
    for owner in owners:
        for rep in reps:
            prefix[rep].append(prefix[rep][-1] + (owner == rep))
    worst = 0
    for start in range(len(owners)):
        for end in range(start + 1, len(owners) + 1):
            counts = [prefix[rep][end] - prefix[rep][start] for rep in reps]
            worst = max(worst, max(counts) - min(counts))
    return worst


@pytest.mark.slow
def test_round_robin_is_exact_with_concurrent_workers(engine: Engine, backend: str) -> None:
    count, workers = (400, 8) if backend == "postgresql" else (120, 4)
    lead_ids = setup_org(engine, count, round_robin(*REPS))
    assert route_concurrently(engine, lead_ids, workers) == []
    assert_nothing_lost_or_doubled(engine, count)
    owners, sequences = owners_in_sequence(engine)
    assert sequences == list(range(1, count + 1))
    assert owners == [REPS[i % len(REPS)] for i in range(count)]
    assert max_window_gap(owners, REPS) <= 1
    assert set(Counter(owners).values()) == {count // len(REPS)}


@pytest.mark.slow
def test_weighted_round_robin_keeps_its_weights_with_concurrent_workers(
    engine: Engine, backend: str
) -> None:
    weights = [3, 2, 1]
    members = [{"rep": rep, "weight": w} for rep, w in zip(REPS, weights, strict=False)]
    document = round_robin(pool={"method": "weighted_round_robin", "members": members})
    cycles = 30 if backend == "postgresql" else 10
    count = cycles * sum(weights)
    lead_ids = setup_org(engine, count, document)
    assert route_concurrently(engine, lead_ids, 8 if backend == "postgresql" else 4) == []
    assert_nothing_lost_or_doubled(engine, count)
    owners, sequences = owners_in_sequence(engine)
    assert sequences == list(range(1, count + 1))
    for cycle in range(cycles):
        chunk = Counter(owners[cycle * 6 : (cycle + 1) * 6])
        assert [chunk[rep] for rep in REPS[:3]] == weights
