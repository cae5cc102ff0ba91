"""Opportunities through the Arrow path, the Python column path and the row path: the same
stored rows, counts and reject files, on edge cases each kernel must leave to the row path;
a second import changes nothing and a changed row is an update (with its stage history)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from coxswain.db.engine import make_engine, unit_of_work
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities
from coxswain.imports.fast.arrow_opportunities import ArrowOpportunities
from coxswain.imports.service import import_file

SETUP = ("exchange_rates", "stages", "lost_reasons", "teams", "users", "products", "accounts")
PATHS: dict[str, dict[str, bool]] = {
    "arrow": {},
    "column": {"allow_arrow": False},
    "row": {"allow_fast": False},
}
# The stored deals, raw (no ORM type processing): ids replaced by the names they point at.
DEALS = """
SELECT o.external_id, o.name, a.external_id, u.external_id, p.name, s.name, o.status,
       o.amount_minor, o.currency, o.probability_bp, o.forecast_category,
       CAST(o.forecast_category_overridden AS INTEGER), o.type, o.lead_source, l.external_id,
       r.name, CAST(o.opened_on AS TEXT), CAST(o.engaged_on AS TEXT),
       CAST(o.expected_close_on AS TEXT), CAST(o.closed_on AS TEXT), o.next_step,
       o.description, o.version, o.external_source, o.row_hash, o.deleted_at
FROM opportunities o
JOIN pipelines p ON p.id = o.pipeline_id
JOIN stages s ON s.id = o.stage_id
LEFT JOIN accounts a ON a.id = o.account_id
LEFT JOIN users u ON u.id = o.owner_id
LEFT JOIN leads l ON l.id = o.lead_id
LEFT JOIN lost_reasons r ON r.id = o.lost_reason_id
"""
HISTORY = """
SELECT o.external_id, f.name, t.name, c.amount_minor
FROM opportunity_stage_changes c
JOIN opportunities o ON o.id = c.opportunity_id
JOIN stages t ON t.id = c.to_stage_id
LEFT JOIN stages f ON f.id = c.from_stage_id
"""
OPEN_DATES = {"opened_on": "2024-01-10", "expected_close_on": "2024-06-30", "closed_on": ""}
WON = {"stage": "Closed Won", "opened_on": "2024-01-10", "closed_on": "2024-03-01"}
# Data row k is line k + 1 (the header is line 1). Each edit: the cells it sets, and whether
# the row is rejected (by every path).
EDITS: dict[int, tuple[dict[str, str], bool]] = {
    1: ({"amount": "twelve"}, True),
    2: ({"amount": "-5.00"}, True),
    3: ({"amount": "100.125", "currency": "USD"}, False),  # rounded half-even: 10012
    4: ({"amount": "1,234.50", "currency": "EUR"}, False),  # grouping: 123450
    5: ({"amount": "1500.00", "currency": "JPY"}, False),  # zero decimals: 1500
    6: ({"amount": "1500.5", "currency": "JPY"}, False),  # rounded half-even: 1500
    7: ({"amount": "12.345", "currency": "BHD"}, False),  # three decimals: 12345
    8: ({"amount": "12.3456", "currency": "BHD"}, False),  # rounded: 12346
    9: ({"amount": "7", "currency": "usd"}, False),  # USD, 700
    10: ({"currency": "XYZ"}, True),
    11: ({"stage": "Negotiations"}, True),
    12: ({"owner": "U-nobody"}, True),
    13: ({"account": "A-nobody"}, True),
    14: ({"lead": "L-nobody"}, True),
    15: ({**WON, "closed_on": "", "expected_close_on": "2024-03-05"}, False),  # closed 03-05
    16: ({**WON, "stage": "Closed Lost", "closed_on": "", "expected_close_on": ""}, True),
    17: ({"stage": "Proposal", **OPEN_DATES, "closed_on": "2024-02-02"}, True),
    18: ({**WON, "opened_on": "2024-05-01", "closed_on": "2024-04-01"}, True),
    19: ({**WON, "opened_on": "2023-02-30"}, True),
    20: ({**WON, "opened_on": "2023/10/05"}, False),  # another form: the row path reads it
    21: ({**WON, "stage": " Closed Won"}, False),  # blanks: the row path strips them
    22: ({"stage": "Proposal", **OPEN_DATES, "forecast_category": "commit"}, False),
    23: ({"stage": "Proposal", **OPEN_DATES, "forecast_category": "best_case"}, False),
    24: ({"probability": "35"}, False),
    25: ({"probability": "150"}, True),
    26: ({"type": "renewal"}, False),
    27: ({"type": "bogus"}, True),
    28: ({**WON, "stage": "Closed Lost", "lost_reason": "Budget cut"}, False),  # a new reason
    29: ({**WON, "stage": "Closed Lost", "lost_reason": "price"}, False),  # the stored Price
    30: ({"pipeline": ""}, False),  # the default pipeline
    31: ({"name": "x" * 301}, True),
    32: ({"description": "Café – ünïcode", "next_step": "call", "amount": ""}, False),
    33: ({"engaged_on": "2024-01-11T09:00:00Z"}, False),  # the row path reads the day
}


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("company")
    write_entities(
        iter_entities(GeneratorConfig(seed=3, opportunities=300)), folder, FileFormat.CSV
    )
    path = folder / "opportunities.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    h = {name: i for i, name in enumerate(rows[0])}
    for k, (edit, _) in EDITS.items():
        cells = edit
        if "stage" not in cells and "closed_on" not in cells:
            cells = {"stage": "Proposal", **OPEN_DATES, **cells}  # a plain open deal
        if "Closed Lost" not in cells.get("stage", ""):
            cells = {"lost_reason": "", **cells}
        for name, value in cells.items():
            rows[k][h[name]] = value
    rows.append(list(rows[40]))  # a duplicate external id: rejected
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return folder


@pytest.fixture
def engines(
    database_url: str, template_databases: dict[str, str], tmp_path: Path, backend: str
) -> Iterator[dict[str, Engine]]:
    """One fresh database per import path, each with the company's reference data."""
    from tests.conftest import _pg_admin, _pg_url

    urls = {"arrow": database_url}
    names: list[str] = []
    for path in ("column", "row"):
        if backend == "sqlite":
            shutil.copyfile(template_databases["sqlite"], tmp_path / f"{path}.db")
            urls[path] = f"sqlite:///{tmp_path / f'{path}.db'}"
        else:
            name = f"cx_{path}_{tmp_path.name[-8:].lower().replace('-', '_')}"
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_databases["postgresql"]}"')
            urls[path] = _pg_url(name)
            names.append(name)
    engines = {path: make_engine(url) for path, url in urls.items()}
    try:
        yield engines
    finally:
        for engine in engines.values():
            engine.dispose()
        for name in names:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _import(engine: Engine, entity: str, file: Path, rejects: Path, **paths: bool) -> Any:
    with unit_of_work(engine) as session:
        return import_file(session, entity=entity, path=file, rejects_path=rejects, **paths)


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return sorted((tuple(r) for r in connection.execute(text(sql))), key=repr)


