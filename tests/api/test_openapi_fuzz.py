"""Property-based API testing against our OpenAPI spec (Schemathesis): no 5xx on any input.

Every operation gets a handful of generated requests as an admin (the widest visibility and
rights), on SQLite; the budget keeps the whole run to well under a minute on two cores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine

from coxswain.db.engine import make_engine
from coxswain.web.server import create_app
from tests.api.org import Org, build_org

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzz_target(
    template_databases: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[object, Org]]:
    import shutil

    folder = tmp_path_factory.mktemp("fuzz")
    database = folder / "fuzz.db"
    shutil.copyfile(template_databases["sqlite"], database)
    engine: Engine = make_engine(f"sqlite:///{database}")
    org = build_org(engine)
    yield create_app(engine, upload_dir=Path(folder) / "uploads"), org
    engine.dispose()


def test_no_server_errors_on_generated_requests(fuzz_target: tuple[object, Org]) -> None:
    app, org = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = org.headers("admin")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (
            operation.method.upper() == "DELETE"
            and operation.path == "/api/v1/auth/tokens/{token_id}"
        ):
            continue  # revoking the fuzzer's own token would only turn the rest into 401s
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:200]}"
                )

        exercise()
    assert operations > 40
    assert failures == []
