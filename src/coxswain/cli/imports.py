"""``coxswain import``: files into entities, dataset adapters (maven, olist) and bundles."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from coxswain.cli.context import console, err_console, state
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine
from coxswain.db.engine import unit_of_work
from coxswain.imports.service import ImportReport, bundle_files, import_file

TARGET_HELP = "An entity (opportunities, leads, accounts, ...), or: maven, olist, bundle."


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        bar.add_task(label, total=None)
        yield bar


def _update(bar: Progress) -> Callable[[int, int], None]:
    def update(done: int, total: int) -> None:
        bar.update(bar.task_ids[0], completed=done, total=total)

    return update


@app.command("import")
def import_(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help=TARGET_HELP, metavar="ENTITY|maven|olist|bundle")],
    path: Annotated[
        Path, typer.Argument(help="The file (CSV, XLSX, Parquet) or the dataset folder.")
    ],
    profile: Annotated[
        str, typer.Option(help="Header profile: native, salesforce or hubspot.")
    ] = "native",
    mapping: Annotated[
        Path | None, typer.Option(help="A YAML mapping file for any other layout.")
    ] = None,
    rejects: Annotated[Path | None, typer.Option(help="Where rejected rows go (CSV).")] = None,
    source: Annotated[
        str | None, typer.Option(help="Source system name stamped on records.")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Worksheet of an XLSX file (default: the first).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import a file into an entity, a folder of entity files, or a known dataset.

    Importing the same file twice changes nothing; changed rows update their records; bad rows
    go to a rejects file (line, field, reason) while the good rows land.
    """
    engine = ready_engine(state(ctx))
    reports: list[ImportReport] = []
    with unit_of_work(engine, write=True) as session, progress_bar(f"import {target}") as bar:
        on_progress = _update(bar)
        kind = target.lower()
        if kind in ("maven", "olist"):
            from coxswain.imports.datasets import import_dataset

            reports = import_dataset(session, kind, path, progress=on_progress)  # type: ignore[arg-type]
        elif kind == "bundle":
            for entity, file in bundle_files(path):
                bar.update(bar.task_ids[0], description=f"import {entity}", completed=0, total=None)
                reports.append(
                    import_file(
                        session, entity=entity, path=file, source=source, progress=on_progress
                    )
                )
        else:
            reports.append(
                import_file(
                    session,
                    entity=target,
                    path=path,
                    profile=profile,
                    mapping_file=mapping,
                    source=source,
                    rejects_path=rejects,
                    sheet=sheet,
                    progress=on_progress,
                )
            )
    render_reports(reports, as_json=as_json)


def render_reports(reports: list[ImportReport], *, as_json: bool) -> None:
    if as_json:
        payload = [r.as_dict() for r in reports]
        typer.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
        return
    table = Table(title="Import", title_justify="left")
    for column in (
        "entity",
        "read",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "warnings",
        "seconds",
    ):
        table.add_column(column, justify="left" if column == "entity" else "right")
    for r in reports:
        table.add_row(
            r.entity,
            f"{r.rows_read:,}",
            f"{r.inserted:,}",
            f"{r.updated:,}",
            f"{r.unchanged:,}",
            f"{r.rejected:,}",
            f"{r.warnings:,}",
            f"{r.seconds:.1f}",
        )
    console.print(table)
    for r in reports:
        if r.rejects_file:
            console.print(
                f"{r.entity}: {r.rejected:,} rejected, {r.warnings:,} warnings → {r.rejects_file}"
            )
        if r.ignored_columns:
            console.print(
                f"{r.entity}: ignored columns: {', '.join(r.ignored_columns)}", highlight=False
            )
