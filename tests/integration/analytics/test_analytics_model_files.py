"""The model kept beside a SQLite application database (``sources/model_files.py``): reused
while the data is unchanged, rebuilt after any insert, update or delete of a table the model
reads, and not kept where no exact change marker exists. Expected values are the hand-made
company's (see analytics_handmade.py): won in Jan–Jun 2026 = D1 1,000 USD + D2 2,000 EUR
× 1.20 + D4 3,000 USD = 6,400 USD."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date
from pathlib import Path

import pytest
from analytics_handmade import CLOCK, REQUEST

from coxswain.analytics.service import dashboard
from coxswain.analytics.sources.appdb import open_app_database
from coxswain.analytics.sources.model_files import WATCHED, ModelFiles, change_marker
from coxswain.analytics.workspace import prepare

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
WON_VALUE = 6400.0


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _won_value(url: str) -> float:
    with open_app_database(url) as source:
        value = dashboard(prepare(source, clock=CLOCK), REQUEST).kpis.contract()["won_value"]
    return float(value["value"])


def _stored(url: str) -> dict[str, int]:
    """Model files beside the database, with their modification times."""
    folder = ModelFiles.beside(_path(url)).folder
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.sqlite")}


def _execute(url: str, sql: str, *params: object) -> None:
    with sqlite3.connect(_path(url)) as con:
        con.execute(sql, params)
    con.close()


def _deal_id(url: str, external_id: str) -> str:
    with sqlite3.connect(_path(url)) as con:
        (found,) = con.execute(
            "SELECT id FROM opportunities WHERE external_id = ?", (external_id,)
        ).fetchone()
    con.close()
    return str(found)


def test_the_model_is_stored_once_and_reused(handmade_db: str) -> None:
    assert _won_value(handmade_db) == WON_VALUE
    first = _stored(handmade_db)
    assert sorted(name.split("-")[0] for name in first) == [
        "cx_activities",
        "cx_funnel_deals",
        "cx_leads",
    ]
    assert _won_value(handmade_db) == WON_VALUE
    assert _stored(handmade_db) == first  # read, not rewritten


def test_an_update_rebuilds_the_model(handmade_db: str) -> None:
    assert _won_value(handmade_db) == WON_VALUE
    before = _stored(handmade_db)
    # D4, won 2026-04-19: 3,000.00 USD → 3,500.00 USD (amounts are stored in cents)
    _execute(handmade_db, "UPDATE opportunities SET amount_minor = 350000 WHERE external_id = 'D4'")
    assert _won_value(handmade_db) == WON_VALUE + 500
    after = _stored(handmade_db)
    assert len(after) == 3
    assert not set(after) & set(before)  # every table rebuilt, the old files removed


def test_a_delete_rebuilds_the_model(handmade_db: str) -> None:
    assert _won_value(handmade_db) == WON_VALUE
    deal = _deal_id(handmade_db, "D1")  # won 1,000 USD
    for table in ("opportunity_stage_changes", "opportunity_line_items"):
        _execute(handmade_db, f"DELETE FROM {table} WHERE opportunity_id = ?", deal)
    _execute(
        handmade_db, "UPDATE activities SET opportunity_id = NULL WHERE opportunity_id = ?", deal
    )
    _execute(handmade_db, "DELETE FROM opportunities WHERE id = ?", deal)
    assert _won_value(handmade_db) == WON_VALUE - 1000


def test_an_insert_rebuilds_the_model(handmade_db: str) -> None:
    assert _won_value(handmade_db) == WON_VALUE
    # A copy of D4 (won 3,000 USD in April 2026) under a new id and external id.
    with sqlite3.connect(_path(handmade_db)) as con:
        columns = [row[1] for row in con.execute("PRAGMA table_info(opportunities)")]
        values = [
            "?" if c == "id" else "external_id || '-copy'" if c == "external_id" else c
            for c in columns
        ]
        con.execute(
            f"INSERT INTO opportunities ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM opportunities WHERE external_id = 'D4'",
            (uuid.uuid4().hex,),
        )
    con.close()
    assert _won_value(handmade_db) == WON_VALUE + 3000


def test_the_marker_tells_every_kind_of_change(handmade_db: str) -> None:
    with sqlite3.connect(_path(handmade_db), isolation_level=None) as con:
        seen = {change_marker(con)}
        assert change_marker(con) in seen  # nothing changed: the same marker
        changes = [
            "UPDATE users SET full_name = full_name || ' Jr' WHERE rowid = 1",
            "INSERT INTO currencies (code, name, exponent, is_reporting, created_at, updated_at)"
            " SELECT 'XTS', 'Test', 2, 0, created_at, updated_at FROM currencies LIMIT 1",
            "DELETE FROM currencies WHERE code = 'XTS'",
            # a REPLACE of the row with the largest rowid: one row out, one row in
            "INSERT OR REPLACE INTO stages SELECT * FROM stages"
            " WHERE rowid = (SELECT max(rowid) FROM stages)",
        ]
        for sql in changes:
            con.execute(sql)
            marker = change_marker(con)
            assert marker not in seen, sql
            seen.add(marker)
    con.close()
    assert None not in seen


def test_no_triggers_no_stored_model(handmade_db: str) -> None:
    _execute(handmade_db, f"DROP TRIGGER cx_changed_{WATCHED[0]}_update")
    assert _won_value(handmade_db) == WON_VALUE
    assert _stored(handmade_db) == {}


def test_a_view_restricted_to_owners_keeps_no_model(handmade_db: str) -> None:
    owner = uuid.UUID(_deal_owner(handmade_db))
    with open_app_database(handmade_db, owner_ids={owner}) as source:
        assert source.model_files is None
        prepare(source, clock=CLOCK)
    assert _stored(handmade_db) == {}


def _deal_owner(url: str) -> str:
    with sqlite3.connect(_path(url)) as con:
        (owner,) = con.execute(
            "SELECT owner_id FROM opportunities WHERE external_id = 'D1'"
        ).fetchone()
    con.close()
    return str(owner)


def _as_of(url: str) -> tuple[date | None, int]:
    """The data's as-of day, and how many as-of queries prepare ran to find it."""
    with open_app_database(url) as source:
        ws = prepare(source, clock=CLOCK)
    return ws.data_as_of, sum(1 for label, _ in ws.log.entries if label == "as-of")


def test_the_as_of_day_is_kept_while_the_data_is_unchanged(handmade_db: str) -> None:
    day, queries = _as_of(handmade_db)
    assert queries == 3  # a close or creation, a lead, an activity
    assert _as_of(handmade_db) == (day, 0)  # found again, no query
    folder = ModelFiles.beside(_path(handmade_db)).folder
    assert len(list(folder.glob("as-of-*.json"))) == 1
    # An activity moved to 2026-09-30, after every other event of the hand-made company.
    assert day is not None
    assert day < date(2026, 9, 30)
    _execute(
        handmade_db,
        "UPDATE activities SET occurred_at = '2026-09-30' || substr(occurred_at, 11)"
        " WHERE rowid = (SELECT min(rowid) FROM activities)",
    )
    assert _as_of(handmade_db) == (date(2026, 9, 30), 3)
    assert len(list(folder.glob("as-of-*.json"))) == 1  # the older answer removed
