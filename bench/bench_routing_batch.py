"""Batch routing throughput: 100 rules over 200 reps, rules compiled once.

Prints: compile time; engine throughput (decide + apply, explanations recorded as facts);
the cost of rendering explanations (what a stored decision pays); and file to file
(read CSV → route → write CSV) without a database.

Usage: uv run python bench/bench_routing_batch.py [LEADS]   (default 100,000)
"""

from __future__ import annotations

import contextlib
import csv
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_routing_common import REPS, document, leads
from coxswain.routing.engine.compiler import compile_rules
from coxswain.routing.engine.router import Router
from coxswain.routing.engine.state import RepProfile, RoutingState
from coxswain.routing.files import read_leads_file, write_routing_csv
from coxswain.routing.gc_pause import cyclic_gc_paused

AS_OF = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)  # Tuesday: 10:00 New York, 16:00 Berlin


def fresh_state() -> RoutingState:
    zones = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles"]
    return RoutingState(
        {
            email: RepProfile(
                email=email, time_zone=zones[i % 4], out_of_office=i % 37 == 0,
                capacity_per_day=None if i % 3 else 400,
            )
            for i, email in enumerate(REPS)
        }
    )  # fmt: skip


def run_engine(
    rules: object, batch: list[dict[str, object]], *, pause_gc: bool = True
) -> tuple[float, float, list[object]]:
    """Route ``batch`` as ``route batch`` does (cyclic GC paused unless ``pause_gc`` is off)."""
    router = Router(rules, fresh_state())  # type: ignore[arg-type]
    wall, cpu = time.perf_counter(), time.process_time()
    with cyclic_gc_paused() if pause_gc else contextlib.nullcontext():
        decisions = [
            router.route(lead, as_of=AS_OF, lead_ref=str(lead["external_id"])) for lead in batch
        ]
    return time.perf_counter() - wall, time.process_time() - cpu, decisions


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"routing batch benchmark: {count:,} leads, 100 rules, 200 reps, pid {os.getpid()}")
    print(f"load average at start: {os.getloadavg()}")
    started = time.perf_counter()
    rules = compile_rules(document(), "bench")
    print(f"compile: {(time.perf_counter() - started) * 1000:.1f} ms (once)")
    batch = leads(count)
    runs = [run_engine(rules, batch) for _ in range(3)]
    walls = [w for w, _, _ in runs]
    cpus = [c for _, c, _ in runs]
    decisions = runs[-1][2]
    assigned = sum(1 for d in decisions if d.owner)  # type: ignore[attr-defined]
    print(
        f"engine: median {count / statistics.median(walls):,.0f} leads/s wall "
        f"({min(walls):.2f}-{max(walls):.2f} s over 3 runs), "
        f"{count / statistics.median(cpus):,.0f} leads/s CPU; {assigned:,} assigned"
    )
    sample = decisions[:20_000]
    started = time.perf_counter()
    for decision in sample:
        decision.to_dict()  # type: ignore[attr-defined]
    per = (time.perf_counter() - started) / len(sample) * 1e6
    print(f"rendering a stored explanation: {per:.1f} µs per decision")
    wall, cpu, _ = run_engine(rules, batch, pause_gc=False)
    print(f"engine without pausing the cyclic GC: {count / wall:,.0f} leads/s wall, "
          f"{count / cpu:,.0f} CPU (before the pause was added)")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "leads.csv", Path(folder) / "routed.csv"
        columns = ["lead_id", "email", "country", "state", "postal_code", "source", "industry",
                   "employees", "score", "language"]  # fmt: skip
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for lead in batch:
                writer.writerow([lead["external_id"], *(lead[c] for c in columns[1:-1]), "en"])
        started = time.perf_counter()
        rows = read_leads_file(source).rows
        read = time.perf_counter() - started
        router = Router(rules, fresh_state())
        with cyclic_gc_paused():
            routed = [router.route(r.fields, as_of=AS_OF, lead_ref=r.ref) for r in rows]
        write_routing_csv(out, routed)
        total = time.perf_counter() - started
        print(
            f"file to file: {count / total:,.0f} leads/s ({total:.2f} s; reading the CSV "
            f"{read:.2f} s)"
        )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
