"""Shared fixtures: real SQLite and real PostgreSQL databases built by the migrations.

Every test that asks for ``engine`` or ``session`` runs once per backend. PostgreSQL tests are
skipped with a clear message when no server answers at 127.0.0.1:5432, except under CI
(``CI=true``), where a missing server is an error.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from coxswain.db import migrate
from coxswain.db.engine import make_engine, unit_of_work
from coxswain.setup.service import seed_reference_data

PG_ADMIN_DSN = os.environ.get(
    "COXSWAIN_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def require_backend(name: str) -> None:
    if name == "postgresql" and not _pg_available():
        message = (
            f"PostgreSQL not reachable at {PG_ADMIN_DSN}: PostgreSQL half of the suite skipped"
        )
        if IN_CI:
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated, seeded template per backend; tests clone it (fast, isolated)."""
    templates: dict[str, str] = {}
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    sqlite_file = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{sqlite_file}")
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        seed_reference_data(session, reporting_currency="USD")
    engine.dispose()
    templates["sqlite"] = str(sqlite_file)
    pg_template = None
    if _pg_available():
        pg_template = f"cx_tmpl_{worker}_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{pg_template}"')
        engine = make_engine(_pg_url(pg_template))
        migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            seed_reference_data(session, reporting_currency="USD")
        engine.dispose()
        templates["postgresql"] = pg_template
    yield templates
    if pg_template:
        _pg_admin(f'DROP DATABASE IF EXISTS "{pg_template}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    require_backend(name)
    return name


@pytest.fixture
def database_url(backend: str, template_databases: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, seeded database of its own for this test."""
    if backend == "sqlite":
        target = tmp_path / "coxswain.db"
        shutil.copyfile(template_databases["sqlite"], target)
        yield f"sqlite:///{target}"
        return
    name = f"cx_test_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_databases["postgresql"]}"')
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back at the end (services never commit)."""
    connection = engine.connect()
    transaction = connection.begin()
    sess = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield sess
    finally:
        sess.close()
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        if IN_CI:
            pytest.fail(f"shared datasets missing at {SHARED_DATA} (CI=true requires them)")
        pytest.skip(f"shared datasets not found at {SHARED_DATA}")
    return SHARED_DATA


def count_statements(engine: Engine) -> list[str]:
    """Attach a statement recorder to ``engine``; returns the live list of executed SQL."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(*args: object) -> None:
        seen.append(str(args[2]))

    return seen
