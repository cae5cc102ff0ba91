"""The migrations build the schema the models describe, and downgrade cleanly, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from coxswain.currencies.models import Currency
from coxswain.db import migrate
from coxswain.db.models import Base
from coxswain.opportunities.models import Pipeline, Stage
from coxswain.setup.service import seed_reference_data


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    migrate.downgrade(engine, "base")
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    assert migrate.is_up_to_date(engine)


def test_seed_is_idempotent(session: Session) -> None:
    assert seed_reference_data(session) == []
    assert session.scalar(select(Currency.code).where(Currency.is_reporting.is_(True))) == "USD"
    pipelines = session.scalars(select(Pipeline)).all()
    assert [p.name for p in pipelines] == ["Sales"]
    stages = session.scalars(select(Stage).order_by(Stage.position)).all()
    categories = [s.category for s in stages]
    assert categories.count("won") == 1
    assert categories.count("lost") == 1
