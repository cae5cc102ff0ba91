"""``coxswain forecast``, ``forecast backtest`` and ``forecast plan``: thin adapters over
:mod:`coxswain.forecasting.service`. Calls, roll-ups and snapshots are in
:mod:`coxswain.cli.forecast_calls`; ``coxswain score`` in :mod:`coxswain.cli.scoring`.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from coxswain.cli.context import console, state
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine
from coxswain.core.errors import ValidationError
from coxswain.db.engine import unit_of_work
from coxswain.forecasting import service
from coxswain.forecasting.engine.calendar import parse_period
from coxswain.forecasting.engine.forecaster import METHODS, ForecastSettings
from coxswain.forecasting.schemas import (
    BacktestReport,
    ForecastReport,
    PlanReport,
)

with contextlib.suppress(ModuleNotFoundError):  # report section + accuracy KPI reader
    from coxswain.forecasting import integrations  # noqa: F401

forecast_app = typer.Typer(
    help="Forecasts, backtests, the funnel planner and forecast calls.", invoke_without_command=True
)
call_app = typer.Typer(help="Submit, adjust and list forecast calls.", no_args_is_help=True)
app.add_typer(forecast_app, name="forecast")
forecast_app.add_typer(call_app, name="call")

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="2017-11 (month), 2017-Q4 or 2017.")
]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Cut-off YYYY-MM-DD (first day not known).")
]


def as_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"--as-of {value!r}: expected a date as YYYY-MM-DD") from exc


def _method(value: str | None) -> str | None:
    if value is not None and value not in METHODS:
        raise ValidationError(
            f"--method {value!r} is not known; expected one of {', '.join(METHODS)}"
        )
    return value


def print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, default=str))


def money(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


@forecast_app.callback()
def forecast(
    ctx: typer.Context,
    period: PeriodOpt = None,
    method: Annotated[
        str | None, typer.Option("--method", help=f"One of: {', '.join(METHODS)}.")
    ] = None,
    as_of: AsOf = None,
    simulations: Annotated[int, typer.Option(help="Monte Carlo simulations.")] = 10_000,
    as_json: Json = False,
) -> None:
    """Forecast bookings for a period with every method (or one with --method)."""
    if ctx.invoked_subcommand is not None:
        return
    if period is not None:
        parse_period(period)  # a mistake is reported before the database is opened
    _method(method)
    engine = ready_engine(state(ctx))
    settings = ForecastSettings(simulations=simulations)
    with unit_of_work(engine) as session:
        report = service.forecast(
            session, period=period, method=_method(method), as_of=as_date(as_of), settings=settings
        )
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    _render_forecast(report)


def _render_forecast(report: ForecastReport) -> None:
    console.print(
        f"Forecast {report.period} ({report.period_start} to {report.period_end}) as of "
        f"{report.as_of}, {report.currency}; {report.open_deals:,} open deals",
        highlight=False,
    )
    table = Table("method", "forecast", "closed", "pipeline", "new business", "P10", "P50", "P90")
    for m in report.methods:
        style = "bold" if m.method == report.method else None
        table.add_row(
            m.method,
            money(m.point),
            money(m.closed),
            money(m.pipeline),
            money(m.new_business),
            money(m.p10),
            money(m.p50),
            money(m.p90),
            style=style,
        )
    console.print(table)
    categories = Table("category", "deals", "amount", "cumulative")
    for c in report.categories:
        categories.add_row(c.category, f"{c.deals:,}", money(c.amount), money(c.cumulative))
    console.print(categories)
    if report.deals:
        deals = Table(
            "opportunity",
            "stage",
            "amount",
            "chance",
            "expected",
            "top factors",
            title=f"Top deals ({report.method})",
        )
        for d in report.deals[:10]:
            factors = ", ".join(f"{f.feature} {f.effect:+.0%}" for f in d.factors)
            deals.add_row(
                d.opportunity_id[:13],
                d.stage,
                money(d.amount),
                f"{d.chance:.0%}",
                money(d.expected),
                factors,
            )
        console.print(deals)


@forecast_app.command("backtest")
def backtest(
    ctx: typer.Context,
    periods: Annotated[int, typer.Option(help="How many past periods to replay.")] = 6,
    kind: Annotated[str, typer.Option(help="month or quarter.")] = "month",
    simulations: Annotated[int, typer.Option(help="Monte Carlo simulations per period.")] = 10_000,
    as_json: Json = False,
) -> None:
    """Replay past periods with only what was known then; WAPE, bias, P10–P90 coverage."""
    if kind not in ("month", "quarter"):
        raise ValidationError(f"--kind {kind!r}: expected month or quarter")
    if periods < 1:
        raise ValidationError("--periods must be at least 1")
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        report = service.backtest(
            session, periods=periods, kind=kind, settings=ForecastSettings(simulations=simulations)
        )
    if as_json:
        print_json(report.contract())
        return
    _render_backtest(report)


def _render_backtest(report: BacktestReport) -> None:
    table = Table(
        "method",
        "WAPE",
        "bias",
        "P10–P90 coverage",
        "periods",
        title=f"Backtest ({report.currency}); baseline {report.baseline}, best {report.best}",
    )
    for name, s in report.methods.items():
        table.add_row(
            name,
            "" if s.wape is None else f"{s.wape:.1%}",
            "" if s.bias is None else f"{s.bias:+.1%}",
            "" if s.coverage_p10_p90 is None else f"{s.coverage_p10_p90:.0%}",
            str(s.periods),
        )
    console.print(table)
    periods = Table("period", "actual", *report.methods, title="Forecasts per period")
    for p in report.periods:
        periods.add_row(
            p.period, money(p.actual), *(money(p.forecasts[m].point) for m in report.methods)
        )
    console.print(periods)


@forecast_app.command("plan")
def plan(
    ctx: typer.Context,
    target: Annotated[
        float, typer.Option("--target", help="Bookings target (reporting currency).")
    ],
    period: Annotated[str, typer.Option("--period", help="2017-11, 2017-Q4 or 2017.")],
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """The opportunities and leads needed per month and per rep to reach a target."""
    if target <= 0:
        raise ValidationError("target must be a positive amount")
    parse_period(period)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        report = service.plan(session, target=target, period=period, as_of=as_date(as_of))
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    _render_plan(report)


def _render_plan(r: PlanReport) -> None:
    table = Table(
        "", "value", title=f"Plan for {r.target:,.0f} {r.currency} in {r.period} (as of {r.as_of})"
    )
    rows = [
        ("closed so far", money(r.closed)),
        ("open pipeline (amount)", money(r.pipeline_amount)),
        ("expected from pipeline in period", money(r.pipeline_expected)),
        ("gap", money(r.gap)),
        ("average won deal", money(r.average_deal_size)),
        ("win rate", f"{r.win_rate:.1%}"),
        (
            "lead → opportunity",
            "n/a" if r.lead_conversion_rate is None else f"{r.lead_conversion_rate:.1%}",
        ),
        ("deals to win", f"{r.deals_needed:,}"),
        (
            "opportunities needed",
            f"{r.opportunities_needed:,} ({r.opportunities_per_month:,.1f}/month, "
            f"{r.opportunities_per_rep_per_month:,.1f}/rep/month, {r.reps} reps)",
        ),
        (
            "leads needed",
            "n/a"
            if r.leads_needed is None
            else f"{r.leads_needed:,} ({r.leads_per_month or 0:,.1f}/month, "
            f"{r.leads_per_rep_per_month or 0:,.1f}/rep/month)",
        ),
        (
            "pipeline coverage",
            "n/a" if r.pipeline_coverage is None else f"{r.pipeline_coverage:.2f}×",
        ),
        ("pipeline covers the target", "yes" if r.covered else "no"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    if r.stages:
        stages = Table("stage", "conversion to next", "deals that must enter")
        for s in r.stages:
            stages.add_row(
                s.stage,
                f"{s.conversion_to_next:.0%}",
                "n/a" if s.deals_entering is None else f"{s.deals_entering:,}",
            )
        console.print(stages)
