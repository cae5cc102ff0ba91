"""Backtest every forecasting method on one or more databases and print the tables.

Run: ``uv run python bench/bench_forecast_backtest.py URL [URL ...] [--periods 6]``
(e.g. a SQLite file after ``coxswain import maven`` or ``coxswain import bundle``).

Prints per database: load and backtest wall time, then per method WAPE, bias, P10–P90
coverage and periods, the best method and its WAPE reduction against the stage-weighted
baseline (target: at least 25 %; coverage target 70–90 %), then the per-period actuals and
forecasts.
"""

from __future__ import annotations

import argparse
import time

from coxswain.db.engine import make_engine, unit_of_work
from coxswain.forecasting import repository
from coxswain.forecasting.engine.backtest import run_backtest


def report(url: str, periods: int, kind: str) -> None:
    started = time.perf_counter()
    with unit_of_work(make_engine(url)) as session:
        history = repository.load_history(session)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    result = run_backtest(history, kind=kind, count=periods)
    took = time.perf_counter() - started
    print(f"\n## {url}: {history.size:,} deals; load {loaded:.1f} s, backtest {took:.1f} s")
    print("| method | WAPE | bias | P10-P90 coverage | periods |\n|---|---:|---:|---:|---:|")
    for name, s in result.scores.items():
        cov = "" if s.coverage_p10_p90 is None else f"{s.coverage_p10_p90:.0%}"
        print(f"| {name} | {s.wape:.1%} | {s.bias:+.1%} | {cov} | {s.periods} |")
    base = result.scores[result.baseline].wape
    best = result.scores[result.best]
    print(
        f"\nbest: {result.best} WAPE {best.wape:.1%} vs baseline {base:.1%}: "
        f"{1 - best.wape / base:.0%} lower"
    )
    names = list(result.scores)
    print("\n| period | actual | " + " | ".join(names) + " |\n|---|" + "---:|" * (len(names) + 1))
    for p in result.periods:
        cells = " | ".join(f"{p.forecasts[n].point:,.0f}" for n in names)
        print(f"| {p.period.label} | {p.actual:,.0f} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--periods", type=int, default=6)
    parser.add_argument("--kind", default="month")
    args = parser.parse_args()
    for url in args.urls:
        report(url, args.periods, args.kind)


if __name__ == "__main__":
    main()
