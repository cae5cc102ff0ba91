"""Benchmark ``coxswain generate``: 1,000,000 opportunities and the rest, to CSV and Parquet.

Run: ``uv run python bench/bench_generate.py [--opportunities N] [--formats csv,parquet]``.

Prints, per format: seconds per generation phase (time until the engine yields each entity,
measured in the generating thread while writer threads already write earlier entities),
seconds each entity file took to write (these overlap the generation), rows and size per entity,
total wall and CPU seconds, and the peak resident memory (sampled with psutil every 20 ms).
The issue's target: 1M opportunities to CSV in <= 30 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

from coxswain.generator.engine.columns import Entity
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import (
    FileFormat,
    WrittenFile,
    prefer_small_pages,
    write_entities,
)


class PeakRss:
    """Samples this process's resident memory in a background thread; ``peak`` in bytes."""

    def __init__(self, interval: float = 0.02) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(entities: Iterator[Entity], phases: list[tuple[str, float]]) -> Iterator[Entity]:
    """Pass entities through, recording how long the engine took to produce each one."""
    last = time.perf_counter()
    for entity in entities:
        now = time.perf_counter()
        phases.append((entity.name, now - last))
        yield entity
        last = time.perf_counter()


def run(config: GeneratorConfig, file_format: FileFormat) -> None:
    phases: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="coxswain-bench-") as tmp, PeakRss() as rss:
        cpu_before = time.process_time()
        started = time.perf_counter()
        written = write_entities(timed(iter_entities(config), phases), Path(tmp), file_format)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
    report(file_format, phases, written, wall, cpu, rss.peak)


def report(
    file_format: FileFormat,
    phases: list[tuple[str, float]],
    written: list[WrittenFile],
    wall: float,
    cpu: float,
    peak: int,
) -> None:
    head = f"{file_format.value}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak / 1e6:,.0f} MB"
    print(f"\n== {head}")
    print(f"{'entity':16} {'generate s':>10} {'write s':>8} {'rows':>11} {'MB':>8}")
    generate = dict(phases)
    for item in written:
        print(
            f"{item.entity:16} {generate[item.entity]:10.2f} {item.seconds:8.2f} "
            f"{item.rows:11,} {item.bytes / 1e6:8.1f}"
        )
    total_rows = sum(item.rows for item in written)
    total_mb = sum(item.bytes for item in written) / 1e6
    print(f"{'total':16} {sum(generate.values()):10.2f} {'':>8} {total_rows:11,} {total_mb:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    config = GeneratorConfig(seed=args.seed, opportunities=args.opportunities)
    prefer_small_pages()
    print(f"{config.opportunities:,} opportunities, {config.reps} reps, {os.cpu_count()} CPUs")
    for name in args.formats.split(","):
        run(config, FileFormat(name))


if __name__ == "__main__":
    main()
