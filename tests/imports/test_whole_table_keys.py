"""Key lookups by external id: once a file has asked for enough of a table's keys, the table's
keys are read whole and matched in Arrow. Both ways must find exactly the same ids (checked
against a plain query per key), and an opportunities import stores the same references either
way (checked against the file's own cells)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from coxswain.db.engine import unit_of_work
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities
from coxswain.imports.fast import hex_keys
from coxswain.imports.fast.hex_keys import HexKeys
from coxswain.imports.service import import_file

SETUP = ("exchange_rates", "stages", "lost_reasons", "teams", "users", "products", "accounts")


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("company")
    write_entities(
        iter_entities(GeneratorConfig(seed=5, opportunities=400)), folder, FileFormat.CSV
    )
    return folder


def _import(engine: Engine, entity: str, file: Path, rejects: Path) -> Any:
    with unit_of_work(engine) as session:
        return import_file(session, entity=entity, path=file, rejects_path=rejects)


def _one_by_one(session: Session, table: str, source: str, keys: list[str]) -> dict[str, str]:
    """The obviously-correct answer: one query per key, the id as 32 lower-case hex digits."""
    found: dict[str, str] = {}
    for key in keys:
        row = session.execute(
            text(f"SELECT id FROM {table} WHERE external_source = :s AND external_id = :k"),
            {"s": source, "k": key},
        ).first()
        if row is not None:
            found[key] = str(row[0]).replace("-", "").lower()
    return found


def test_whole_table_and_per_key_queries_find_the_same_ids(
    engine: Engine, company: Path, tmp_path: Path
) -> None:
    for entity in SETUP:
        _import(engine, entity, company / f"{entity}.csv", tmp_path / "setup.csv")
    with unit_of_work(engine) as session:
        stored = [r[0] for r in session.execute(text("SELECT external_id FROM accounts"))]
        assert len(stored) > 20
        # stored keys, keys that name nothing, a key with blanks, an empty key, repeats
        asked = [*stored[::2], "A-nobody", " " + stored[1], "", stored[0], stored[-1]]
        expected = _one_by_one(session, "accounts", "native", asked)
        assert len(expected) == len(set(stored[::2]) | {stored[0], stored[-1]})
        queries = HexKeys(session, "native", whole_table_rows=0)  # never reads the table whole
        whole = HexKeys(session, "native", whole_table_share=len(stored))  # at the first call
        assert queries.find("accounts", asked) == expected
        assert whole.find("accounts", asked) == expected
        assert "accounts" in whole._whole
        assert "accounts" not in queries._whole
        # another source: nothing is found either way
        assert HexKeys(session, "crm", whole_table_share=len(stored)).find("accounts", asked) == {}
        # the threshold: a quarter of the rows must have been asked for first
        gradual = HexKeys(session, "native", whole_table_share=4)
        quarter = len(stored) // 4
        assert gradual.find("accounts", stored[: quarter - 1]) == _one_by_one(
            session, "accounts", "native", stored[: quarter - 1]
        )
        assert "accounts" not in gradual._whole
        assert gradual.find("accounts", stored[quarter - 1 : quarter + 1]) == _one_by_one(
            session, "accounts", "native", stored[quarter - 1 : quarter + 1]
        )
        assert "accounts" in gradual._whole


@pytest.mark.parametrize("whole", [True, False], ids=["whole-table", "per-block"])
def test_opportunities_reference_the_accounts_and_leads_their_cells_name(
    engine: Engine,
    company: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    whole: bool,
) -> None:
    monkeypatch.setattr(hex_keys, "WHOLE_TABLE_ROWS", 10**9 if whole else 0)
    monkeypatch.setattr(hex_keys, "WHOLE_TABLE_SHARE", 10**9)
    read: list[str] = []
    original = HexKeys._read_whole
    monkeypatch.setattr(
        HexKeys, "_read_whole", lambda self, table: (read.append(table), original(self, table))[1]
    )
    for entity in (*SETUP, "leads"):
        _import(engine, entity, company / f"{entity}.csv", tmp_path / "setup.csv")
    read.clear()  # the leads import looked up accounts too
    file = company / "opportunities.csv"
    report = _import(engine, "opportunities", file, tmp_path / "r.csv")
    assert (report.inserted, report.rejected) == (400, 0)
    assert sorted(read) == (["accounts", "leads"] if whole else [])
    with file.open(encoding="utf-8") as handle:
        expected = sorted(
            (row["external_id"], row["account"] or None, row["lead"] or None)
            for row in csv.DictReader(handle)
        )
    with engine.connect() as connection:
        stored = sorted(
            tuple(r)
            for r in connection.execute(
                text(
                    "SELECT o.external_id, a.external_id, l.external_id FROM opportunities o"
                    " LEFT JOIN accounts a ON a.id = o.account_id"
                    " LEFT JOIN leads l ON l.id = o.lead_id"
                )
            )
        )
    assert stored == expected
    assert any(lead for _, _, lead in expected)
    assert all(account for _, account, _ in expected)


def test_match_finds_exact_keys_only() -> None:
    """Binary search over byte strings: prefixes, longer keys, NUL bytes, non-ASCII."""
    import numpy as np
    import pyarrow as pa

    stored = {"A1": "1" * 32, "A10": "2" * 32, "B": "3" * 32, "Zoë": "4" * 32, "A100": "5" * 32}
    keys = np.array([k.encode() for k in stored], dtype=np.bytes_)
    order = np.argsort(keys, kind="stable")
    whole = (keys[order], pa.array(list(stored.values()), pa.string()).take(pa.array(order)))
    asked = ["A1", "A10", "A1000", "A", "A1\x00", "Zoë", "Zoe", "", "B", "C", "A100"]
    expected = {k: stored[k] for k in asked if k in stored}
    assert hex_keys._match(whole, asked) == expected
    assert hex_keys._match(whole, []) == {}
    empty = (np.array([], dtype="S1"), pa.array([], pa.string()))
    assert hex_keys._match(empty, ["A1"]) == {}
