"""Benchmark: the analytics dashboard on 1M opportunities, ~4.2M stage changes, 2M leads.

Each measurement runs in a fresh child process (cold: nothing cached; peak RSS is the
child's). Two workloads, both for the 12 months to the data's as-of date plus the previous
12 months:

- ``kpis``: every KPI, overall and by rep (``coxswain kpis --by rep``);
- ``dashboard``: everything ``coxswain report html`` draws (KPIs by rep, monthly and weekly
  trends, funnel with time in stage, bottlenecks), rendered to HTML.

Engines: DuckDB over the Parquet extract, SQLite (the application database) and a
straightforward pandas implementation (bench_analytics_pandas.py) of the same KPIs, whose
headline numbers are checked against the engine's.

``duckdb`` reads the deal, lead and activity model kept beside the extract
(``<extract>/.coxswain-model``, built by the first report after the extract changes; the
first ``duckdb`` run of a fresh extract builds it, and writes the compiled SQL of its
queries there too, ``sql-cache.json``, which later runs read instead of compiling);
``duckdb-build`` opens the extract with ``keep_model=False`` and builds the model in
memory on every run (what the first report on a new extract pays, and what every report
paid before the store existed).

``sqlite`` reads the model files kept beside the database
(``.<database>.coxswain-model/``, built by the first report after the data changes, found
by the exact change marker of ``sources/model_files.py``) and runs the queries in the
worker processes of ``sources/sqlite_pool.py``; ``sqlite-build`` builds the model again
(``keep_model=False``: temporary tables, no workers), what a report paid before;
``sqlite-cold`` removes the model files first, then runs as ``sqlite`` (the first report
after a change: it builds and writes the files, then uses the workers). Peak RSS is the
reporting process's, plus ``workers`` (the largest worker's peak, times their number).

``--pycache DIR`` runs the children with ``PYTHONPYCACHEPREFIX=DIR``: with bytecode
compiled there beforehand (``PYTHONPYCACHEPREFIX=DIR python -m compileall -q
.venv/lib/python3.11/site-packages src``), a cold process no longer compiles Ibis,
sqlglot and pyarrow from source (this environment sets ``PYTHONDONTWRITEBYTECODE=1``; an
installed application has its bytecode, e.g. ``uv sync --compile-bytecode``).

    OUT=/work/bench-data
    uv run coxswain generate --opportunities 1000000 --format parquet \
        --out $OUT/analytics-1m-parquet
    uv run coxswain --db sqlite:///$OUT/analytics-1m.db import bundle $OUT/analytics-1m-parquet
    uv run python bench/bench_analytics.py --repeat 3
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
from datetime import UTC, date, datetime
from pathlib import Path
from statistics import median
from typing import Any

PARQUET = Path("/work/bench-data/analytics-1m-parquet")
SQLITE = Path("/work/bench-data/analytics-1m.db")
CHECKED = (
    "won_value",
    "won_deals",
    "win_rate",
    "created_deals",
    "new_leads",
    "sales_cycle_days_median",
    "open_deals",
    "lead_conversion_rate",
)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child_engine(
    engine: str, workload: str, parquet: Path, sqlite: Path, warm: bool
) -> dict[str, Any]:
    """One cold run (a fresh process: imports included), or with ``warm`` a second run in
    the same process (modules loaded, a new connection and workspace: what a server pays)."""
    if warm:
        _engine_run(engine, workload, parquet, sqlite)
    return _engine_run(engine, workload, parquet, sqlite)


def _engine_run(engine: str, workload: str, parquet: Path, sqlite: Path) -> dict[str, Any]:
    from coxswain.analytics.engine.dimensions import Dimension
    from coxswain.analytics.report.html import render_dashboard
    from coxswain.analytics.requests import ReportRequest
    from coxswain.analytics.service import dashboard, kpi_report
    from coxswain.analytics.sources.appdb import open_app_database
    from coxswain.analytics.sources.extracts import open_extract
    from coxswain.analytics.workspace import prepare

    started, cpu = time.perf_counter(), _cpu()
    if engine.startswith("sqlite"):
        if engine == "sqlite-cold":
            shutil.rmtree(sqlite.parent / f".{sqlite.name}.coxswain-model", ignore_errors=True)
        source = open_app_database(f"sqlite:///{sqlite}", keep_model=engine != "sqlite-build")
    else:
        source = open_extract(parquet, keep_model=engine == "duckdb")
    ws = prepare(source)
    prepared = time.perf_counter()
    if workload == "kpis":
        report = kpi_report(ws, ReportRequest(by=Dimension.REP))
        values = report.contract()
    else:
        result = dashboard(ws, ReportRequest())
        render_dashboard(result)
        values = result.kpis.contract()
    done = time.perf_counter()
    workers = 0 if ws.pool is None else source.workers
    source.close()  # (stops the workers: their peak RSS is then known)
    return {
        "workers": workers,
        "prepare_s": prepared - started,
        "queries_s": done - prepared,
        "total_s": done - started,
        "cpu_s": _cpu() - cpu,
        "queries": len(ws.log.entries),
        "as_of": ws.data_as_of.isoformat() if ws.data_as_of else None,
        "values": {slug: values[slug]["value"] for slug in CHECKED},
    }


def _child_pandas(_workload: str, parquet: Path, as_of: str) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_analytics_pandas as pandas_impl
    from coxswain.analytics.engine.periods import trailing_months

    end = date.fromisoformat(as_of)
    period = trailing_months(end)
    previous = period.previous()
    started, cpu = time.perf_counter(), _cpu()
    out = pandas_impl.dashboard(
        parquet, period.start, period.end, (previous.start, previous.end), end
    )
    done = time.perf_counter()
    deals = out[("current", None, "deals")][None]
    leads = out[("current", None, "leads")][None]
    values = {k: (float(v) if v is not None else None) for k, v in {**deals, **leads}.items()}
    return {
        "prepare_s": 0.0,
        "queries_s": done - started,
        "total_s": done - started,
        "cpu_s": _cpu() - cpu,
        "values": {k: values.get(k) for k in CHECKED},
        "workload_note": "pandas computes KPIs by rep, monthly won revenue and the funnel",
    }


def child(args: argparse.Namespace) -> None:
    if args.engine == "pandas":
        result = _child_pandas(args.workload, args.parquet, args.as_of)
    else:
        result = _child_engine(args.engine, args.workload, args.parquet, args.sqlite, args.warm)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["worker_rss_mb"] = worker_mb if result.get("workers") else 0.0
    result["total_rss_mb"] = result["peak_rss_mb"] + result.get("workers", 0) * worker_mb
    print(json.dumps(result))


def run_child(engine: str, workload: str, args: argparse.Namespace, as_of: str) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--engine",
        engine,
        "--workload",
        workload,
        "--parquet",
        str(args.parquet),
        "--sqlite",
        str(args.sqlite),
        "--as-of",
        as_of,
    ]
    env = dict(os.environ)
    if args.pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(args.pycache)
    load, started = os.getloadavg()[0], time.perf_counter()
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=3600, env=env
    )
    result: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    result["load"] = (load, os.getloadavg()[0])
    result["process_s"] = time.perf_counter() - started  # interpreter start and imports too
    return result


def _machine() -> str:
    model = "unknown CPU"
    try:
        for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=False
        ).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def _print_row(engine: str, workload: str, runs: list[dict[str, Any]]) -> None:
    best = min(runs, key=lambda r: r["total_s"])
    print(
        f"{engine:12s} {workload:10s} total {median(r['total_s'] for r in runs):7.2f} s "
        f"(whole process {median(r['process_s'] for r in runs):.2f}) "
        f"(best {best['total_s']:.2f}; prepare {best['prepare_s']:.2f}, "
        f"queries {best['queries_s']:.2f}) "
        f"cpu {best['cpu_s']:.2f} s (workers not counted), "
        f"peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB"
        f"{_workers_rss(runs)}; "
        f"runs {', '.join(format(r['total_s'], '.2f') for r in runs)}; "
        f"load {runs[0]['load'][0]:.1f} → {runs[-1]['load'][1]:.1f}"
    )


def _workers_rss(runs: list[dict[str, Any]]) -> str:
    workers = max(r.get("workers", 0) for r in runs)
    if not workers:
        return ""
    largest = max(r["worker_rss_mb"] for r in runs)
    total = max(r["total_rss_mb"] for r in runs)
    return f" + {workers} workers × ≤ {largest:.0f} MB = ≤ {total:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parquet", type=Path, default=PARQUET)
    parser.add_argument("--sqlite", type=Path, default=SQLITE)
    parser.add_argument("--engines", default="duckdb,pandas,sqlite")
    parser.add_argument("--workloads", default="kpis,dashboard")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--warm", action="store_true", help="time a second run in the process")
    parser.add_argument("--pycache", type=Path, help="PYTHONPYCACHEPREFIX for the children")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", default="2026-10-31", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    engines = args.engines.split(",")
    if not args.sqlite.is_file():
        for engine in [e for e in engines if e.startswith("sqlite")]:
            print(f"skipping {engine}: {args.sqlite} not found (see the module docstring)")
            engines.remove(engine)
    print(
        f"machine: {_machine()}; date {datetime.now(tz=UTC).date()}; "
        f"load average before: {os.getloadavg()}"
    )
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    as_of = "2026-10-31"
    for workload in args.workloads.split(","):
        for engine in engines:
            if engine == "pandas" and workload == "kpis":
                continue
            runs = [run_child(engine, workload, args, as_of) for _ in range(args.repeat)]
            results[(engine, workload)] = runs
            as_of = runs[0].get("as_of") or as_of
            _print_row(engine, workload, runs)
    print(f"load average after: {os.getloadavg()}")
    duck, pandas = results.get(("duckdb", "dashboard")), results.get(("pandas", "dashboard"))
    if duck and pandas:
        ratio = median(r["total_s"] for r in pandas) / median(r["total_s"] for r in duck)
        print(f"pandas ÷ DuckDB (dashboard, median wall time): {ratio:.1f}×")
        for slug in CHECKED:
            a, b = duck[0]["values"][slug], pandas[0]["values"][slug]
            same = a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b)) + 0.005
            print(
                f"  check {slug:26s} engine {a!s:>18} pandas {b!s:>22} "
                f"{'ok' if same else 'DIFFERS'}"
            )


if __name__ == "__main__":
    main()
