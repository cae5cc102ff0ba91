"""Where a dashboard spends its time: every query it ran, slowest first, with its time.

On SQLite (the application database, model files kept) each query's time is the worker
process's; on DuckDB (the extract) the query thread's. Each query is shown by a digest of
its SQL, its length, the model tables it reads and its ``GROUP BY``; ``--dump FILE``
writes the SQL too (JSON), to time a query alone or try a variant of it.

    uv run python bench/bench_analytics_queries.py --engine sqlite
    uv run python bench/bench_analytics_queries.py --engine duckdb --dump /tmp/queries.json

The data is ``bench_analytics.py``'s (``/work/bench-data``; see its docstring).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coxswain.analytics import workspace as workspace_module
from coxswain.analytics.report.html import render_dashboard
from coxswain.analytics.requests import ReportRequest
from coxswain.analytics.service import dashboard
from coxswain.analytics.sources import sqlite_pool
from coxswain.analytics.sources.appdb import open_app_database
from coxswain.analytics.sources.extracts import open_extract
from coxswain.analytics.sources.fetch import Compiled, run_compiled

PARQUET = Path("/work/bench-data/analytics-1m-parquet")
SQLITE = Path("/work/bench-data/analytics-1m.db")

Record = tuple[float, str]  # seconds, SQL


def _record_sqlite(records: list[Record]) -> None:
    submit = sqlite_pool.SqlitePool.submit

    def recording(
        pool: Any, sql: str, attachments: Any, columns: Any, done: Callable[[float], None]
    ) -> Any:
        def timed(took: float) -> None:
            records.append((took, sql))
            done(took)

        return submit(pool, sql, attachments, columns, timed)

    setattr(sqlite_pool.SqlitePool, "submit", recording)  # noqa: B010 (what the workspace calls)


def _record_duckdb(records: list[Record]) -> None:
    def recording(compiled: Compiled) -> list[dict[str, Any]]:
        started = time.perf_counter()
        rows = run_compiled(compiled)
        records.append((time.perf_counter() - started, compiled.sql))
        return rows

    setattr(workspace_module, "run_compiled", recording)  # noqa: B010 (what the workspace calls)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=("sqlite", "duckdb"), default="sqlite")
    parser.add_argument("--parquet", type=Path, default=PARQUET)
    parser.add_argument("--sqlite", type=Path, default=SQLITE)
    parser.add_argument("--dump", type=Path, help="write every query's SQL and time (JSON)")
    args = parser.parse_args()
    records: list[Record] = []
    if args.engine == "sqlite":
        _record_sqlite(records)
        source = open_app_database(f"sqlite:///{args.sqlite}")
    else:
        _record_duckdb(records)
        source = open_extract(args.parquet)
    started = time.perf_counter()
    with source:
        ws = workspace_module.prepare(source)
        prepared = time.perf_counter()
        render_dashboard(dashboard(ws, ReportRequest()))
        done = time.perf_counter()
    print(f"prepare {prepared - started:.2f} s, dashboard {done - prepared:.2f} s")
    out = []
    for took, sql in sorted(records, key=lambda r: -r[0]):
        digest = hashlib.md5(sql.encode()).hexdigest()[:6]
        tables = sorted(set(re.findall(r'"(cx_[a-z_]+)"\s+AS', sql)))
        group = re.search(r"GROUP BY (.{0,60})", sql)
        by = group.group(1) if group else "-"
        print(f"{took:7.3f} s  {digest}  {len(sql):6d} chars  {','.join(tables):28s} by {by}")
        out.append({"seconds": took, "digest": digest, "sql": sql})
    print(f"{sum(r[0] for r in records):7.3f} s  in all, {len(records)} queries")
    if args.dump:
        args.dump.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
