"""Values that confused the dialect guess: quotes, apostrophes and carriage returns inside values.

Found by the property test in ``test_import_properties.py``: a bad row whose stage held a quote
and a carriage return made the sniffer answer "quotes are not doubled", which split the row in
two and cost the good row beside it. Each file here is written by Python's ``csv`` writer (the
standard quoting), so every row must come back exactly as written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.db.models import Opportunity
from coxswain.imports.service import import_file

HEADER = ["external_id", "name", "stage", "amount", "currency", "opened_on", "closed_on"]


def _write(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def _names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Opportunity.external_id, Opportunity.name)).all())  # type: ignore[arg-type]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_quote_and_a_carriage_return_in_a_bad_value_cost_no_good_row(
    session: Session, tmp_path: Path, delimiter: str
) -> None:
    path = tmp_path / "opps.csv"
    _write(
        path,
        [
            ["G0", "Acme renewal", "Proposal", "1.00", "USD", "2024-01-15", ""],
            ["B1", "bad", 'zz,"\r', "10", "USD", "2024-01-15", ""],
        ],
        delimiter,
    )
    report = import_file(
        session, entity="opportunities", path=path, rejects_path=tmp_path / "rejects.csv"
    )
    assert (report.rows_read, report.inserted, report.rejected) == (2, 1, 1)
    assert _names(session) == {"G0": "Acme renewal"}
    with (tmp_path / "rejects.csv").open(newline="", encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert [(r["_line"], r["_field"], r["stage"]) for r in rejects] == [("3", "stage", 'zz,"\r')]


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(['Say "hi"\r\nthen go', "a\rb", 'one "quoted" word'], id="quotes-and-breaks"),
        pytest.param(["'Alpha'", "'Beta'", "O'Brien, 'Big' deal", "'"], id="apostrophes"),
    ],
)
def test_names_come_back_as_written(session: Session, tmp_path: Path, names: list[str]) -> None:
    """Quotes and line breaks inside values, and names in apostrophes (once taken by the
    sniffer for quoted values), are stored exactly as the ``csv`` writer wrote them."""
    path = tmp_path / "opps.csv"
    _write(
        path,
        [
            [f"G{i}", name, "Proposal", "1.00", "USD", "2024-01-15", ""]
            for i, name in enumerate(names)
        ],
    )
    report = import_file(session, entity="opportunities", path=path)
    assert (report.rows_read, report.inserted, report.rejected) == (len(names), len(names), 0)
    assert _names(session) == {f"G{i}": name for i, name in enumerate(names)}
