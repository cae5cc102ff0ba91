"""``coxswain forecast ...`` and ``coxswain score evaluate``: thin adapters over
:mod:`coxswain.forecasting.service`, :mod:`coxswain.forecasting.calls` and
:mod:`coxswain.scoring.service`.
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
from coxswain.core.clock import SystemClock
from coxswain.core.errors import ValidationError
from coxswain.db.engine import unit_of_work
from coxswain.forecasting import calls, rollup, service, snapshots
from coxswain.forecasting.engine.calendar import parse_period
from coxswain.forecasting.engine.forecaster import METHODS, ForecastSettings
from coxswain.forecasting.schemas import (
    BacktestReport,
    CallAdjust,
    CallSubmit,
    ForecastReport,
    PlanReport,
)
from coxswain.scoring.service import evaluate_models

with contextlib.suppress(ModuleNotFoundError):  # report section + accuracy KPI reader
    from coxswain.forecasting import integrations  # noqa: F401

forecast_app = typer.Typer(
    help="Forecasts, backtests, the funnel planner and forecast calls.", invoke_without_command=True
)
call_app = typer.Typer(help="Submit, adjust and list forecast calls.", no_args_is_help=True)
score_app = typer.Typer(help="Win-probability and lead-scoring models.", no_args_is_help=True)
app.add_typer(forecast_app, name="forecast")
app.add_typer(score_app, name="score")
forecast_app.add_typer(call_app, name="call")

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="2017-11 (month), 2017-Q4 or 2017.")
]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Cut-off YYYY-MM-DD (first day not known).")
]


def _date(value: str | None) -> date | None:
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


def _print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, default=str))


def _money(value: float | None) -> str:
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
            session, period=period, method=_method(method), as_of=_date(as_of), settings=settings
        )
    if as_json:
        _print_json(report.model_dump(mode="json"))
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
            _money(m.point),
            _money(m.closed),
            _money(m.pipeline),
            _money(m.new_business),
            _money(m.p10),
            _money(m.p50),
            _money(m.p90),
            style=style,
        )
    console.print(table)
    categories = Table("category", "deals", "amount", "cumulative")
    for c in report.categories:
        categories.add_row(c.category, f"{c.deals:,}", _money(c.amount), _money(c.cumulative))
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
                _money(d.amount),
                f"{d.chance:.0%}",
                _money(d.expected),
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
        _print_json(report.contract())
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
            p.period, _money(p.actual), *(_money(p.forecasts[m].point) for m in report.methods)
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
        report = service.plan(session, target=target, period=period, as_of=_date(as_of))
    if as_json:
        _print_json(report.model_dump(mode="json"))
        return
    _render_plan(report)


def _render_plan(r: PlanReport) -> None:
    table = Table(
        "", "value", title=f"Plan for {r.target:,.0f} {r.currency} in {r.period} (as of {r.as_of})"
    )
    rows = [
        ("closed so far", _money(r.closed)),
        ("open pipeline (amount)", _money(r.pipeline_amount)),
        ("expected from pipeline in period", _money(r.pipeline_expected)),
        ("gap", _money(r.gap)),
        ("average won deal", _money(r.average_deal_size)),
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


@call_app.command("submit")
def call_submit(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", help="E-mail of the person calling.")],
    period: Annotated[str, typer.Option("--period", help="2017-11, 2017-Q4 or 2017.")],
    commit: Annotated[float, typer.Option("--commit", help="Commit amount.")],
    best_case: Annotated[float, typer.Option("--best-case", help="Upside beyond commit.")] = 0.0,
    pipeline: Annotated[float, typer.Option("--pipeline", help="Further pipeline.")] = 0.0,
    team: Annotated[
        str | None, typer.Option("--team", help="Call for a whole team (managers).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
) -> None:
    """Submit a forecast call (a new call replaces the earlier one for the period)."""
    data = CallSubmit(
        user_email=user,
        period=period,
        commit=commit,
        best_case=best_case,
        pipeline=pipeline,
        team=team,
        note=note,
    )
    with unit_of_work(ready_engine(state(ctx))) as session:
        read = calls.submit_call(session, data)
    console.print(
        f"call {read.call_id} by {read.user_name} for {read.period}: commit {read.commit:,.2f}",
        highlight=False,
    )


@call_app.command("adjust")
def call_adjust(
    ctx: typer.Context,
    manager: Annotated[str, typer.Option("--manager", help="E-mail of the adjusting manager.")],
    user: Annotated[str, typer.Option("--user", help="E-mail of the person whose call it is.")],
    period: Annotated[str, typer.Option("--period")],
    commit: Annotated[float, typer.Option("--commit")],
    best_case: Annotated[float, typer.Option("--best-case")] = 0.0,
    pipeline: Annotated[float, typer.Option("--pipeline")] = 0.0,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
) -> None:
    """Adjust the latest call of someone in a team you manage."""
    data = CallAdjust(
        manager_email=manager,
        user_email=user,
        period=period,
        commit=commit,
        best_case=best_case,
        pipeline=pipeline,
        reason=reason,
    )
    with unit_of_work(ready_engine(state(ctx))) as session:
        read = calls.adjust_call(session, data)
    console.print(
        f"call {read.call_id} of {read.user_name} adjusted: commit {read.commit:,.2f}",
        highlight=False,
    )


@call_app.command("list")
def call_list(
    ctx: typer.Context, period: Annotated[str, typer.Option("--period")], as_json: Json = False
) -> None:
    """The effective calls (after adjustments) for a period."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        rows = calls.list_calls(session, period)
    if as_json:
        _print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("person", "commit", "best case", "pipeline", "adjusted", "submitted")
    for r in rows:
        table.add_row(
            r.user_name,
            _money(r.commit),
            _money(r.best_case),
            _money(r.pipeline),
            "yes" if r.adjusted else "",
            str(r.submitted_at)[:16],
        )
    console.print(table)


