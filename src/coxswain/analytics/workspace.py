"""A prepared analytics workspace: the model built (and stored) on a source's engine.

Preparing reads the small reference tables (stages, rates, teams, people, targets) into
memory, builds the model tables, stores them when the engine benefits (see
``model_tables.py``: kept between runs where the source allows, else temporary tables),
and finds the data's as-of date. Every report then queries the stored model, on DuckDB
from a second thread and on SQLite from worker processes (see :meth:`Workspace.run_steps`).
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from coxswain.analytics.engine.compute import Runner
from coxswain.analytics.engine.expressions import Dialect
from coxswain.analytics.engine.grouping_sets import GroupingSetsQuery
from coxswain.analytics.engine.model import (
    Model,
    StageInfo,
    build_model,
)
from coxswain.analytics.engine.money import RateCalendar, RateRow, rate_calendar
from coxswain.analytics.engine.periods import from_day_number
from coxswain.analytics.engine.steps import BatchRunner, Steps, drive
from coxswain.analytics.engine.targets import Org, TargetRow
from coxswain.analytics.model_tables import materializer, rate_table
from coxswain.analytics.sources import model_files
from coxswain.analytics.sources.base import AnalyticsSource
from coxswain.analytics.sources.fetch import (
    Compiled,
    Query,
    compile_duckdb,
    fetch_rows,
    run_compiled,
)
from coxswain.analytics.sources.model_files import Attached
from coxswain.analytics.sources.sql_cache import FILE as SQL_CACHE_FILE
from coxswain.analytics.sources.sql_cache import SqlCache
from coxswain.analytics.sources.sqlite_pool import SqlitePool, converters
from coxswain.core.clock import Clock, SystemClock

Submit = Callable[[Query, str], Future[list[dict[str, Any]]]]


def _reads_memory(table: ir.Table) -> bool:
    """Whether ``table`` reads an in-memory table (registered on this connection only)."""
    return bool(table.op().find(ops.InMemoryTable))


@dataclass
class QueryLog:
    """Every query a workspace ran, with its wall time in seconds (for --profile and benches)."""

    entries: list[tuple[str, float]] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(seconds for _, seconds in self.entries)


@dataclass
class Workspace:
    """The model on one engine plus what reports need in memory."""

    source: AnalyticsSource
    model: Model
    calendar: RateCalendar
    org: Org
    targets: list[TargetRow]
    data_as_of: date | None
    log: QueryLog
    cache: dict[str, Any] = field(default_factory=dict)
    sql_cache: SqlCache | None = None  # compiled SQL kept beside the extract's model
    attached: list[Attached] = field(default_factory=list)  # SQLite model files in use
    temp_models: list[str] = field(default_factory=list)  # model tables stored as TEMP
    setup_sql: list[str] = field(default_factory=list)  # what fills the TEMP rate table
    pool: SqlitePool | None = None  # SQLite worker processes, once started

    @property
    def dialect(self) -> Dialect:
        return self.source.dialect

    @property
    def reporting_currency(self) -> str:
        return self.source.reporting_currency

    def run(self, expr: Query, label: str = "query") -> list[dict[str, Any]]:
        """Execute ``expr`` on the source's engine and return its rows as dictionaries."""
        started = time.perf_counter()
        rows = fetch_rows(expr, self.sql_cache)
        self.log.entries.append((label, time.perf_counter() - started))
        return rows

    def runner(self, label: str) -> Runner:
        return lambda expr: self.run(expr, label)

    def run_all(self, exprs: Iterable[Query], label: str = "query") -> list[list[dict[str, Any]]]:
        """The rows of each query of ``exprs``, in order.

        On DuckDB a second thread runs each query while this one builds (``exprs`` may be
        a generator) and compiles the next: the Python work overlaps DuckDB's, which
        releases the GIL. On SQLite with the model in files, worker processes run them
        side by side (see ``sqlite_pool.py``). Only SQL text goes to a thread or worker.
        Elsewhere one after another.
        """
        with self._submitter() as submit:
            if submit is None:
                return [self.run(expr, label) for expr in exprs]
            pending = [submit(expr, label) for expr in exprs]
            self._save_sql()
            return [future.result() for future in pending]

    def run_steps(self, steps: Sequence[tuple[str, Steps[Any]]]) -> list[Any]:
        """The answer of each labelled computation of ``steps``, in order.

        Where queries can run beside this thread (see :meth:`run_all`) they are
        interleaved: each computation's first batch of queries is built and sent at once,
        then the batches are awaited in the order they were sent, and each computation,
        given its rows, builds and sends its next batch (or finishes) while the engine
        runs the others' queries. So the engine does not wait while Python builds the next
        section of a report, nor Python while the engine runs. Elsewhere (and in the
        answers) it is as if each were run to its end in turn.
        """
        answers: list[Any] = [None] * len(steps)
        waiting: deque[tuple[int, list[Future[list[dict[str, Any]]]]]] = deque()
        with self._submitter() as submit:
            if submit is None:
                return [drive(s, self.batch_runner(label)) for label, s in steps]

            def advance(index: int, rows: list[list[dict[str, Any]]] | None) -> None:
                label, computation = steps[index]
                try:
                    batch = next(computation) if rows is None else computation.send(rows)
                except StopIteration as stop:
                    answers[index] = stop.value
                    return
                waiting.append((index, [submit(q, label) for q in batch]))

            try:
                for index in range(len(steps)):
                    advance(index, None)
                self._save_sql()  # (while the first queries run)
                while waiting:
                    index, futures = waiting.popleft()
                    advance(index, [future.result() for future in futures])
            except BaseException:
                for _, futures in waiting:
                    for future in futures:
                        future.cancel()
                raise
        self._save_sql()
        return answers

    @contextmanager
    def _submitter(self) -> Iterator[Submit | None]:
        """What sends a query to run beside this thread (``None``: run them here)."""
        if self.source.engine == "duckdb":
            with ThreadPoolExecutor(1, thread_name_prefix="coxswain-query") as threads:
                try:
                    yield lambda expr, label: self._submit(threads, expr, label)
                except BaseException:
                    threads.shutdown(cancel_futures=True)
                    raise
            return
        pool = self._sqlite_pool()
        yield None if pool is None else (lambda expr, label: self._submit_sqlite(pool, expr, label))

    def _sqlite_pool(self) -> SqlitePool | None:
        """The worker processes of a SQLite source whose model is all in files, large
        enough to be worth them (started on first use, stopped when the source closes)."""
        if self.pool is not None:
            return self.pool
        files, source = self.source.model_files, self.source
        if source.engine != "sqlite" or files is None or source.workers < 2:
            return None
        if not self.attached or self.temp_models:
            return None
        if sum(a.path.stat().st_size for a in self.attached) < source.pool_min_bytes:
            return None
        self.pool = pool = SqlitePool(str(files.database), self.setup_sql, source.workers)
        source.on_close(pool.close)
        return pool

    def _submit_sqlite(
        self, pool: SqlitePool, expr: Query, label: str
    ) -> Future[list[dict[str, Any]]]:
        """``expr`` compiled here and run by a worker (run here at once when its result
        has types a worker's plain rows cannot give, or it reads an in-memory table)."""
        table = (expr.expr if isinstance(expr, GroupingSetsQuery) else expr).as_table()
        columns = converters(table.schema())
        if columns is None or isinstance(expr, GroupingSetsQuery) or _reads_memory(table):
            done: Future[list[dict[str, Any]]] = Future()
            done.set_result(self.run(expr, label))
            return done
        sql = str(self.source.backend.compile(table))
        attachments = [(a.alias, str(a.path)) for a in self.attached]
        return pool.submit(
            sql, attachments, columns, lambda took: self.log.entries.append((label, took))
        )

    def _save_sql(self) -> None:
        if self.sql_cache is not None:
            self.sql_cache.save()

    def _submit(
        self, pool: ThreadPoolExecutor, expr: Query, label: str
    ) -> Future[list[dict[str, Any]]]:
        """``expr`` compiled here and run on ``pool``'s thread (another engine's table:
        run here at once)."""
        compiled = compile_duckdb(expr, self.sql_cache)
        if compiled is None:
            done: Future[list[dict[str, Any]]] = Future()
            done.set_result(self.run(expr, label))
            return done
        return pool.submit(self._run_compiled, compiled, label)

    def _run_compiled(self, compiled: Compiled, label: str) -> list[dict[str, Any]]:
        started = time.perf_counter()
        rows = run_compiled(compiled)
        self.log.entries.append((label, time.perf_counter() - started))
        return rows

    def batch_runner(self, label: str) -> BatchRunner:
        return lambda exprs: self.run_all(exprs, label)


