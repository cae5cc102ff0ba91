"""``coxswain score evaluate``: a thin adapter over :mod:`coxswain.scoring.service`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from coxswain.cli.context import console, state
from coxswain.cli.forecasting import Json, print_json
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine
from coxswain.db.engine import unit_of_work
from coxswain.scoring.service import evaluate_models

score_app = typer.Typer(help="Win-probability and lead-scoring models.", no_args_is_help=True)
app.add_typer(score_app, name="score")


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
        print_json(report.contract())
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
