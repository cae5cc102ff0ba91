"""Fixtures for analytics tests: the hand-made company, imported or as an extract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from analytics_handmade import CLOCK, import_bundle, write_bundle
from sqlalchemy import Engine

from coxswain.analytics.sources.appdb import open_app_database
from coxswain.analytics.sources.extracts import open_extract
from coxswain.analytics.workspace import Workspace, prepare


@pytest.fixture(scope="session")
def handmade_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bundle(tmp_path_factory.mktemp("handmade"))


@pytest.fixture
def handmade_db(engine: Engine, database_url: str, handmade_dir: Path) -> str:
    """The hand-made company imported into a fresh database (SQLite or PostgreSQL)."""
    import_bundle(engine, handmade_dir)
    return database_url


@pytest.fixture
def db_workspace(handmade_db: str) -> Iterator[Workspace]:
    with open_app_database(handmade_db) as source:
        yield prepare(source, clock=CLOCK)


@pytest.fixture
def duck_workspace(handmade_dir: Path) -> Iterator[Workspace]:
    with open_extract(handmade_dir) as source:
        yield prepare(source, clock=CLOCK)
