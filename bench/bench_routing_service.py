"""Routing one lead through the service with persistence on PostgreSQL, 8 concurrent workers.

Each worker is a process with its own engine; every lead is routed in its own transaction
(lock lead, lock pools, decide, store decision + owner + history + rotation, commit). The
latency is measured around the whole unit of work, commit included. Leads spread over the
100 rules and 40 pools of bench_routing_common (200 reps).

Each worker first routes WARMUP leads of its own, uncounted (a server process is warm: rules
compiled, statements cached and prepared). In the arrival-rate runs the arrivals are open
loop and evenly spaced at the total rate across the workers (worker i starts i / rate after
worker 0), and latency counts from each lead's scheduled arrival, so a worker that falls
behind shows its queueing delay (no coordinated omission).

Usage: RATES=50,100 uv run python bench/bench_routing_service.py [LEADS_PER_WORKER] [WORKERS]
   [--matching]   (default 300 per worker, 8 workers; --matching turns account matching and
   duplicate detection on, with 1,000 accounts). Runs: 1 worker back to back; the workers back
   to back (saturation); then the workers with leads arriving at each total rate in RATES.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from typing import Any

import psycopg
from sqlalchemy import event

from bench_routing_common import REPS, document, leads
from coxswain.accounts.models import Account
from coxswain.auth.principal import Principal
from coxswain.db import migrate
from coxswain.db.engine import make_engine, unit_of_work
from coxswain.leads.models import Lead
from coxswain.people.models import User
from coxswain.routing.rules_store import publish_rule_set
from coxswain.routing.service import route_lead
from coxswain.setup.service import seed_reference_data

ADMIN = os.environ.get("COXSWAIN_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
SYSTEM = Principal.system("bench")
WARMUP = 10


def admin(sql: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


def setup(url: str, count: int, matching: bool) -> list[uuid.UUID]:
    from datetime import UTC, datetime

    engine = make_engine(url)
    migrate.upgrade(engine)
    doc = document()
    if matching:
        doc["account_match"] = {"enabled": True}
        doc["duplicates"] = {"enabled": True}
    with unit_of_work(engine) as session:
        seed_reference_data(session, reporting_currency="USD")
        users = [User(email=email, full_name=email, role="rep") for email in REPS]
        session.add_all(users)
        session.flush()
        for i in range(1000 if matching else 0):
            session.add(Account(name=f"Account {i:04d} Holdings", domain=f"acct{i}.example",
                                owner_id=users[i % len(users)].id))  # fmt: skip
        publish_rule_set(session, SYSTEM, doc, source_name="bench", at=datetime.now(UTC))
        rows = [Lead(status="mql", **{k: v for k, v in lead.items() if k != "attributes"},
                     attributes=lead["attributes"]) for lead in leads(count)]  # fmt: skip
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
    engine.dispose()
    return ids


def worker(
    url: str, ids: list[uuid.UUID], barrier: Any, out: Any, rate: float = 0.0, offset: float = 0.0
) -> None:
    """Route ``ids`` one transaction each (the first WARMUP uncounted). ``rate`` > 0: leads
    arrive at that rate (per worker, evenly spaced, the first ``offset`` seconds after the
    start) and latency counts from the arrival; 0: back to back."""
    from datetime import UTC, datetime

    engine = make_engine(url, pool_size=1)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    for lead_id in ids[:WARMUP]:
        with unit_of_work(engine) as session:
            route_lead(session, SYSTEM, lead_id, as_of=datetime.now(UTC))
    event.listen(engine, "before_cursor_execute", count)
    barrier.wait()
    latencies = []
    cpu = time.process_time()
    begin = time.perf_counter() + offset
    for number, lead_id in enumerate(ids[WARMUP:]):
        arrival = begin + number / rate if rate else time.perf_counter()
        pause = arrival - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        with unit_of_work(engine) as session:
            route_lead(session, SYSTEM, lead_id, as_of=datetime.now(UTC))
        latencies.append(time.perf_counter() - arrival)
    out.put((latencies, statements[0], time.process_time() - cpu))
    engine.dispose()


def run(
    url: str, ids: list[uuid.UUID], workers: int, rate: float = 0.0
) -> tuple[list[float], float, int, float]:
    """``rate``: total arrivals per second across the workers (0: as fast as possible).
    ``ids``: WARMUP leads per worker, then the measured ones."""
    barrier = mp.Barrier(workers + 1)
    out: Any = mp.Queue()
    warm, measured = ids[: WARMUP * workers], ids[WARMUP * workers :]
    shares = [warm[i::workers] + measured[i::workers] for i in range(workers)]
    procs = [
        mp.Process(
            target=worker,
            args=(url, share, barrier, out, rate / workers, i / rate if rate else 0.0),
        )
        for i, share in enumerate(shares)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.perf_counter()
    results = [out.get() for _ in procs]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    latencies = [x for r in results for x in r[0]]
    return latencies, elapsed, sum(r[1] for r in results), sum(r[2] for r in results)


def report(label: str, latencies: list[float], elapsed: float, statements: int, cpu: float) -> None:
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100)
    print(
        f"{label}: {len(ms):,} leads, {len(ms) / elapsed:,.0f} leads/s; latency ms "
        f"p50 {q[49]:.1f}, p95 {q[94]:.1f}, p99 {q[98]:.1f}, max {ms[-1]:.1f}; "
        f"{statements / len(ms):.1f} SQL statements and "
        f"{cpu / len(ms) * 1000:.1f} ms of client CPU per lead"
    )


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    per_worker = int(args[0]) if args else 300
    workers = int(args[1]) if len(args) > 1 else 8
    matching = "--matching" in sys.argv
    name = f"cx_bench_routing_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{name}"')
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        print(f"load average at start: {os.getloadavg()}; matching={'on' if matching else 'off'}")
        rates = [float(r) for r in os.environ.get("RATES", "50,100").split(",") if r]
        sizes = [1, *([workers] * (1 + len(rates)))]
        ids = setup(url, sum((per_worker + WARMUP) * size for size in sizes), matching)
        chunks, start = [], 0
        for size in sizes:
            chunks.append(ids[start : start + (per_worker + WARMUP) * size])
            start += (per_worker + WARMUP) * size
        report("1 worker, back to back", *run(url, chunks[0], 1))
        report(f"{workers} workers, back to back", *run(url, chunks[1], workers))
        for rate, chunk in zip(rates, chunks[2:], strict=True):
            report(f"{workers} workers, {rate:g} leads/s arriving", *run(url, chunk, workers, rate))
        print(f"load average at end: {os.getloadavg()}")
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
