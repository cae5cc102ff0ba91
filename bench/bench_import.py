"""Benchmark ``coxswain import``: generated opportunities with their stage history, from CSV.

Run: ``uv run python bench/bench_import.py [--opportunities 1000000] [--backends sqlite,postgresql]
[--data DIR]``.

Generates a company once (``coxswain generate``, CSV) into ``--data`` (reused when present),
then for each backend creates a fresh database, imports the reference entities the deals need
(rates, stages, teams, users, products, accounts — not timed), and times the import of
``opportunities.csv`` and ``stage_changes.csv``, each in its own transaction as the CLI does.
Each timed file is imported by ``coxswain import`` in its own process, as a user runs it
(start-up included). Prints rows, wall and CPU seconds and rows/s per file and for both
together, and the peak resident memory of the importing process. The issue's
targets: >= 50,000 rows/s into SQLite, >= 100,000 rows/s into PostgreSQL, peak RSS <= 400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import psycopg

from coxswain.db import migrate
from coxswain.db.engine import make_engine, unit_of_work
from coxswain.imports.service import import_file
from coxswain.setup.service import seed_reference_data

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SETUP = (
    "exchange_rates",
    "stages",
    "lost_reasons",
    "teams",
    "users",
    "products",
    "accounts",
    "leads",
)
TIMED = ("opportunities", "stage_changes")


def ensure_data(folder: Path, opportunities: int) -> None:
    """Generate the company once, in another process (this one measures only the importer)."""
    if (folder / "stage_changes.csv").exists():
        return
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "coxswain",
            "generate",
            "--opportunities",
            str(opportunities),
            "--out",
            str(folder),
            "--seed",
            "7",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"generated {opportunities:,} opportunities in {time.perf_counter() - started:.1f} s")


def fresh_database(backend: str, scratch: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        path = scratch / "bench-import.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", None
    name = f"cx_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    return f"postgresql://postgres@127.0.0.1:5432/{name}", name


def drop_database(name: str | None) -> None:
    if name:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def timed_import(url: str, entity: str, path: Path) -> tuple[dict[str, Any], float, float, int]:
    """``coxswain import ENTITY FILE`` in its own process, as a user runs it: its report, wall
    and CPU seconds (user + system) and its peak resident memory (sampled every 20 ms)."""
    command = [sys.executable, "-m", "coxswain", "--db", url, "import", entity, str(path), "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    watched, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    out, _ = child.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        raise SystemExit(f"import of {path} failed with exit code {child.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(out), wall, cpu, peak


def run_backend(backend: str, data: Path, scratch: Path) -> None:
    url, pg_name = fresh_database(backend, scratch)
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            seed_reference_data(session)
        for entity in SETUP:
            with unit_of_work(engine) as session:
                import_file(session, entity=entity, path=data / f"{entity}.csv")
        engine.dispose()
        total_rows, total_wall, total_cpu, peak = 0, 0.0, 0.0, 0
        for entity in TIMED:
            report, wall, cpu, rss = timed_import(url, entity, data / f"{entity}.csv")
            assert report["rejected"] == 0, report["rejects_file"]
            rows = report["inserted"]
            total_rows, total_wall, total_cpu = (
                total_rows + rows,
                total_wall + wall,
                total_cpu + cpu,
            )
            peak = max(peak, rss)
            print(
                f"{backend:10} {entity:14} {rows:>10,} rows {wall:7.1f} s wall"
                f" {cpu:7.1f} s cpu {rows / wall:>9,.0f} rows/s  peak RSS {rss / 2**20:,.0f} MB",
                flush=True,
            )
        print(
            f"{backend:10} {'both':14} {total_rows:>10,} rows {total_wall:7.1f} s wall"
            f" {total_cpu:7.1f} s cpu {total_rows / total_wall:>9,.0f} rows/s"
            f"  peak RSS {peak / 2**20:,.0f} MB  (load average now {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    finally:
        drop_database(pg_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    data = args.data or Path(f"/tmp/coxswain-bench-import-{args.opportunities}")
    ensure_data(data, args.opportunities)
    scratch = Path("/tmp")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus,"
        f" load average {os.getloadavg()[0]:.2f}; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    for backend in args.backends.split(","):
        run_backend(backend, data, scratch)
    shutil.rmtree(scratch / "unused", ignore_errors=True)


if __name__ == "__main__":
    main()
