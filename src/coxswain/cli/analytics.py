"""``coxswain kpis``, ``coxswain report funnel|bottlenecks|html|xlsx``, ``coxswain targets``
and ``coxswain analytics extract``: thin adapters over :mod:`coxswain.analytics.service`.

Every report reads the application database (``--db``) unless ``--data DIR`` points at a
folder of CSV/Parquet extracts, which DuckDB (default) or Spark (``--engine spark``) reads.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from coxswain.analytics import targets as target_service
from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.funnel import Cohort
from coxswain.analytics.engine.periods import parse_period
from coxswain.analytics.errors import AnalyticsRequestError
from coxswain.analytics.report import html, terminal, xlsx
from coxswain.analytics.requests import FilterInput, ReportRequest
from coxswain.analytics.schemas import Dashboard
from coxswain.analytics.workspace import Workspace, prepare
from coxswain.cli.context import console, err_console, state
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine
from coxswain.db.engine import unit_of_work

report_app = typer.Typer(help="Funnel, bottleneck, HTML and XLSX reports.", no_args_is_help=True)
targets_app = typer.Typer(
    help="Sales targets (pipeline coverage divides by them).", no_args_is_help=True
)
analytics_app = typer.Typer(
    help="Analytics data: extracts for DuckDB or Spark.", no_args_is_help=True
)
app.add_typer(report_app, name="report")
app.add_typer(targets_app, name="targets")
app.add_typer(analytics_app, name="analytics")

Day = Annotated[
    str | None, typer.Option(help="YYYY-MM-DD (default: 12 months to the data's as-of date).")
]
Names = Annotated[list[str] | None, typer.Option(help="Repeat to keep several.")]
Data = Annotated[
    Path | None,
    typer.Option(
        "--data", help="Folder of CSV/Parquet extracts instead of the database.", file_okay=False
    ),
]
Engine = Annotated[str, typer.Option("--engine", help="Engine for --data: duckdb or spark.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Xlsx = Annotated[
    Path | None, typer.Option("--xlsx", help="Also write the report to this XLSX file.")
]


def _day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise AnalyticsRequestError(f"{flag} {value!r}: expected a date as YYYY-MM-DD") from exc


def _request(
    start: str | None,
    end: str | None,
    by: Dimension | None,
    rep: Names,
    team: Names,
    region: Names,
    territory: Names,
    product: Names,
    segment: Names,
    source: Names,
    deal_type: Names,
    compare: bool = True,
) -> ReportRequest:
    filters = FilterInput.of(
        rep=rep,
        team=team,
        region=region,
        territory=territory,
        product=product,
        segment=segment,
        source=source,
        deal_type=deal_type,
    )
    return ReportRequest(_day(start, "--from"), _day(end, "--to"), by, filters, compare)


def _open(ctx: typer.Context, data: Path | None, engine: str) -> Workspace:
    from coxswain.analytics.sources.appdb import open_app_database
    from coxswain.analytics.sources.extracts import open_extract

    if data is None:
        ready_engine(state(ctx))
        return prepare(open_app_database(state(ctx).url))
    if engine not in ("duckdb", "spark"):
        raise AnalyticsRequestError(f"--engine {engine!r}: expected duckdb or spark")
    if engine == "spark":
        from coxswain.analytics.sources.spark import spark_backend

        return prepare(open_extract(data, engine="pyspark", backend=spark_backend()))
    return prepare(open_extract(data))


def _maybe_xlsx(out: Path | None, write: Callable[[Path], Path]) -> None:
    if out is not None:
        write(out)
        err_console.print(f"wrote {out}", highlight=False)


@app.command("kpis")
def kpis(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    by: Annotated[Dimension | None, typer.Option("--by", help="Break every KPI down.")] = None,
    kpi: Annotated[list[str] | None, typer.Option("--kpi", help="Only these KPI slugs.")] = None,
    rep: Names = None,
    team: Names = None,
    region: Names = None,
    territory: Names = None,
    product: Names = None,
    segment: Names = None,
    source: Names = None,
    deal_type: Annotated[
        list[str] | None, typer.Option("--type", help="new_business, renewal, upsell.")
    ] = None,
    as_json: Json = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    xlsx_out: Xlsx = None,
    list_kpis: Annotated[
        bool, typer.Option("--list", help="List every KPI and its formula.")
    ] = False,
    data: Data = None,
    engine: Engine = "duckdb",
) -> None:
    """Every sales KPI for a period, with the previous period and the change."""
    from coxswain.analytics.service import kpi_catalog, kpi_report

    if list_kpis:
        catalog = kpi_catalog()
        if as_json:
            typer.echo(json.dumps(catalog, indent=2))
        else:
            terminal.print_kpi_catalog(console, catalog)
        return
    ws = _open(ctx, data, engine)
    request = _request(
        start, end, by, rep, team, region, territory, product, segment, source, deal_type
    )
    report = kpi_report(ws, request, kpi)
    _maybe_xlsx(xlsx_out, lambda path: xlsx.write_kpis(report, path))
    if as_json:
        typer.echo(json.dumps(report.contract(), indent=2, ensure_ascii=False))
    elif as_csv:
        terminal.write_kpi_csv(report, sys.stdout)
    else:
        terminal.print_kpis(console, err_console, report)


@report_app.command("funnel")
def report_funnel(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    cohort: Annotated[
        Cohort, typer.Option(help="Deals created in the period, or active during it.")
    ] = Cohort.CREATED,
    pipeline: Annotated[
        str | None, typer.Option(help="Pipeline (default: the one with most deals).")
    ] = None,
    rep: Names = None,
    team: Names = None,
    region: Names = None,
    territory: Names = None,
    product: Names = None,
    segment: Names = None,
    source: Names = None,
    as_json: Json = False,
    xlsx_out: Xlsx = None,
    data: Data = None,
    engine: Engine = "duckdb",
) -> None:
    """Stage-to-stage conversion, drop-off, values and time in stage."""
    from coxswain.analytics.service import funnel_report

    ws = _open(ctx, data, engine)
    request = _request(
        start, end, None, rep, team, region, territory, product, segment, source, None
    )
    report = funnel_report(ws, request, cohort=cohort, pipeline=pipeline)
    _maybe_xlsx(xlsx_out, lambda path: xlsx.write_funnel(report, path))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        terminal.print_funnel(console, report)


@report_app.command("bottlenecks")
def report_bottlenecks(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many findings to show.")] = 25,
    cohort: Annotated[
        Cohort, typer.Option(help="Deals created in, or active during, the period.")
    ] = Cohort.ACTIVE,
    pipeline: Annotated[
        str | None, typer.Option(help="Pipeline (default: the one with most deals).")
    ] = None,
    team: Names = None,
    region: Names = None,
    segment: Names = None,
    as_json: Json = False,
    xlsx_out: Xlsx = None,
    data: Data = None,
    engine: Engine = "duckdb",
) -> None:
    """Ranked stages where deals stall or are lost, against peers and history."""
    from coxswain.analytics.service import bottleneck_report

    ws = _open(ctx, data, engine)
    request = _request(start, end, None, None, team, region, None, None, segment, None, None)
    report = bottleneck_report(ws, request, cohort=cohort, pipeline=pipeline, limit=limit)
    _maybe_xlsx(xlsx_out, lambda path: xlsx.write_bottlenecks(report, path))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        terminal.print_bottlenecks(console, report)


def _dashboard(
    ctx: typer.Context,
    start: str | None,
    end: str | None,
    team: Names,
    region: Names,
    segment: Names,
    data: Path | None,
    engine: str,
) -> Dashboard:
    from coxswain.analytics.service import dashboard

    ws = _open(ctx, data, engine)
    request = _request(start, end, None, None, team, region, None, None, segment, None, None)
    return dashboard(ws, request)


@report_app.command("html")
def report_html(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.", dir_okay=False)],
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    team: Names = None,
    region: Names = None,
    segment: Names = None,
    title: Annotated[str, typer.Option(help="Title at the top of the page.")] = "Sales dashboard",
    data: Data = None,
    engine: Engine = "duckdb",
) -> None:
    """One self-contained HTML dashboard: KPI cards, trends, funnel, bottlenecks, by rep."""
    result = _dashboard(ctx, start, end, team, region, segment, data, engine)
    html.write_dashboard(result, out, title=title)
    console.print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)", highlight=False)


@report_app.command("xlsx")
def report_xlsx(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The XLSX file to write.", dir_okay=False)],
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    team: Names = None,
    region: Names = None,
    segment: Names = None,
    data: Data = None,
    engine: Engine = "duckdb",
) -> None:
    """The whole dashboard as a workbook: KPIs, by rep, funnel, bottlenecks, trends."""
    result = _dashboard(ctx, start, end, team, region, segment, data, engine)
    xlsx.write_dashboard(result, out)
    console.print(f"wrote {out}", highlight=False)


def _amount(value: str) -> Decimal:
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation as exc:
        raise AnalyticsRequestError(
            f"--amount {value!r}: expected a number such as 250000"
        ) from exc


@targets_app.command("set")
def targets_set(
    ctx: typer.Context,
    period: Annotated[str, typer.Argument(help="2026, 2026-Q4, 2026-11 or 2026-10-01..2026-12-31")],
    amount: Annotated[str, typer.Option(help="Target in major units (dollars, not cents).")],
    currency: Annotated[
        str | None, typer.Option(help="ISO code (default: reporting currency).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="Team name or external id.")] = None,
    rep: Annotated[str | None, typer.Option(help="Rep full name, e-mail or external id.")] = None,
) -> None:
    """Set (or replace) the company's, a team's or a rep's target for a period."""
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        target = target_service.set_target(
            session,
            period=parse_period(period),
            amount=_amount(amount),
            currency=currency,
            team=team,
            rep=rep,
        )
        who = team or rep or "company"
        console.print(
            f"target for {who}, {target.period_start} – {target.period_end}: "
            f"{amount} {target.currency}",
            highlight=False,
        )


@targets_app.command("list")
def targets_list(ctx: typer.Context, as_json: Json = False) -> None:
    """Every target."""
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        rows = target_service.list_targets(session)
    if as_json:
        typer.echo(json.dumps(terminal.targets_json(rows), indent=2))
    else:
        terminal.print_targets(console, rows)


@targets_app.command("remove")
def targets_remove(
    ctx: typer.Context, target_id: Annotated[str, typer.Argument(help="The target's id.")]
) -> None:
    """Delete a target."""
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        target_service.remove_target(session, target_id)
    console.print(f"removed target {target_id}", highlight=False)


@analytics_app.command("extract")
def analytics_extract(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder to write one file per entity into.", file_okay=False),
    ],
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
) -> None:
    """Export every entity analytics reads (and the targets) for `--data` runs."""
    from coxswain.analytics.extract import write_extract

    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        written = write_extract(session, out, fmt)
    for entity, rows in written.items():
        console.print(f"{entity}: {rows:,} rows", highlight=False)
