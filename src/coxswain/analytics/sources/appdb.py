"""Canonical tables from the application database (SQLite or PostgreSQL) through Ibis.

A thin mapping: ids become strings, business dates day numbers, instants epoch seconds,
``amount_minor`` becomes major units with the currency's exponent, stage ids become the
pipeline and stage names. Soft-deleted rows are left out.

``owner_ids`` restricts deals, leads and activities to those owners (a caller's row-level
visibility, see ``coxswain.auth.visibility``): every report over such a source covers only
what that caller may see. Records without an owner are then left out too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from sqlalchemy.engine import make_url

from coxswain.analytics.engine import schema
from coxswain.analytics.errors import AnalyticsRequestError
from coxswain.analytics.sources.appdb_sqlite import connect_report_backend
from coxswain.analytics.sources.base import AnalyticsSource
from coxswain.analytics.sources.model_files import WATCHED, ModelFiles
from coxswain.core.settings import get_settings
from coxswain.db.engine import normalize_url

DayFn = Callable[[ir.DateValue], ir.IntegerValue]


def _sqlite_day(value: ir.DateValue) -> ir.IntegerValue:
    # STRFTIME('%s', date) is native SQLite; Ibis' epoch_days() calls back into Python.
    return value.strftime("%s").cast("int64") // 86_400


def _native_day(value: ir.DateValue) -> ir.IntegerValue:
    return value.epoch_days().cast("int64")


def _seconds(value: ir.TimestampValue) -> ir.IntegerValue:
    return value.epoch_seconds().cast("int64")


def _id(value: ir.Value) -> ir.StringValue:
    """Ids as text. SQLite stores UUIDs as CHAR(32) already: casting there would only hide
    the column from its indexes (a join on CAST(...) cannot use them)."""
    return value if value.type().is_string() else value.cast("string")


def _alive(table: ir.Table) -> ir.Table:
    return table.filter(table.deleted_at.isnull()) if "deleted_at" in table.columns else table


class _Mapper:
    """Builds each canonical table from the application tables of one connection."""

    def __init__(
        self, backend: Any, day: DayFn, owner_ids: Collection[uuid.UUID] | None = None
    ) -> None:
        self.b = backend
        self.day = day
        self.owner_ids = None if owner_ids is None else sorted(owner_ids)

    def t(self, name: str) -> ir.Table:
        return _alive(self.b.table(name))

    def owned(self, table: ir.Table) -> ir.Table:
        """``table`` restricted to the visible owners (unchanged when unrestricted)."""
        if self.owner_ids is None:
            return table
        column = table.owner_id
        if column.type().is_string():  # SQLite: CHAR(32) hex
            return table.filter(column.isin([o.hex for o in self.owner_ids]))
        return table.filter(column.cast("string").isin([str(o) for o in self.owner_ids]))

    def exponents(self) -> ir.Table:
        currencies = self.t("currencies")
        return currencies.select(code=currencies.code, exponent=currencies.exponent)

    def deals(self) -> ir.Table:
        o = self.owned(self.t("opportunities"))
        stages, pipelines = self.t("stages"), self.t("pipelines")
        exponents = self.exponents()
        joined = (
            o.join(stages, o.stage_id == stages.id)
            .join(pipelines, o.pipeline_id == pipelines.id)
            .join(exponents, o.currency == exponents.code)
        )
        scale = ibis.literal(10.0).pow(joined.exponent.cast("float64"))
        return joined.select(
            deal_id=_id(o.id),
            owner_id=_id(o.owner_id),
            account_id=_id(o.account_id),
            pipeline=pipelines.name,
            stage=stages.name,
            amount_local=o.amount_minor.cast("float64") / scale,
            currency=o.currency,
            deal_type=o.type,
            source=o.lead_source,
            opened_day=self.day(o.opened_on),
            engaged_day=self.day(o.engaged_on),
            closed_day=self.day(o.closed_on),
            expected_close_day=self.day(o.expected_close_on),
        )

    def deal_products(self) -> ir.Table:
        # Items of deleted deals drop out where they meet the deals (every use joins them).
        items, exponents = self.b.table("opportunity_line_items"), self.exponents()
        joined = items.join(exponents, items.currency == exponents.code)
        scale = ibis.literal(10.0).pow(joined.exponent.cast("float64"))
        return joined.select(
            deal_id=_id(items.opportunity_id),
            product_id=_id(items.product_id),
            amount_local=items.total_minor.cast("float64") / scale,
        )

    def products(self) -> ir.Table:
        p = self.b.table("products")
        return p.select(
            product_id=_id(p.id), product=p.name, family=p.family, is_recurring=p.is_recurring
        )

    def stages(self) -> ir.Table:
        s, p = self.b.table("stages"), self.b.table("pipelines")
        joined = s.join(p, s.pipeline_id == p.id)
        return joined.select(
            pipeline=p.name, stage=s.name, position=s.position, category=s.category
        )

    def stage_changes(self) -> ir.Table:
        c, s = self.b.table("opportunity_stage_changes"), self.b.table("stages")
        joined = c.join(s, c.to_stage_id == s.id)
        return joined.select(
            deal_id=_id(c.opportunity_id), stage=s.name, changed_s=_seconds(c.changed_at)
        )

    def users(self) -> ir.Table:
        u = self.b.table("users")
        return u.select(
            user_id=_id(u.id),
            full_name=u.full_name,
            team_id=_id(u.team_id),
            region=u.region,
            role=u.role,
        )

    def teams(self) -> ir.Table:
        t = self.b.table("teams")
        return t.select(
            team_id=_id(t.id),
            team=t.name,
            parent_id=_id(t.parent_id),
            region=t.region,
            segment=t.segment,
        )

    def accounts(self) -> ir.Table:
        a = self.b.table("accounts")
        return a.select(account_id=_id(a.id), country=a.country, state=a.state, segment=a.segment)

    def leads(self) -> ir.Table:
        lead = self.owned(self.t("leads"))
        times = (
            "received",
            "mql",
            "accepted",
            "first_touch",
            "qualified",
            "converted",
            "disqualified",
        )
        return lead.select(
            lead_id=_id(lead.id),
            owner_id=_id(lead.owner_id),
            source=lead.source,
            segment=lead.size_segment,
            country=lead.country,
            state=lead.state,
            status=lead.status,
            **{f"{n}_s": _seconds(lead[f"{n}_at"]) for n in times},
        )

    def activities(self) -> ir.Table:
        a = self.owned(self.t("activities"))
        return a.select(
            owner_id=_id(a.owner_id),
            activity_type=a.type,
            occurred_s=_seconds(a.occurred_at),
            duration_minutes=a.duration_minutes,
            deal_id=_id(a.opportunity_id),
        )

    def rates(self) -> ir.Table:
        r = self.b.table("exchange_rates")
        return r.select(
            currency=r.currency,
            quote_currency=r.quote_currency,
            effective_day=self.day(r.effective_on),
            rate=r.rate.cast("float64"),
        )

    def targets(self) -> ir.Table:
        if "sales_targets" not in self.b.list_tables():
            return schema.TARGETS.empty()
        t, exponents = self.b.table("sales_targets"), self.exponents()
        joined = t.join(exponents, t.currency == exponents.code)
        scale = ibis.literal(10.0).pow(joined.exponent.cast("float64"))
        return joined.select(
            start_day=self.day(t.period_start),
            end_day=self.day(t.period_end),
            scope=t.scope,
            team_id=_id(t.team_id),
            user_id=_id(t.user_id),
            amount_local=t.amount_minor.cast("float64") / scale,
            currency=t.currency,
        )


def _reporting_currency(backend: Any) -> str:
    currencies = backend.table("currencies")
    rows = currencies.filter(currencies.is_reporting).select("code").to_pyarrow().to_pylist()
    if not rows:
        raise AnalyticsRequestError("no reporting currency is set; run `coxswain init`")
    return str(rows[0]["code"])


def _analyze_if_never(backend: Any) -> None:
    """Give PostgreSQL's planner statistics for tables never analyzed (a fresh bulk import):
    without them it estimates one row per table and picks nested loops (seconds → minutes)."""
    names = ", ".join(f"'{n}'" for n in WATCHED)  # (every table the model reads)
    query = (
        "SELECT relname FROM pg_stat_user_tables WHERE relname IN (" + names + ") "
        "AND last_analyze IS NULL AND last_autoanalyze IS NULL "
        "AND n_live_tup + n_mod_since_analyze > 0"
    )
    with backend.raw_sql(query) as cursor:
        stale = [row[0] for row in cursor.fetchall()]
    for name in stale:
        with backend.raw_sql(f'ANALYZE "{name}"'):
            pass


def _model_files(url: str, owner_ids: Collection[uuid.UUID] | None) -> ModelFiles | None:
    """Where a SQLite database file keeps its model tables between runs (not for a view
    restricted to some owners: each would keep its own copy)."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or owner_ids is not None:
        return None
    database = parsed.database or ":memory:"
    return None if database == ":memory:" else ModelFiles.beside(Path(database))


