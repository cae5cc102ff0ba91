"""Open the database for a command, creating or upgrading it first when needed."""

from __future__ import annotations

from sqlalchemy import Engine

from coxswain.cli.context import CliState, err_console
from coxswain.db import migrate
from coxswain.db.engine import unit_of_work
from coxswain.setup.service import seed_reference_data


def ready_engine(cli: CliState) -> Engine:
    """The engine, with the schema at the latest revision and reference data seeded."""
    engine = cli.engine()
    if not migrate.is_up_to_date(engine):
        migrate.upgrade(engine)
        err_console.print(f"database schema brought up to date at {cli.url}", highlight=False)
    with unit_of_work(engine) as session:
        seed_reference_data(session)
    return engine
