"""``coxswain export ENTITY --format csv|xlsx|parquet --out FILE``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from coxswain.cli.context import console, state
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine
from coxswain.db.engine import unit_of_work
from coxswain.imports.export import export_entity


@app.command("export")
def export(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="opportunities, leads, accounts, users, ...")],
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or parquet.")] = "csv",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Export an entity in the native format (CSV and XLSX import back unchanged)."""
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        report = export_entity(session, entity=entity, out=out, fmt=fmt.lower())
    if as_json:
        typer.echo(json.dumps(report.__dict__))
    else:
        console.print(f"exported {report.rows:,} {report.entity} to {report.path}", highlight=False)