def _connect(url: str) -> tuple[str, Any, DayFn]:
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database != ":memory:" and not Path(database).exists():
            raise AnalyticsRequestError(f"database file {database} does not exist")
        return "sqlite", connect_report_backend(database), _sqlite_day
    backend = ibis.postgres.connect(
        host=parsed.host or "localhost",
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
    )
    _analyze_if_never(backend)
    return "postgres", backend, _native_day


def open_app_database(
    url: str,
    *,
    owner_ids: Collection[uuid.UUID] | None = None,
    keep_model: bool = True,
    workers: int | None = None,
) -> AnalyticsSource:
    """The canonical tables of the application database at ``url`` (only the records of
    ``owner_ids`` when given; see the module docstring).

    On a SQLite file, ``keep_model`` keeps the model tables between runs in files beside
    the database (see ``model_files.py``), and up to ``workers`` processes (default: the
    ``analytics_workers`` setting) run a large report's queries side by side (see
    ``sqlite_pool.py``).
    """
    engine_name, backend, day = _connect(url)
    mapper = _Mapper(backend, day, owner_ids)
    tables = {
        spec.name: spec.conform(getattr(mapper, spec.name)(), origin=engine_name)
        for spec in schema.CANONICAL
    }
    return AnalyticsSource(
        engine=engine_name,
        backend=backend,
        tables=tables,
        reporting_currency=_reporting_currency(backend),
        location=make_url(normalize_url(url)).render_as_string(hide_password=True),
        context={
            "database_url": url,
            "owner_ids": None if owner_ids is None else frozenset(owner_ids),
        },
        model_files=_model_files(url, owner_ids) if keep_model else None,
        workers=get_settings().analytics_workers if workers is None else workers,
        closer=backend.disconnect,
    )
