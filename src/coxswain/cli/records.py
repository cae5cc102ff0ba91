"""Read commands on the pipeline of record: ``summary``, ``list``, ``history``, ``import-runs``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from coxswain.audit.history import import_runs, record_history
from coxswain.cli.context import console, state
from coxswain.cli.demo import render_summary
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine
from coxswain.db.engine import unit_of_work
from coxswain.imports.export import rows, text
from coxswain.opportunities.summary import pipeline_summary

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@app.command()
def summary(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Pipeline at a glance: open/won/lost deals, win rate, open pipeline by stage, top reps."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        result = pipeline_summary(session)
    if not as_json:
        render_summary(result)
        return
    payload = {
        "currency": result.currency,
        "counts": result.counts,
        "values": {k: float(v) for k, v in result.values.items()},
        "win_rate": result.win_rate,
        "open_by_stage": [
            {"stage": s, "deals": n, "value": float(v)} for s, n, v in result.open_by_stage
        ],
        "top_reps": [
            {"rep": r, "won_deals": n, "won_value": float(v)} for r, n, v in result.top_reps
        ],
        "leads": result.leads,
        "converted_leads": result.converted_leads,
    }
    typer.echo(json.dumps(payload, indent=2))


@app.command("list")
def list_records(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="opportunities, leads, accounts, users, ...")],
    limit: Annotated[int, typer.Option(min=1, help="How many records.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """The first records of an entity, in the native format (as `export` writes them)."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        _, names, batches = rows(session, entity)
        found: list[list[Any]] = []
        for batch in batches:
            found.extend(list(row) for row in batch[: limit - len(found)])
            if len(found) >= limit:
                break
    if as_json:
        typer.echo(
            json.dumps(
                [{n: text(v) or None for n, v in zip(names, row, strict=True)} for row in found],
                indent=2,
            )
        )
        return
    table = Table(title=entity, title_justify="left")
    shown = names[:8]
    for name in shown:
        table.add_column(name, overflow="fold")
    for row in found:
        table.add_row(*(text(v) for v in row[: len(shown)]))
    console.print(table)


@app.command()
def history(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="opportunities, leads, accounts, ...")],
    key: Annotated[str, typer.Argument(help="The record's id or external id.")],
    as_json: JsonOption = False,
) -> None:
    """A record's audit trail: every change with actor and before/after, stage and owner moves."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        entries = record_history(session, entity, key)
    if as_json:
        typer.echo(json.dumps([e.as_dict() for e in entries], indent=2, default=str))
        return
    table = Table(title=f"{entity} {key}", title_justify="left")
    for column in ("when", "what", "who", "detail"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(
            entry.at.strftime("%Y-%m-%d %H:%M"),
            entry.kind,
            entry.actor,
            json.dumps(entry.detail, default=str),
        )
    console.print(table)


@app.command("import-runs")
def import_runs_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    as_json: JsonOption = False,
) -> None:
    """The latest imports: file, profile, counts, who ran them."""
    with unit_of_work(ready_engine(state(ctx))) as session:
        runs = import_runs(session, limit=limit)
        data: list[dict[str, Any]] = [
            {
                "id": str(r.id),
                "entity": r.entity,
                "profile": r.profile,
                "file": r.file_name,
                "started_at": r.started_at.isoformat(),
                "status": r.status,
                "rows_read": r.rows_read,
                "inserted": r.inserted,
                "updated": r.updated,
                "unchanged": r.unchanged,
                "rejected": r.rejected,
                "rejects_file": r.rejects_file,
            }
            for r in runs
        ]
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    table = Table(title="Import runs", title_justify="left")
    for column in ("started", "entity", "file", "read", "inserted", "updated", "rejected"):
        table.add_column(column, overflow="fold")
    for d in data:
        table.add_row(
            d["started_at"][:16],
            d["entity"],
            d["file"],
            f"{d['rows_read']:,}",
            f"{d['inserted']:,}",
            f"{d['updated']:,}",
            f"{d['rejected']:,}",
        )
    console.print(table)