def _rejects(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as handle:
        return sorted(csv.reader(handle))


def test_three_paths_store_the_same_opportunities(
    engines: dict[str, Engine],
    company: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocks: list[int] = []
    write = ArrowOpportunities.write
    monkeypatch.setattr(
        ArrowOpportunities, "write", lambda self, block: (blocks.append(1), write(self, block))
    )
    file = company / "opportunities.csv"
    counts, stored = {}, {}
    for path, engine in engines.items():
        for entity in (*SETUP, "leads"):
            _import(engine, entity, company / f"{entity}.csv", tmp_path / "setup.csv")
        report = _import(engine, "opportunities", file, tmp_path / f"{path}.csv", **PATHS[path])
        counts[path] = (report.inserted, report.rejected, report.unchanged, report.rows_read)
        stored[path] = _rows(engine, DEALS)
    assert blocks, "the Arrow path was not taken"
    rejected = sum(bad for _, bad in EDITS.values()) + 1  # and the duplicate
    assert (
        counts["arrow"] == counts["column"] == counts["row"] == (301 - rejected, rejected, 0, 301)
    )
    assert stored["arrow"] == stored["column"] == stored["row"]
    assert _rejects(tmp_path / "arrow.csv") == _rejects(tmp_path / "row.csv")
    assert _rejects(tmp_path / "column.csv") == _rejects(tmp_path / "row.csv")
    lines = sorted(int(r[0]) for r in _rejects(tmp_path / "arrow.csv")[:-1])
    assert lines == sorted([k + 1 for k, (_, bad) in EDITS.items() if bad] + [302])
    by_id = {row[0]: row for row in stored["arrow"]}
    header = next(csv.reader((company / "opportunities.csv").open(encoding="utf-8")))
    data = list(csv.reader((company / "opportunities.csv").open(encoding="utf-8")))
    deal = {k: by_id[data[k][header.index("external_id")]] for k in EDITS if not EDITS[k][1]}
    # amount_minor and currency (columns 7, 8), worked out by hand
    assert [deal[k][7:9] for k in (3, 4, 5, 6, 7, 8, 9, 32)] == [
        (10012, "USD"),
        (123450, "EUR"),
        (1500, "JPY"),
        (1500, "JPY"),
        (12345, "BHD"),
        (12346, "BHD"),
        (700, "USD"),
        (0, deal[32][8]),
    ]
    assert deal[15][6] == "won"
    assert deal[15][19] == "2024-03-05"
    assert deal[20][16] == "2023-10-05"
    assert deal[21][5] == "Closed Won"
    assert deal[22][10:12] == ("commit", 1)
    assert deal[23][10:12] == ("best_case", 0)
    assert deal[24][9] == 3500
    assert deal[26][12] == "renewal"
    assert deal[28][15] == "Budget cut"
    assert deal[29][15] == "Price"
    assert deal[30][4] == "Sales"
    assert deal[33][17] == "2024-01-11"
    assert deal[32][20:22] == ("call", "Café – ünïcode")


def test_reimport_changes_nothing_and_a_changed_row_is_an_update(
    engines: dict[str, Engine], company: Path, tmp_path: Path
) -> None:
    file = company / "opportunities.csv"
    good = 301 - sum(bad for _, bad in EDITS.values()) - 1
    for path in ("arrow", "row"):
        engine = engines[path]
        for entity in (*SETUP, "leads"):
            _import(engine, entity, company / f"{entity}.csv", tmp_path / "setup.csv")
        _import(engine, "opportunities", file, tmp_path / "first.csv", **PATHS[path])
    before = _rows(engines["arrow"], DEALS)
    again = _import(engines["arrow"], "opportunities", file, tmp_path / "again.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, good)
    assert _rows(engines["arrow"], DEALS) == before
    # Change two deals: an amount, and a stage (an update writes a stage change).
    rows = list(csv.reader(file.open(encoding="utf-8")))
    h = {name: i for i, name in enumerate(rows[0])}
    rows[50][h["amount"]], rows[50][h["currency"]] = "4242.42", "USD"
    stage = "Discovery" if rows[51][h["stage"]] == "Negotiation" else "Negotiation"
    rows[51][h["stage"]], rows[51][h["closed_on"]] = stage, ""
    rows[51][h["lost_reason"]] = ""
    changed = tmp_path / "changed" / "opportunities.csv"
    changed.parent.mkdir()
    with changed.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    reports = {
        path: _import(engines[path], "opportunities", changed, tmp_path / f"c-{path}.csv")
        for path in ("arrow", "row")
    }
    for report in reports.values():
        assert (report.inserted, report.updated, report.unchanged) == (0, 2, good - 2)
    assert _rows(engines["arrow"], DEALS) == _rows(engines["row"], DEALS)
    assert _rows(engines["arrow"], HISTORY) == _rows(engines["row"], HISTORY)
    updated = {r[0]: r for r in _rows(engines["arrow"], DEALS)}
    assert updated[rows[50][h["external_id"]]][7] == 424242
    assert updated[rows[51][h["external_id"]]][5:7] == (stage, "open")
    assert updated[rows[51][h["external_id"]]][22] == 2  # version


def test_a_refused_block_goes_to_the_row_path_without_false_repeats(
    engines: dict[str, Engine], company: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the database refuses a whole block, its rows go to the row path, which must not
    reject them as repeats of themselves (both paths share the duplicate set)."""
    from sqlalchemy.exc import IntegrityError

    from coxswain.imports.bulk import BulkInserter

    refused: list[str] = []

    def refuse_once(original: Any, refusal: Any) -> Any:
        def insert(*args: Any, **kwargs: Any) -> Any:
            if not refused:
                refused.append("block")
                return refusal()
            return original(*args, **kwargs)

        return insert

    def integrity_error() -> None:
        raise IntegrityError("INSERT", {}, Exception("refused for the test"))

    monkeypatch.setattr(BulkInserter, "insert", refuse_once(BulkInserter.insert, integrity_error))
    monkeypatch.setattr(
        ArrowOpportunities, "_insert", refuse_once(ArrowOpportunities._insert, lambda: False)
    )
    rejected = sum(bad for _, bad in EDITS.values()) + 1
    for path in ("column", "arrow"):
        engine = engines[path]
        for entity in (*SETUP, "leads"):
            _import(engine, entity, company / f"{entity}.csv", tmp_path / "setup.csv")
        refused.clear()
        report = _import(
            engine,
            "opportunities",
            company / "opportunities.csv",
            tmp_path / "r.csv",
            **PATHS[path],
        )
        assert refused == ["block"]
        assert (report.inserted, report.rejected) == (301 - rejected, rejected)
