"""``coxswain forecast call ...``, ``forecast rollup``, ``forecast snapshot`` and
``forecast accuracy``: thin adapters over :mod:`coxswain.forecasting.calls`,
:mod:`coxswain.forecasting.rollup` and :mod:`coxswain.forecasting.snapshots`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from coxswain.cli.context import console, state
from coxswain.cli.forecasting import AsOf, Json, as_date, call_app, forecast_app, money, print_json
from coxswain.cli.workspace import ready_engine
from coxswain.core.clock import SystemClock
from coxswain.db.engine import unit_of_work
from coxswain.forecasting import calls, rollup, snapshots
from coxswain.forecasting.schemas import CallAdjust, CallSubmit


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
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("person", "commit", "best case", "pipeline", "adjusted", "submitted")
    for r in rows:
        table.add_row(
            r.user_name,
            money(r.commit),
            money(r.best_case),
            money(r.pipeline),
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
        print_json([r.model_dump(mode="json") for r in rows])
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
            money(r.closed),
            money(r.commit_cumulative),
            money(r.best_case_cumulative),
            money(r.pipeline_cumulative),
            money(r.called_commit),
            str(r.calls),
        )
    console.print(table)


@forecast_app.command("snapshot")
def forecast_snapshot(ctx: typer.Context, as_of: AsOf = None, as_json: Json = False) -> None:
    """Store this week's snapshot of the pipeline, the calls and the system forecasts."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        read = snapshots.take_snapshot(session, as_of=as_date(as_of))
    if as_json:
        print_json(read.model_dump(mode="json"))
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
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table(
        "person", "called", "booked", "error", "accuracy", title=f"Call accuracy {period}"
    )
    for r in rows:
        table.add_row(
            r.name,
            money(r.called),
            money(r.actual),
            money(r.error),
            "" if r.accuracy is None else f"{r.accuracy:.0%}",
        )
    console.print(table)
