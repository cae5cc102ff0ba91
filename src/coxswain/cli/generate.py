"""``coxswain generate``: write a seeded, realistic sales company as native import files."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from coxswain.cli.context import console
from coxswain.cli.main import app
from coxswain.generator.file_format import FileFormat


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from exc


def _size(size: int) -> str:
    for unit in ("B", "kB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}"
        size //= 1000
    return f"{size:,} GB"


@app.command()
def generate(
    out: Annotated[
        Path,
        typer.Option("--out", help="Directory to write one file per entity into.", file_okay=False),
    ],
    opportunities: Annotated[
        int, typer.Option("--opportunities", "-n", min=1, help="Number of opportunities.")
    ] = 10_000,
    file_format: Annotated[
        FileFormat, typer.Option("--format", help="File format of the entity files.")
    ] = FileFormat.CSV,
    seed: Annotated[int, typer.Option(min=0, help="Random seed: same seed, same files.")] = 42,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Last day of the history (YYYY-MM-DD).")
    ] = "2026-10-31",
) -> None:
    """Generate a realistic company (org, accounts, leads, deals with history, activities)."""
    from coxswain.generator.engine.company import iter_entities
    from coxswain.generator.engine.config import GeneratorConfig
    from coxswain.generator.writer import prefer_small_pages, write_entities

    config = GeneratorConfig(seed=seed, opportunities=opportunities, as_of=_parse_day(as_of))
    prefer_small_pages()
    started = time.perf_counter()
    written = write_entities(iter_entities(config), out, file_format)
    elapsed = time.perf_counter() - started
    table = Table(title=f"Generated into {out}", title_justify="left")
    table.add_column("entity")
    table.add_column("rows", justify="right")
    table.add_column("size", justify="right")
    for item in written:
        table.add_row(item.entity, f"{item.rows:,}", _size(item.bytes))
    console.print(table)
    total = sum(item.rows for item in written)
    console.print(f"{total:,} rows in {elapsed:.1f} s (seed {seed}, as of {config.as_of})")
