"""Alembic environment: uses the engine handed over in ``config.attributes`` (see db/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from coxswain.core.settings import get_settings
from coxswain.db.engine import make_engine
from coxswain.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(get_settings().database_url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
