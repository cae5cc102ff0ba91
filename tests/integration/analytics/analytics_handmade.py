"""A hand-made company small enough to compute every KPI on paper (see the expected values
in ``test_analytics_handmade.py``), written as a native bundle (CSV, one file per entity).

Period under test: 2026-01-01 – 2026-06-30 (6 whole months, 181 days); the comparison
period is 2025-07-01 – 2025-12-31. Reporting currency USD; EUR converts at 1.10 from
2025-07-01 and 1.20 from 2026-03-01. Pipeline "Handmade": Prospecting (1) → Discovery (2)
→ Proposal (3) → Won (4) / Lost (5).

Deals (created → closed, stage, amount, owner):

====  ==========  ==========  ===========  ==========  =====  =============
deal  created     closed      stage        amount      owner  type
====  ==========  ==========  ===========  ==========  =====  =============
D1    2026-01-05  2026-02-04  Won          1,000 USD   Ann    new_business
D2    2026-01-10  2026-03-11  Won          2,000 EUR   Ann    renewal
D3    2026-02-01  2026-03-03  Lost         500 USD     Bob    new_business
D4    2025-12-20  2026-04-19  Won          3,000 USD   Bob    new_business
D5    2026-03-01  2026-05-01  Lost         1,000 EUR   Cy     renewal
D6    2026-04-01  —           Proposal     4,000 USD   Cy     new_business
D7    2026-05-01  —           Prospecting  100 USD     Ann    new_business
D8    2025-08-01  2025-09-30  Won          1,000 EUR   Cy     new_business
D9    2025-10-01  2025-11-30  Lost         200 USD     Bob    renewal
====  ==========  ==========  ===========  ==========  =====  =============
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from coxswain.analytics.engine.periods import Period
from coxswain.analytics.requests import ReportRequest
from coxswain.core.clock import FixedClock
from coxswain.db.engine import unit_of_work
from coxswain.imports.service import bundle_files, import_file

CLOCK = FixedClock(datetime(2026, 11, 22, 12, tzinfo=UTC))
PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))
REQUEST = ReportRequest(PERIOD.start, PERIOD.end)
PIPELINE = "Handmade"

STAGES = [
    {
        "pipeline": PIPELINE,
        "name": "Prospecting",
        "position": 1,
        "probability": 10,
        "category": "open",
        "forecast_category": "pipeline",
    },
    {
        "pipeline": PIPELINE,
        "name": "Discovery",
        "position": 2,
        "probability": 30,
        "category": "open",
        "forecast_category": "pipeline",
    },
    {
        "pipeline": PIPELINE,
        "name": "Proposal",
        "position": 3,
        "probability": 60,
        "category": "open",
        "forecast_category": "best_case",
    },
    {
        "pipeline": PIPELINE,
        "name": "Won",
        "position": 4,
        "probability": 100,
        "category": "won",
        "forecast_category": "closed",
    },
    {
        "pipeline": PIPELINE,
        "name": "Lost",
        "position": 5,
        "probability": 0,
        "category": "lost",
        "forecast_category": "omitted",
    },
]

RATES = [
    {"currency": "EUR", "quote_currency": "USD", "effective_on": "2025-07-01", "rate": "1.10"},
    {"currency": "EUR", "quote_currency": "USD", "effective_on": "2026-03-01", "rate": "1.20"},
]

TEAMS = [
    {"external_id": "T1", "name": "Company", "parent": "", "region": "", "segment": ""},
    {"external_id": "T2", "name": "East", "parent": "T1", "region": "East", "segment": "smb"},
    {"external_id": "T3", "name": "West", "parent": "T1", "region": "West", "segment": "smb"},
]

USERS = [
    {
        "external_id": "U1",
        "email": "ann@handmade.example",
        "full_name": "Ann Lee",
        "role": "rep",
        "team": "T2",
        "region": "East",
    },
    {
        "external_id": "U2",
        "email": "bob@handmade.example",
        "full_name": "Bob Ray",
        "role": "rep",
        "team": "T2",
        "region": "East",
    },
    {
        "external_id": "U3",
        "email": "cy@handmade.example",
        "full_name": "Cy Fox",
        "role": "rep",
        "team": "T3",
        "region": "West",
    },
]

ACCOUNTS = [
    {
        "external_id": "A1",
        "name": "Acme",
        "country": "United States",
        "state": "NY",
        "segment": "smb",
    },
    {
        "external_id": "A2",
        "name": "Bolt",
        "country": "United States",
        "state": "CA",
        "segment": "mid_market",
    },
    {
        "external_id": "A3",
        "name": "Cogs",
        "country": "Germany",
        "state": "",
        "segment": "enterprise",
    },
]

PRODUCTS = [
    {
        "external_id": "P1",
        "name": "Core",
        "family": "Platform",
        "is_recurring": "true",
        "list_price": "100",
        "currency": "USD",
    },
    {
        "external_id": "P2",
        "name": "Setup",
        "family": "Services",
        "is_recurring": "false",
        "list_price": "100",
        "currency": "USD",
    },
]

# (id, owner, account, stage, amount, currency, type, source, opened, closed, expected)
DEALS = [
    ("D1", "U1", "A1", "Won", "1000", "USD", "new_business", "web", "2026-01-05", "2026-02-04", ""),
    ("D2", "U1", "A1", "Won", "2000", "EUR", "renewal", "web", "2026-01-10", "2026-03-11", ""),
    (
        "D3",
        "U2",
        "A2",
        "Lost",
        "500",
        "USD",
        "new_business",
        "partner",
        "2026-02-01",
        "2026-03-03",
        "",
    ),
    (
        "D4",
        "U2",
        "A2",
        "Won",
        "3000",
        "USD",
        "new_business",
        "partner",
        "2025-12-20",
        "2026-04-19",
        "",
    ),
    ("D5", "U3", "A3", "Lost", "1000", "EUR", "renewal", "web", "2026-03-01", "2026-05-01", ""),
    (
        "D6",
        "U3",
        "A3",
        "Proposal",
        "4000",
        "USD",
        "new_business",
        "event",
        "2026-04-01",
        "",
        "2026-07-15",
    ),
    (
        "D7",
        "U1",
        "A1",
        "Prospecting",
        "100",
        "USD",
        "new_business",
        "web",
        "2026-05-01",
        "",
        "2026-06-20",
    ),
    ("D8", "U3", "A3", "Won", "1000", "EUR", "new_business", "web", "2025-08-01", "2025-09-30", ""),
    ("D9", "U2", "A2", "Lost", "200", "USD", "renewal", "partner", "2025-10-01", "2025-11-30", ""),
]

# (deal, product, unit price) — quantity 1, no discount, in the deal's currency.
LINES = [
    ("D1", "P1", "800"),
    ("D1", "P2", "200"),
    ("D2", "P1", "2000"),
    ("D3", "P1", "500"),
    ("D4", "P2", "3000"),
    ("D5", "P1", "1000"),
    ("D6", "P1", "4000"),
    ("D7", "P1", "100"),
    ("D8", "P1", "1000"),
    ("D9", "P1", "200"),
]

HISTORY = {
    "D1": [
        ("Prospecting", "2026-01-05"),
        ("Discovery", "2026-01-10"),
        ("Proposal", "2026-01-20"),
        ("Won", "2026-02-04"),
    ],
    "D2": [
        ("Prospecting", "2026-01-10"),
        ("Discovery", "2026-01-20"),
        ("Proposal", "2026-02-09"),
        ("Won", "2026-03-11"),
    ],
    "D3": [("Prospecting", "2026-02-01"), ("Discovery", "2026-02-11"), ("Lost", "2026-03-03")],
    "D4": [
        ("Prospecting", "2025-12-20"),
        ("Discovery", "2026-01-19"),
        ("Proposal", "2026-03-20"),
        ("Won", "2026-04-19"),
    ],
    "D5": [("Prospecting", "2026-03-01"), ("Lost", "2026-05-01")],
    "D6": [("Prospecting", "2026-04-01"), ("Discovery", "2026-04-11"), ("Proposal", "2026-05-01")],
    "D7": [("Prospecting", "2026-05-01")],
    "D8": [
        ("Prospecting", "2025-08-01"),
        ("Discovery", "2025-08-11"),
        ("Proposal", "2025-08-31"),
        ("Won", "2025-09-30"),
    ],
    "D9": [("Prospecting", "2025-10-01"), ("Lost", "2025-11-30")],
}

LEADS = [
    {
        "external_id": "L1",
        "last_name": "One",
        "source": "web",
        "owner": "U1",
        "size_segment": "smb",
        "country": "United States",
        "state": "NY",
        "status": "converted",
        "received_at": "2026-01-02T09:00:00Z",
        "mql_at": "2026-01-02T10:00:00Z",
        "accepted_at": "2026-01-03T09:00:00Z",
        "first_touch_at": "2026-01-02T11:00:00Z",
        "qualified_at": "2026-01-05T09:00:00Z",
        "converted_at": "2026-01-05T10:00:00Z",
    },
    {
        "external_id": "L2",
        "last_name": "Two",
        "source": "web",
        "owner": "U2",
        "size_segment": "smb",
        "country": "United States",
        "state": "CA",
        "status": "mql",
        "received_at": "2026-02-01T08:00:00Z",
        "mql_at": "2026-02-01T09:00:00Z",
        "first_touch_at": "2026-02-01T12:00:00Z",
    },
    {
        "external_id": "L3",
        "last_name": "Three",
        "source": "partner",
        "owner": "U3",
        "size_segment": "enterprise",
        "country": "Germany",
        "status": "disqualified",
        "received_at": "2026-03-01T00:00:00Z",
        "first_touch_at": "2026-03-02T00:00:00Z",
        "disqualified_at": "2026-03-05T00:00:00Z",
    },
    {
        "external_id": "L4",
        "last_name": "Four",
        "source": "partner",
        "owner": "U3",
        "size_segment": "enterprise",
        "country": "Germany",
        "status": "qualified",
        "received_at": "2026-04-01T00:00:00Z",
        "mql_at": "2026-04-01T01:00:00Z",
        "accepted_at": "2026-04-02T00:00:00Z",
        "qualified_at": "2026-04-03T00:00:00Z",
    },
    {
        "external_id": "L5",
        "last_name": "Five",
        "source": "web",
        "owner": "U1",
        "size_segment": "smb",
        "country": "United States",
        "state": "NY",
        "status": "converted",
        "received_at": "2025-10-01T00:00:00Z",
        "mql_at": "2025-10-01T01:00:00Z",
        "converted_at": "2025-10-05T00:00:00Z",
    },
]

# (id, owner, type, occurred_at, minutes)
ACTIVITIES = [
    ("X1", "U1", "call", "2026-01-05T10:00:00Z", 30),
    ("X2", "U1", "meeting", "2026-01-06T10:00:00Z", 60),
    ("X3", "U1", "task", "2026-01-07T10:00:00Z", 30),
    ("X4", "U2", "email", "2026-02-01T10:00:00Z", 10),
    ("X5", "U2", "task", "2026-02-02T10:00:00Z", 50),
    ("X6", "U3", "meeting", "2026-03-01T10:00:00Z", 120),
    ("X7", "U1", "call", "2025-10-01T10:00:00Z", 20),
]


def _write(folder: Path, entity: str, rows: list[dict[str, object]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with (folder / f"{entity}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def write_bundle(folder: Path) -> Path:
    """Write the company as native CSV files into ``folder`` (created); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "stages", STAGES)
    _write(folder, "exchange_rates", RATES)
    _write(folder, "teams", TEAMS)
    _write(folder, "users", USERS)
    _write(folder, "accounts", ACCOUNTS)
    _write(folder, "products", PRODUCTS)
    deals = [
        {
            "external_id": d[0],
            "name": f"Deal {d[0]}",
            "owner": d[1],
            "account": d[2],
            "pipeline": PIPELINE,
            "stage": d[3],
            "amount": d[4],
            "currency": d[5],
            "type": d[6],
            "lead_source": d[7],
            "opened_on": d[8],
            "closed_on": d[9],
            "expected_close_on": d[10],
            "lost_reason": "Price" if d[3] == "Lost" else "",
        }
        for d in DEALS
    ]
    _write(folder, "opportunities", deals)
    currency = {d[0]: d[5] for d in DEALS}
    _write(
        folder,
        "line_items",
        [
            {
                "external_id": f"{deal}:{product}",
                "opportunity": deal,
                "product": product,
                "quantity": "1",
                "unit_price": price,
                "discount": "0",
                "currency": currency[deal],
            }
            for deal, product, price in LINES
        ],
    )
    owner = {d[0]: d[1] for d in DEALS}
    changes = []
    for deal, steps in HISTORY.items():
        previous = ""
        for stage, day in steps:
            changes.append(
                {
                    "opportunity": deal,
                    "from_stage": previous,
                    "to_stage": stage,
                    "changed_at": f"{day}T00:00:00Z",
                    "changed_by": owner[deal],
                }
            )
            previous = stage
    _write(folder, "stage_changes", changes)
    _write(folder, "leads", LEADS)
    _write(
        folder,
        "activities",
        [
            {
                "external_id": a[0],
                "owner": a[1],
                "type": a[2],
                "occurred_at": a[3],
                "duration_minutes": a[4],
                "completed": "true",
            }
            for a in ACTIVITIES
        ],
    )
    return folder


def import_bundle(engine: Engine, folder: Path) -> None:
    """Import a native bundle the way ``coxswain import bundle`` does."""
    with unit_of_work(engine) as session:
        for entity, file in bundle_files(folder):
            report = import_file(session, entity=entity, path=file, source="test")
            assert report.rejected == 0, (entity, report.rejects_file)


def assert_same(left: object, right: object, where: str = "", rel: float = 1e-9) -> None:
    """Equal structures: numbers within ``rel`` (floating point differs by engine), the
    rest exactly."""
    if isinstance(left, dict) and isinstance(right, dict):
        assert left.keys() == right.keys(), f"{where}: keys {left.keys() ^ right.keys()}"
        for key in left:
            assert_same(left[key], right[key], f"{where}.{key}", rel)
    elif isinstance(left, list) and isinstance(right, list):
        assert len(left) == len(right), f"{where}: lengths {len(left)} != {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{where}[{index}]", rel)
    elif isinstance(left, int | float) and isinstance(right, int | float):
        assert left == pytest.approx(right, rel=rel, abs=1e-9), f"{where}: {left} != {right}"
    else:
        assert left == right, f"{where}: {left!r} != {right!r}"
