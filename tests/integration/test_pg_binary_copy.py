"""The binary COPY stream (``imports/fast/pg_copy.py``) stores what the CSV COPY stores.

Both are sent to a real PostgreSQL for the same block of values (NULLs in every nullable
column, text that needs CSV quoting, non-ASCII text, timestamps before 2000 and after 2038,
negative and 2**40 integers); the stored rows must be identical, and equal to the values
written by hand below.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import psycopg
import pyarrow as pa
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)

from coxswain.db.types import UTCDateTime
from coxswain.imports.fast.arrow_insert import _copy, _copy_csv, sorted_id_hexes, sorted_ids
from coxswain.imports.fast.pg_copy import encode_column
from tests.conftest import PG_ADMIN_DSN, require_backend

TABLE = Table(
    "copy_probe",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("ref", Uuid),
    Column("at", UTCDateTime),
    Column("amount", BigInteger),
    Column("small", Integer),
    Column("label", String(50)),
    Column("day", Date),
    Column("flag", Boolean),
    Column("made", UTCDateTime),
)
DDL = (
    "CREATE TEMP TABLE copy_probe (id uuid PRIMARY KEY, ref uuid, at timestamptz,"
    " amount bigint, small integer, label varchar(50), day date, flag boolean, made timestamptz)"
)
PLUS_2 = timezone(timedelta(hours=2))
REF = "abcdef0123456789ABCDEF0123456789"
MADE = datetime(2026, 11, 22, 14, 30, 1, 123456, tzinfo=UTC)
EXPECTED = [
    (None, datetime(2023, 10, 1, 9, 50, tzinfo=UTC), 1, 1, "plain", date(2023, 10, 1), True),
    (
        uuid.UUID(REF),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
        None,
        2,
        "",
        date(1999, 12, 31),
        False,
    ),
    (None, datetime(2000, 1, 1, tzinfo=UTC), -5, None, "héllo ✓", None, None),
    (uuid.UUID(REF), datetime(2038, 1, 19, 1, 14, 8, tzinfo=UTC), 2**40, -7, None, None, True),
    (None, datetime(1960, 2, 29, 12, tzinfo=UTC), None, 0, 'a,b"c\nd', date(1960, 2, 29), None),
]


def _columns() -> dict[str, object]:
    return {
        "ref": np.array([None, REF, None, REF.lower(), None], dtype=object),
        "at": pa.chunked_array(
            [
                pa.array(["2023-10-01T09:50:00Z", "1999-12-31T23:59:59Z"]),
                pa.array(
                    ["2000-01-01T00:00:00Z", "2038-01-19T03:14:08+02:00", "1960-02-29T12:00:00Z"]
                ),
            ]
        ),
        "amount": np.array([1, None, -5, 2**40, None], dtype=object),
        "small": np.array([1, 2, None, -7, 0], dtype=object),
        "label": pa.chunked_array([pa.array(["plain", "", "héllo ✓", None, 'a,b"c\nd'])]),
        "day": pa.array(["2023-10-01", "1999-12-31", None, None, "1960-02-29"]),
        "flag": np.array([True, False, None, True, None], dtype=object),
        "made": np.array([MADE, MADE.astimezone(PLUS_2), MADE, None, MADE], dtype=object),
    }


def _stored(connection: psycopg.Connection) -> list[tuple[object, ...]]:
    rows = connection.execute(
        "SELECT id, ref, at, amount, small, label, day, flag, made FROM copy_probe ORDER BY id"
    ).fetchall()
    return [tuple(r) for r in rows]


def test_binary_copy_stores_what_csv_copy_stores() -> None:
    require_backend("postgresql")
    ids = sorted_ids(len(EXPECTED))
    hexes = ids.tobytes().hex()
    hex_ids = np.array([hexes[i : i + 32] for i in range(0, 160, 32)], dtype=object)
    with psycopg.connect(PG_ADMIN_DSN) as connection:
        connection.execute(DDL)
        _copy(connection, TABLE, ids, _columns())
        binary = _stored(connection)
        connection.execute("TRUNCATE copy_probe")
        # The CSV writer takes Arrow arrays for these types (the binary encoder also takes
        # the NumPy object arrays the column builders make).
        as_arrow = {
            "flag": pa.array(_columns()["flag"].tolist(), pa.bool_()),  # type: ignore[attr-defined]
            "made": pa.array(
                _columns()["made"].tolist(),  # type: ignore[attr-defined]
                pa.timestamp("us", tz="UTC"),
            ),
        }
        _copy_csv(connection, TABLE, {"id": hex_ids, **_columns(), **as_arrow})
        text = _stored(connection)
        connection.rollback()
    assert binary == text
    assert [row[0] for row in binary] == [uuid.UUID(hexes[i : i + 32]) for i in range(0, 160, 32)]
    assert [row[1:-1] for row in binary] == EXPECTED
    assert [row[-1] for row in binary] == [MADE, MADE, MADE, None, MADE]


def test_forms_left_to_the_csv_copy() -> None:
    """Values whose meaning the binary encoder would have to guess are not encoded: the CSV
    COPY sends them as text and PostgreSQL judges them (as before the binary COPY)."""
    naive = np.array([datetime(2023, 1, 1)], dtype=object)
    assert encode_column(UTCDateTime(), naive) is None
    assert encode_column(UTCDateTime(), pa.array(["2023-01-01 10:00:00"])) is None
    assert encode_column(UTCDateTime(), np.array(["2023-01-01 10:00"], dtype=object)) is None
    assert encode_column(Date(), pa.array(["2023-1-5"])) is None
    assert encode_column(Date(), np.array([datetime(2023, 1, 5)], dtype=object)) is None
    assert encode_column(Integer(), np.array([1.5], dtype=object)) is None
    assert encode_column(Uuid(), np.array(["zz" * 16], dtype=object)) is None
    assert encode_column(Uuid(), np.array([uuid.uuid4()], dtype=object)) is None


def test_text_forms_in_object_arrays_are_encoded() -> None:
    """Timestamps and dates the column builders hand over as text in NumPy object arrays."""
    stamps = np.array(["2023-10-01T09:50:00Z", None, "2023-10-01T11:50:00+02:00"], dtype=object)
    encoded = encode_column(UTCDateTime(), stamps)
    assert encoded is not None
    since_2000 = datetime(2023, 10, 1, 9, 50, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)
    micros = int(since_2000.total_seconds()) * 1_000_000
    field = b"\x00\x00\x00\x08" + micros.to_bytes(8, "big")
    assert encoded.to_pylist() == [field, b"\xff\xff\xff\xff", field]
    days = encode_column(Date(), np.array(["2000-01-02", None], dtype=object))
    assert days is not None
    assert days.to_pylist() == [b"\x00\x00\x00\x04\x00\x00\x00\x01", b"\xff\xff\xff\xff"]


def test_sorted_ids_are_ascending_version_7_ids() -> None:
    hexes = sorted_id_hexes(10_000)
    assert hexes == sorted(hexes)
    assert len(set(hexes)) == 10_000
    parsed = [uuid.UUID(h) for h in hexes]
    assert {u.version for u in parsed} == {7}
    assert {u.variant for u in parsed} == {uuid.RFC_4122}
    assert sorted_id_hexes(0) == []
