"""The data version that keys the report caches: what counts as a change on PostgreSQL.

Each check first waits until PostgreSQL's statistics show the rows it wrote, so that "the
version did not move" is never a test that passes because the counters had not been flushed.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from coxswain.api.data_version import DataVersion
from coxswain.opportunities.models import LostReason

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _inserted(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT coalesce(sum(n_tup_ins), 0) FROM pg_stat_user_tables WHERE relname = :t"),
            {"t": table},
        ).scalar_one()
    return int(found)


def _wait_for_stats(engine: Engine, table: str, rows: int) -> None:
    deadline = time.monotonic() + 15
    while _inserted(engine, table) < rows:
        assert time.monotonic() < deadline, f"statistics never showed {rows} rows in {table}"
        time.sleep(0.05)


def test_a_report_temporary_table_is_not_a_change_but_a_real_insert_is(engine: Engine) -> None:
    version = DataVersion(engine, min_interval=0)
    before = version.current()

    # What the analytics workspace does on every report: fill a temporary model table.
    with engine.connect() as connection:
        connection.execute(text("CREATE TEMP TABLE cx_probe_model (n integer)"))
        connection.execute(text("INSERT INTO cx_probe_model SELECT generate_series(1, 250)"))
        connection.execute(text("SELECT pg_stat_force_next_flush()"))
        connection.commit()
        _wait_for_stats(engine, "cx_probe_model", 250)
        assert version.current() == before

    # A real change to an application table moves the version.
    with Session(engine) as session, session.begin():
        session.add(LostReason(name="Probe"))
    deadline = time.monotonic() + 15
    while version.current() == before:
        assert time.monotonic() < deadline, "an insert into lost_reasons never changed the version"
        time.sleep(0.05)