def _rows(source: AnalyticsSource, name: str) -> list[dict[str, Any]]:
    """A small reference table's rows (through the source's local reader when it has one)."""
    tables = source.context.get("reference_tables") or source.tables
    return fetch_rows(tables[name])


def _calendar(source: AnalyticsSource) -> RateCalendar:
    rows = [
        RateRow(
            r["currency"],
            r["quote_currency"] or source.reporting_currency,
            int(r["effective_day"]),
            float(r["rate"]),
        )
        for r in _rows(source, "rates")
        if r["currency"] and r["effective_day"] is not None and r["rate"] is not None
    ]
    return rate_calendar(rows, source.reporting_currency)


def _org(source: AnalyticsSource) -> Org:
    rows = _rows(source, "teams")
    teams = {r["team_id"]: (r["team"], r["parent_id"]) for r in rows}
    users = {r["user_id"]: (r["full_name"], r["team_id"]) for r in _rows(source, "users")}
    segments = {r["team"]: r["segment"] for r in rows if r["segment"]}
    return Org(teams, users, segments)


def _targets(source: AnalyticsSource, calendar: RateCalendar) -> list[TargetRow]:
    factors = {(c, d): f for c, d, f, _ in calendar.rows}
    out = []
    for r in _rows(source, "targets"):
        factor = 1.0 if r["currency"] == calendar.reporting else None
        if factor is None and calendar.first_day is not None and calendar.last_day is not None:
            day = min(max(int(r["start_day"]), calendar.first_day), calendar.last_day)
            factor = factors.get((r["currency"], day))
        if factor is None or r["amount_local"] is None:
            continue
        out.append(
            TargetRow(
                int(r["start_day"]),
                int(r["end_day"]),
                str(r["scope"]),
                r["team_id"],
                r["user_id"],
                float(r["amount_local"]) * factor,
            )
        )
    return out


