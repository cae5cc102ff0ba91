"""Benchmark the Monte Carlo pipeline simulation: 10,000 simulations × 100,000 open deals.

Run: ``uv run python bench/bench_forecast_mc.py [--deals N] [--simulations S] [--repeat R]``.

The chance table has five rows (the slip buckets -14..+14 days the forecaster uses), the
common demand shock is on (sigma 0.3) and new business is added, as in a real forecast.
Prints the one-off Numba compile/load time, then each timed run and the best and median.
The issue's target: 10,000 simulations over 100,000 open deals in <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from coxswain.forecasting.engine.monte_carlo import simulate_bookings, slip_distribution


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--simulations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    slips, weights = slip_distribution(7.0)
    base = rng.beta(1.2, 4.0, args.deals)
    table = np.vstack([np.clip(base * (1 - 0.02 * s), 0, 1) for s in slips])
    amount = rng.lognormal(10, 1, args.deals)
    started = time.perf_counter()
    simulate_bookings(table[:, :10], amount[:10], slip_weights=weights, simulations=10)
    print(f"numba compile/load: {time.perf_counter() - started:.2f} s; cores: {os.cpu_count()}")
    timings, cpu = [], []
    for run in range(args.repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = simulate_bookings(
            table,
            amount,
            slip_weights=weights,
            sigma=0.3,
            new_business=1e6,
            simulations=args.simulations,
            seed=run,
        )
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        print(
            f"run {run + 1}: {timings[-1]:.3f} s wall, {cpu[-1]:.3f} s CPU  P10 {result.p10:,.0f}  "
            f"P50 {result.p50:,.0f}  P90 {result.p90:,.0f}"
        )
    print(
        f"{args.simulations:,} simulations x {args.deals:,} deals: best {min(timings):.3f} s, "
        f"median {statistics.median(timings):.3f} s (target <= 2 s); median CPU "
        f"{statistics.median(cpu):.3f} s over {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