def _today() -> date:
    return SystemClock().now().date()


@forecast_app.command("rollup")
def forecast_rollup(
    ctx: typer.Context, period: Annotated[str, typer.Option("--period")], as_json: Json = False
) -> None:
    """Deals per forecast category and calls, rolled up through the team tree."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        rows = rollup.rollup(session, period=period, today=_today())
    if as_json:
        _print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table(
        "team",
        "closed",
        "commit (cum.)",
        "best case (cum.)",
        "pipeline (cum.)",
        "called commit",
        "calls",
    )
    for r in rows:
        table.add_row(
            "  " * r.depth + r.team,
            _money(r.closed),
            _money(r.commit_cumulative),
            _money(r.best_case_cumulative),
            _money(r.pipeline_cumulative),
            _money(r.called_commit),
            str(r.calls),
        )
    console.print(table)


@forecast_app.command("snapshot")
def forecast_snapshot(ctx: typer.Context, as_of: AsOf = None, as_json: Json = False) -> None:
    """Store this week's snapshot of the pipeline, the calls and the system forecasts."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        read = snapshots.take_snapshot(session, as_of=_date(as_of))
    if as_json:
        _print_json(read.model_dump(mode="json"))
        return
    verb = "stored" if read.created else "already taken"
    console.print(
        f"snapshot of week {read.week_of} {verb}: {read.deals:,} deals, "
        f"{read.calls:,} calls, {read.predictions} forecasts",
        highlight=False,
    )


@forecast_app.command("accuracy")
def forecast_accuracy(
    ctx: typer.Context, period: Annotated[str, typer.Option("--period")], as_json: Json = False
) -> None:
    """Each person's final commit call against what they booked in an ended period."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        rows = rollup.accuracy(session, period=period, today=_today())
    if as_json:
        _print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table(
        "person", "called", "booked", "error", "accuracy", title=f"Call accuracy {period}"
    )
    for r in rows:
        table.add_row(
            r.name,
            _money(r.called),
            _money(r.actual),
            _money(r.error),
            "" if r.accuracy is None else f"{r.accuracy:.0%}",
        )
    console.print(table)


@score_app.command("evaluate")
def score_evaluate(
    ctx: typer.Context,
    horizon: Annotated[
        int,
        typer.Option(
            "--lead-horizon-days", help="A lead converts if it does within this many days."
        ),
    ] = 180,
    as_json: Json = False,
) -> None:
    """Out-of-sample ROC AUC, Brier score and reliability of the win and lead models."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        report = evaluate_models(session, lead_horizon_days=horizon)
    if as_json:
        _print_json(report.contract())
        return
    for name, part in (
        ("opportunities (win probability)", report.opportunities),
        ("leads (conversion)", report.leads),
    ):
        if part is None:
            console.print(f"{name}: no data to evaluate")
            continue
        console.print(
            f"{name}: ROC AUC {part.auc if part.auc is None else round(part.auc, 3)}, "
            f"Brier {part.brier:.3f}, {part.n:,} held out ({part.split} split, "
            f"trained on {part.trained_on:,}), base rate {part.base_rate:.1%}",
            highlight=False,
        )
        table = Table("predicted", "count", "mean predicted", "observed")
        for b in part.reliability:
            table.add_row(
                f"{b.low:.1f}–{b.high:.1f}",
                f"{b.count:,}",
                f"{b.mean_predicted:.2f}",
                f"{b.observed_rate:.2f}",
            )
        console.print(table)
        for note in part.notes:
            console.print(f"  note: {note}", highlight=False)