def _stages(source: AnalyticsSource) -> list[StageInfo]:
    return [
        StageInfo(r["pipeline"], r["stage"], int(r["position"]), r["category"])
        for r in _rows(source, "stages")
    ]


def _data_as_of(workspace: Workspace) -> date | None:
    """The last day anything happened in the data: a close, a creation, a lead, an activity
    (three queries, side by side where the engine allows: each scans a large table). On a
    SQLite database whose model is kept in files, the day is kept there too, found again
    while the data is unchanged (``model_files.remembered``: the scans took about 1 s of
    every report at 1M deals)."""
    m = workspace.model
    deals = m.deal_days  # not the stored deals: those are built on first use
    parts = [
        deals.aggregate(day=ibis.greatest(deals.closed_day.max(), deals.created_day.max())),
        m.leads.aggregate(day=m.leads.received_day.max()),
        m.activities.aggregate(day=m.activities.occurred_day.max()),
    ]
    queries = [p.select(day=p.day.cast("int64")) for p in parts]

    def last_day() -> int | None:
        results = workspace.run_all(queries, "as-of")
        days = [int(rows[0]["day"]) for rows in results if rows and rows[0]["day"] is not None]
        return max(days) if days else None

    source = workspace.source
    if source.model_files is not None:
        sql = "\n".join(str(source.backend.compile(q)) for q in queries)
        day = model_files.remembered(source.backend, source.model_files, "as-of", sql, last_day)
    else:
        day = last_day()
    return None if day is None else from_day_number(int(day))


def prepare(
    source: AnalyticsSource, *, clock: Clock | None = None, materialize: bool | None = None
) -> Workspace:
    """Build the model on ``source``'s engine and find the data's as-of date.

    The as-of date is the last day with data, but never after today (by ``clock``).
    """
    log = QueryLog()
    calendar = _calendar(source)
    stages = _stages(source)
    keep = source.materialize if materialize is None else materialize
    sql_cache = None  # compiled SQL kept beside an extract's model (DuckDB)
    if source.model_store is not None and source.engine == "duckdb":
        sql_cache = SqlCache(source.model_store.folder / SQL_CACHE_FILE)
    attached: list[Attached] = []
    temp_models: list[str] = []
    rates, rate_sql = rate_table(source, calendar)
    # A kept model's key covers the rate table it joins (a temporary table, not in the
    # database's change marker).
    salt = hashlib.sha256("\n".join(rate_sql).encode()).hexdigest() if source.model_files else ""
    model = build_model(
        source.tables,
        calendar,
        stages,
        rates=rates,
        materialize=materializer(source, log.entries, sql_cache, salt, attached, temp_models)
        if keep
        else None,
        stored=source.stored,
    )
    workspace = Workspace(
        source,
        model,
        calendar,
        _org(source),
        _targets(source, calendar),
        None,
        log,
        sql_cache=sql_cache,
        attached=attached,
        temp_models=temp_models,
        setup_sql=rate_sql,
    )
    data_day = _data_as_of(workspace)
    today = (clock or SystemClock()).now().date()
    workspace.data_as_of = min(data_day, today) if data_day else None
    return workspace
