"""API test fixtures: the app on a fresh database (SQLite and PostgreSQL) and a small org."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from coxswain.web.server import create_app
from tests.api.org import Org, build_org


@pytest.fixture
def org(engine: Engine) -> Org:
    return build_org(engine)


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(engine, upload_dir=tmp_path / "uploads")
    with TestClient(app) as test_client:
        yield test_client
    # A report refreshed in the background must not outlive its test's database.
    results = getattr(app.state.analytics, "results", None)
    if results is not None:
        results.wait_for_refreshes()
