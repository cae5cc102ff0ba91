"""``coxswain init`` and ``coxswain db ...``: create and migrate the database."""

from __future__ import annotations

from typing import Annotated

import typer

from coxswain.cli.context import console, state
from coxswain.cli.main import app
from coxswain.db import migrate
from coxswain.db.engine import unit_of_work
from coxswain.setup.service import seed_reference_data

db_app = typer.Typer(help="Database schema: migrations and status.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def init(
    ctx: typer.Context,
    reporting_currency: Annotated[
        str | None,
        typer.Option(
            help="ISO currency for money KPIs (default $COXSWAIN_REPORTING_CURRENCY or USD)."
        ),
    ] = None,
) -> None:
    """Create or upgrade the database and seed currencies, the default pipeline and lost reasons."""
    engine = state(ctx).engine()
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        seeded = seed_reference_data(session, reporting_currency=reporting_currency)
    console.print(f"database ready at {state(ctx).url} (schema {migrate.current_revision(engine)})")
    if seeded:
        console.print(f"seeded: {', '.join(seeded)}")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    migrate.upgrade(state(ctx).engine(), revision)
    console.print(f"schema at {migrate.current_revision(state(ctx).engine())}")


@db_app.command("downgrade")
def db_downgrade(ctx: typer.Context, revision: str) -> None:
    """Revert migrations down to REVISION (``base`` removes every table)."""
    migrate.downgrade(state(ctx).engine(), revision)
    console.print(f"schema at {migrate.current_revision(state(ctx).engine())}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the latest one available."""
    engine = state(ctx).engine()
    console.print(
        f"current: {migrate.current_revision(engine)}  head: {migrate.head_revision(engine)}"
    )
